import { App, CfnParameter, Duration, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { Queue } from 'aws-cdk-lib/aws-sqs';
import { describe, expect, it } from 'vitest';
import { tryResolve as resolveOrUndefined, type StackTemplate } from '../../../lib/local/template.ts';
import {
  functionTimeout,
  parameterDefaults,
  queueConsumerTimeouts,
} from '../../../lib/local/template-resources.ts';

// deployLocal read a function's Timeout with Number(Timeout ?? 3): a CloudFormation token
// ({ Ref: 'TimeoutParameter' }) became NaN, so every invocation's timer fired at once (a timeout
// of NaN ms), and `--function-timeout` scaled the queue's visibility timeout to "NaN".
const unresolved = () => undefined;
const token = { Ref: 'TimeoutParameter' };

describe("a function's Timeout, as the local deployment reads it", () => {
  it("is the number the template gives, or Lambda's default of 3 s", () => {
    expect(functionTimeout({ Timeout: 30 }, unresolved)).toBe(30);
    expect(functionTimeout({}, unresolved)).toBe(3);
    expect(functionTimeout({ Timeout: token }, () => '45')).toBe(45);
    expect(functionTimeout({ Timeout: token }, unresolved, 6)).toBe(6);
  });

  it('is a reason not to run the function, naming what to do, when it is a token or out of range', () => {
    for (const timeout of [token, 0, 901, 2.5, 'soon'])
      expect(functionTimeout({ Timeout: timeout }, (v) => (v === token ? undefined : v))).toEqual({
        reason: expect.stringMatching(/give the function a number, or run verify with --function-timeout$/),
      });
  });

  it('leaves a queue out of the visibility scaling when its consumer has a token Timeout (not NaN)', () => {
    const template: StackTemplate = {
      stackName: 'App',
      template: {
        Resources: {
          Orders: { Type: 'AWS::SQS::Queue', Properties: {} },
          Jobs: { Type: 'AWS::SQS::Queue', Properties: {} },
          Consumer: { Type: 'AWS::Lambda::Function', Properties: { Timeout: token } },
          Worker: { Type: 'AWS::Lambda::Function', Properties: { Timeout: 20 } },
          OrdersSource: {
            Type: 'AWS::Lambda::EventSourceMapping',
            Properties: {
              EventSourceArn: { 'Fn::GetAtt': ['Orders', 'Arn'] },
              FunctionName: { Ref: 'Consumer' },
            },
          },
          JobsSource: {
            Type: 'AWS::Lambda::EventSourceMapping',
            Properties: {
              EventSourceArn: { 'Fn::GetAtt': ['Jobs', 'Arn'] },
              FunctionName: { Ref: 'Worker' },
            },
          },
        },
      },
    } as unknown as StackTemplate;
    expect(queueConsumerTimeouts(template)).toEqual(new Map([['Jobs', 20]]));
  });

  describe("a parameter's Ref, as the local deployment resolves it", () => {
    // A CDK app whose queue and function timeouts come from parameters with defaults.
    const app = new App();
    const stack = new Stack(app, 'Params');
    const visibility = new CfnParameter(stack, 'Visibility', { type: 'Number', default: 45 });
    new CfnParameter(stack, 'Timeout', { type: 'Number', default: 20 });
    new CfnParameter(stack, 'NoDefault', { type: 'Number' });
    new Queue(stack, 'Jobs', { visibilityTimeout: Duration.seconds(visibility.valueAsNumber) });
    const template = { stackName: 'Params', template: Template.fromStack(stack).toJSON() } as StackTemplate;
    const context = {
      region: 'us-east-1',
      accountId: '000000000000',
      stackName: 'Params',
      values: new Map(parameterDefaults(template)),
    };
    const tryResolve = (value: unknown) => resolveOrUndefined(value, context);

    it('is its default, as a deploy without overrides gives it', () => {
      const jobs = Object.values(template.template.Resources ?? {}).find((r) => r.Type === 'AWS::SQS::Queue');
      expect(tryResolve(jobs?.Properties?.VisibilityTimeout)).toBe('45');
      expect(functionTimeout({ Timeout: { Ref: 'Timeout' } }, tryResolve)).toBe(20);
    });

    it('stays unresolved without a default, and for an SSM-typed parameter (its default names SSM, not a value)', () => {
      expect(tryResolve({ Ref: 'NoDefault' })).toBeUndefined();
      // CDK's own BootstrapVersion parameter is SSM-typed.
      expect(template.template.Parameters?.BootstrapVersion?.Type).toMatch(/^AWS::SSM::Parameter::/);
      expect(tryResolve({ Ref: 'BootstrapVersion' })).toBeUndefined();
    });
  });
});
