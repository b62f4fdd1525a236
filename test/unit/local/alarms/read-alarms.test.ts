import { App } from 'aws-cdk-lib';
import { beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../../../infra/app.ts';
import { membersOf } from '../../../../lib/local/alarms/alarm-rule.ts';
import { readAlarms } from '../../../../lib/local/alarms/read-alarms.ts';
import { readAssembly, type StackTemplate } from '../../../../lib/local/index.ts';
import type { LocalValue } from '../../../../lib/local/template.ts';
import { scratchDir } from '../../../support/scratch.ts';
import { metricAlarm } from './metric-alarm-fixture.ts';

const localQueue = (id: string): LocalValue => ({
  ref: `http://127.0.0.1/000000000000/local-${id}`,
  attributes: { QueueName: `local-${id}`, Arn: `arn:aws:sqs:us-east-1:000000000000:local-${id}` },
});

describe('readAlarms on the example app', () => {
  const outdir = scratchDir('read-alarms');
  let stack: StackTemplate;
  let values: Map<string, LocalValue>;

  beforeAll(() => {
    createApp(new App({ outdir })).synth();
    stack = readAssembly(outdir)[0] as StackTemplate;
    values = new Map(
      Object.entries(stack.template.Resources ?? {})
        .filter(([, r]) => r.Type === 'AWS::SQS::Queue' || r.Type === 'AWS::Lambda::Function')
        .map(([id, r]) => [id, r.Type === 'AWS::SQS::Queue' ? localQueue(id) : { ref: id, attributes: {} }]),
    );
  }, 60_000);

  it('reads every metric alarm with its metric and rule, dimensions resolved to the local queues', () => {
    const { metricAlarms, compositeAlarms, unsupported } = readAlarms(stack, { values });
    expect(unsupported).toEqual([]);
    const resources = Object.values(stack.template.Resources ?? {});
    expect(metricAlarms).toHaveLength(resources.filter((r) => r.Type === 'AWS::CloudWatch::Alarm').length);
    const ordersQueue = Object.keys(stack.template.Resources ?? {}).find((id) =>
      id.startsWith('OrdersQueue'),
    );
    const deadLettered = metricAlarms.find((a) => a.logicalId.startsWith('ReliabilityDeadLettered0'));
    expect(deadLettered).toEqual(
      metricAlarm(`${stack.stackName}-${deadLettered?.logicalId}`, {
        logicalId: deadLettered?.logicalId as string,
        description: deadLettered?.description as string,
        metric: {
          namespace: 'ReliableEvents',
          metricName: 'MessagesDeadLettered',
          dimensions: { Queue: `local-${ordersQueue}`, Service: 'CapturePayment' },
        },
      }),
    );
    const oldest = metricAlarms.find((a) => a.logicalId.startsWith('ReliabilityOldestMessage0'));
    expect(oldest?.metric).toEqual({
      namespace: 'AWS/SQS',
      metricName: 'ApproximateAgeOfOldestMessage',
      dimensions: { QueueName: `local-${ordersQueue}` },
    });
    expect(oldest).toMatchObject({
      statistic: 'Maximum',
      evaluationPeriods: 5,
      datapointsToAlarm: 5,
      threshold: 300,
    });

    expect(compositeAlarms).toHaveLength(1);
    const [composite] = compositeAlarms;
    expect(composite?.name).toBe('ReliableEventsOrderPaymentsReliabilityPipelineUnhealthy15EA49C8');
    expect(membersOf(composite!.rule).sort()).toEqual(metricAlarms.map((a) => a.name).sort());
    expect(composite?.ruleText).toContain(
      `ALARM("arn:aws:cloudwatch:us-east-1:000000000000:alarm:${deadLettered?.name}")`,
    );
  });

  it('lists each alarm whose dimensions name nothing local, with the reason', () => {
    const { metricAlarms, unsupported } = readAlarms(stack);
    expect(metricAlarms).toEqual([]);
    expect(unsupported.length).toBeGreaterThan(0);
    expect(unsupported.find((u) => u.logicalId.startsWith('ReliabilityLost0'))?.reason).toMatch(
      /^Dimension Queue: Fn::GetAtt OrdersQueue\w+\.QueueName names nothing on the local stack$/,
    );
  });
});

// Fn::Sub's own placeholder syntax, not a JavaScript template.
const STACK_NAME = ['${', 'AWS::StackName}'].join('');

describe('readAlarms on alarms the example does not use', () => {
  const alarm = (props: Record<string, unknown>) => ({
    Type: 'AWS::CloudWatch::Alarm',
    Properties: {
      Namespace: 'App',
      MetricName: 'Errors',
      Statistic: 'Sum',
      Period: 60,
      EvaluationPeriods: 3,
      Threshold: 1,
      ComparisonOperator: 'GreaterThanThreshold',
      ...props,
    },
  });
  const read = (resources: Record<string, unknown>) =>
    readAlarms({ stackName: 'S', template: { Resources: resources as never } });

  it('resolves names, Fn::Sub, percentiles and defaults', () => {
    const { metricAlarms } = read({
      A: alarm({
        AlarmName: { 'Fn::Sub': `${STACK_NAME}-errors` },
        Dimensions: [{ Name: 'Stage', Value: { 'Fn::Join': ['-', ['x', 'y']] } }],
        Statistic: undefined,
        ExtendedStatistic: 'p99.9',
      }),
      D: alarm({ Namespace: 'AWS/DynamoDB', TreatMissingData: 'breaching' }),
    });
    expect(metricAlarms[0]).toMatchObject({
      name: 'S-errors',
      arn: 'arn:aws:cloudwatch:us-east-1:000000000000:alarm:S-errors',
      metric: { dimensions: { Stage: 'x-y' } },
      statistic: 'p99.9',
      datapointsToAlarm: 3,
      treatMissingData: 'missing',
    });
    // AWS/DynamoDB alarms always ignore missing data, whatever they say.
    expect(metricAlarms[1]?.treatMissingData).toBe('ignore');
  });

  it('lists what it does not evaluate, and why', () => {
    const composite = (rule: string) => ({
      Type: 'AWS::CloudWatch::CompositeAlarm',
      Properties: { AlarmRule: rule },
    });
    const { unsupported, metricAlarms, compositeAlarms } = read({
      Ok: alarm({}),
      Math: alarm({ Metrics: [{ Id: 'm1', Expression: 'SUM(METRICS())' }] }),
      Long: alarm({
        Namespace: undefined,
        MetricName: undefined,
        Statistic: undefined,
        Period: undefined,
        Metrics: [
          {
            Id: 'm1',
            ReturnData: true,
            MetricStat: {
              Metric: {
                Namespace: 'App',
                MetricName: 'Errors',
                Dimensions: [{ Name: 'Stage', Value: 'prod' }],
              },
              Period: 300,
              Stat: 'p90',
            },
          },
        ],
      }),
      Band: alarm({
        ThresholdMetricId: 'ad1',
        ComparisonOperator: 'LessThanLowerOrGreaterThanUpperThreshold',
      }),
      Trimmed: alarm({ Statistic: undefined, ExtendedStatistic: 'tm99' }),
      TooMany: alarm({ DatapointsToAlarm: 4 }),
      Unknown: composite('ALARM("S-Ok") OR ALARM("S-Gone")'),
      Broken: composite('ALARM("S-Ok") OR'),
      Nested: composite('ALARM("S-Ok") AND NOT ALARM("S-Unknown")'),
    });
    expect(metricAlarms.map((a) => a.logicalId)).toEqual(['Ok', 'Long']);
    expect(metricAlarms[1]).toMatchObject({
      metric: { namespace: 'App', metricName: 'Errors', dimensions: { Stage: 'prod' } },
      periodSeconds: 300,
      statistic: 'p90',
    });
    expect(compositeAlarms.map((a) => a.logicalId)).toEqual(['Nested']);
    expect(Object.fromEntries(unsupported.map((u) => [u.logicalId, u.reason]))).toEqual({
      Math: 'metric math (Metrics) is not evaluated locally',
      Band: 'anomaly detection (ThresholdMetricId) is not evaluated locally',
      Trimmed: 'statistic tm99 is not computed locally',
      TooMany: 'DatapointsToAlarm 4 is outside 1..EvaluationPeriods (3)',
      Unknown: 'AlarmRule names alarms the template does not have: S-Gone',
      Broken: 'AlarmRule does not parse: The rule ends where an alarm function or TRUE/FALSE was expected',
    });
  });
});
