// The example app. `npx cdk synth` needs no AWS account: the stack is environment-agnostic.
// Context (`-c name=value`, or `new App({ context })`):
//   functionTimeoutSeconds  the consumers' timeout (queues' visibility: six times it), default 30
//   deliveryMode            CapturePayment's 'exactly-once' (default) or 'at-least-once'
//   idempotencyCommit       CapturePayment's 'lease' (default), 'optimistic' or 'effect-conditional' commit
//   groupCommit             CapturePayment commits a customer's orders of a batch together: true or false (default)
//   ordering                CapturePayment's FIFO ordering: 'auto' (default) or 'none' (a mutation for the proof)
//   fence                   CapturePayment's FIFO fence: 'on' (default) or 'off' (a mutation for the proof)
//   onDeadLetter            CapturePayment after a dead letter: 'continue' (default) or 'park-group'
//   retryBackoff            CapturePayment's retry backoff: 'on' (default) or 'off'
import { App, Duration, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { ConfigurationError } from '../lib/errors.ts';
import { OrderPaymentStack } from './stacks/order-payment-stack.ts';

const contextOf = (app: App) => {
  const timeout = app.node.tryGetContext('functionTimeoutSeconds');
  const mode = app.node.tryGetContext('deliveryMode');
  const commit = app.node.tryGetContext('idempotencyCommit');
  const ordering = app.node.tryGetContext('ordering');
  const fence = app.node.tryGetContext('fence');
  const onDeadLetter = app.node.tryGetContext('onDeadLetter');
  const backoff = app.node.tryGetContext('retryBackoff');
  const seconds = timeout === undefined ? undefined : Number(timeout);
  if (seconds !== undefined && !(Number.isInteger(seconds) && seconds >= 1 && seconds <= 900)) {
    throw new ConfigurationError(
      `Context functionTimeoutSeconds must be an integer from 1 to 900 (Lambda's range), received ${JSON.stringify(timeout)}.`,
    );
  }
  if (mode !== undefined && mode !== 'exactly-once' && mode !== 'at-least-once') {
    throw new ConfigurationError(
      `Context deliveryMode must be 'exactly-once' or 'at-least-once', received ${JSON.stringify(mode)}.`,
    );
  }
  if (commit !== undefined && !['lease', 'optimistic', 'effect-conditional'].includes(commit)) {
    throw new ConfigurationError(
      `Context idempotencyCommit must be 'lease', 'optimistic' or 'effect-conditional', received ${JSON.stringify(commit)}.`,
    );
  }
  // `-c groupCommit=true` arrives as a string, `new App({ context })` may pass a boolean.
  const group = app.node.tryGetContext('groupCommit');
  if (group !== undefined && !['true', 'false', true, false].includes(group)) {
    throw new ConfigurationError(
      `Context groupCommit must be true or false, received ${JSON.stringify(group)}.`,
    );
  }
  if (ordering !== undefined && ordering !== 'auto' && ordering !== 'none') {
    throw new ConfigurationError(
      `Context ordering must be 'auto' or 'none', received ${JSON.stringify(ordering)}.`,
    );
  }
  if (fence !== undefined && fence !== 'on' && fence !== 'off') {
    throw new ConfigurationError(`Context fence must be 'on' or 'off', received ${JSON.stringify(fence)}.`);
  }
  if (onDeadLetter !== undefined && onDeadLetter !== 'continue' && onDeadLetter !== 'park-group') {
    throw new ConfigurationError(
      `Context onDeadLetter must be 'continue' or 'park-group', received ${JSON.stringify(onDeadLetter)}.`,
    );
  }
  if (backoff !== undefined && backoff !== 'on' && backoff !== 'off') {
    throw new ConfigurationError(
      `Context retryBackoff must be 'on' or 'off', received ${JSON.stringify(backoff)}.`,
    );
  }
  return {
    ...(backoff === undefined ? {} : { retryBackoff: backoff as 'on' | 'off' }),
    ...(onDeadLetter === undefined ? {} : { onDeadLetter: onDeadLetter as 'continue' | 'park-group' }),
    ...(fence === undefined ? {} : { fence: fence as 'on' | 'off' }),
    ...(ordering === undefined ? {} : { ordering: ordering as 'auto' | 'none' }),
    ...(commit === undefined
      ? {}
      : { idempotencyCommit: commit as 'lease' | 'optimistic' | 'effect-conditional' }),
    ...(group === undefined ? {} : { groupCommit: group === true || group === 'true' }),
    ...(seconds === undefined ? {} : { functionTimeout: Duration.seconds(seconds) }),
    ...(mode === undefined ? {} : { deliveryMode: mode as 'exactly-once' | 'at-least-once' }),
  };
};

export const createApp = (app = new App()) => {
  new OrderPaymentStack(app, 'ReliableEventsOrderPayments', contextOf(app));
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return app;
};

if (import.meta.main) createApp().synth();
