// The example app. `npx cdk synth` needs no AWS account: the stack is environment-agnostic.
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { OrderPaymentStack } from './stacks/order-payment-stack.ts';

export const createApp = (app = new App()) => {
  new OrderPaymentStack(app, 'ReliableEventsOrderPayments');
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return app;
};

if (import.meta.main) createApp().synth();
