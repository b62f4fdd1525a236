import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../infra/app.ts';
import { MetricName, RELIABILITY_NAMESPACE } from '../../lib/metrics/index.ts';
import { scratchDir } from '../support/scratch.ts';

type Resource = { Type: string; Properties: Record<string, unknown>; Metadata?: Record<string, unknown> };

describe('the example app', () => {
  const outdir = scratchDir('cdk-alarms');
  let template: Template;
  let resources: Record<string, Resource>;
  const alarms = () => Object.values(resources).filter((r) => r.Type === 'AWS::CloudWatch::Alarm');
  const alarmOn = (metricName: string) => alarms().filter((a) => a.Properties.MetricName === metricName);

  beforeAll(() => {
    // Synthesizing runs the cdk-nag AwsSolutions checks registered by createApp: any unacknowledged
    // finding throws here, so a passing synth is the "zero unsuppressed errors" check.
    const app = createApp(new App({ outdir }));
    const assembly = app.synth();
    template = Template.fromJSON(assembly.getStackByName('ReliableEventsOrderPayments').template);
    resources = template.toJSON().Resources;
  }, 60_000);

  it('alarms on a message in each dead-letter queue: max visible ≥ 1 over 1 minute, missing data not breaching', () => {
    const dlqAlarms = alarmOn('ApproximateNumberOfMessagesVisible');
    expect(dlqAlarms).toHaveLength(2);
    for (const alarm of dlqAlarms) {
      expect(alarm.Properties).toMatchObject({
        Namespace: 'AWS/SQS',
        Statistic: 'Maximum',
        Period: 60,
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        EvaluationPeriods: 1,
        TreatMissingData: 'notBreaching',
      });
    }
  });

  it("names the commands that inspect and replay each dead-letter queue, by its source queue's name", () => {
    const dlqAlarms = [
      ...alarmOn('ApproximateNumberOfMessagesVisible'),
      ...alarmOn(MetricName.MessagesDeadLettered),
    ];
    expect(dlqAlarms).toHaveLength(4);
    const sources = Object.entries(resources).filter(
      ([, r]) => r.Type === 'AWS::SQS::Queue' && r.Properties.RedrivePolicy,
    );
    for (const alarm of alarmOn('ApproximateNumberOfMessagesVisible')) {
      // The alarm watches a DLQ; its description must name the queue that redrives into it.
      const [{ Value }] = alarm.Properties.Dimensions as [{ Value: { 'Fn::GetAtt': [string, string] } }];
      const [, source] = sources.find(
        ([, r]) =>
          (r.Properties.RedrivePolicy as { deadLetterTargetArn: { 'Fn::GetAtt': [string] } })
            .deadLetterTargetArn['Fn::GetAtt'][0] === Value['Fn::GetAtt'][0],
      )!;
      const name = source.Properties.QueueName as string;
      expect(alarm.Properties.AlarmDescription).toContain(`"npx reliable-events dlq stats ${name}"`);
      expect(alarm.Properties.AlarmDescription).toContain(`"npx reliable-events dlq replay ${name}"`);
    }
    for (const alarm of dlqAlarms) {
      expect(alarm.Properties.AlarmDescription).toMatch(/npx reliable-events dlq (stats|show) \S+/);
      // CloudWatch: an alarm description is at most 1024 characters.
      expect((alarm.Properties.AlarmDescription as string).length).toBeLessThanOrEqual(1024);
    }
  });

  it('alarms on the age of the oldest message, function errors and throttles', () => {
    expect(
      alarmOn('ApproximateAgeOfOldestMessage').map((a) => [
        a.Properties.Statistic,
        a.Properties.Threshold,
        a.Properties.EvaluationPeriods,
      ]),
    ).toEqual([
      ['Maximum', 300, 5],
      ['Maximum', 300, 5],
    ]);
    expect(
      alarmOn('Errors').map((a) => [a.Properties.Namespace, a.Properties.Statistic, a.Properties.Threshold]),
    ).toEqual([
      ['AWS/Lambda', 'Sum', 1],
      ['AWS/Lambda', 'Sum', 1],
    ]);
    expect(alarmOn('Throttles')).toHaveLength(2);
  });

  it('alarms on the custom metrics by their exported names, with the Service and Queue dimensions', () => {
    for (const name of [MetricName.MessagesLost, MetricName.MessagesDeadLettered]) {
      const custom = alarmOn(name);
      expect(custom).toHaveLength(2);
      for (const alarm of custom) {
        expect(alarm.Properties).toMatchObject({
          Namespace: RELIABILITY_NAMESPACE,
          Statistic: 'Sum',
          Period: 60,
          Threshold: 1,
        });
        expect((alarm.Properties.Dimensions as { Name: string }[]).map((d) => d.Name).sort()).toEqual([
          'Queue',
          'Service',
        ]);
      }
    }
    expect(alarmOn(MetricName.SendFailures)).toHaveLength(1);
  });

  it('every alarm notifies the topic on ALARM and on OK, and a composite alarm covers them all', () => {
    const topic = Object.entries(resources).find(([, r]) => r.Type === 'AWS::SNS::Topic')![0];
    for (const alarm of alarms()) {
      expect(alarm.Properties.AlarmActions).toEqual([{ Ref: topic }]);
      expect(alarm.Properties.OKActions).toEqual([{ Ref: topic }]);
      expect(alarm.Properties.AlarmDescription).toBeTruthy();
    }
    const composite = Object.values(resources).find((r) => r.Type === 'AWS::CloudWatch::CompositeAlarm')!;
    expect(JSON.stringify(composite.Properties.AlarmRule).match(/ALARM\(/g)).toHaveLength(alarms().length);
    expect(composite.Properties.AlarmActions).toEqual([{ Ref: topic }]);
  });

  it('encrypts the alarm topic with a rotating key CloudWatch may use', () => {
    const topic = Object.values(resources).find((r) => r.Type === 'AWS::SNS::Topic')!;
    expect(topic.Properties.KmsMasterKeyId).toBeDefined();
    template.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
    expect(JSON.stringify(Object.values(resources).find((r) => r.Type === 'AWS::KMS::Key'))).toContain(
      'cloudwatch.amazonaws.com',
    );
  });

  it('has a dashboard of sent, processed, duplicates, lost, dead-lettered and latency', () => {
    const body = JSON.stringify(
      Object.values(resources).find((r) => r.Type === 'AWS::CloudWatch::Dashboard')!.Properties.DashboardBody,
    );
    for (const name of [
      'MessagesSent',
      'MessagesProcessed',
      'DuplicatesSuppressed',
      'MessagesLost',
      'MessagesDeadLettered',
      'EndToEndLatency',
    ]) {
      expect(body).toContain(name);
    }
  });

  it('every FIFO queue has a FIFO DLQ and every event source reports batch item failures', () => {
    const queues = Object.values(resources).filter(
      (r) => r.Type === 'AWS::SQS::Queue' && r.Properties.RedrivePolicy,
    );
    expect(queues).toHaveLength(2);
    for (const queue of queues) {
      const dlqId = (queue.Properties.RedrivePolicy as { deadLetterTargetArn: { 'Fn::GetAtt': [string] } })
        .deadLetterTargetArn['Fn::GetAtt'][0];
      expect(resources[dlqId]?.Properties.FifoQueue).toBe(true);
    }
    for (const mapping of Object.values(resources).filter(
      (r) => r.Type === 'AWS::Lambda::EventSourceMapping',
    )) {
      expect(mapping.Properties.FunctionResponseTypes).toEqual(['ReportBatchItemFailures']);
    }
  });
});
