import { describe, expect, it } from 'vitest';
import type { MetricAlarm } from '../../../../lib/local/alarms/types.ts';
import { createAlarmEvaluator, MetricDocumentError } from '../../../../lib/local/index.ts';
import type { BatchReport } from '../../../../lib/local/sqs-event-source.ts';
import { createReliabilityMetrics, MetricName } from '../../../../lib/metrics/index.ts';
import type { EmfDocument } from '../../../../lib/metrics/sinks.ts';
import { metricAlarm } from './metric-alarm-fixture.ts';

const T0 = 1_700_000_000_000;
const alarm = (name: string, metric: MetricAlarm['metric']) => metricAlarm(name, { metric });
const reliability = (metricName: string) => ({
  namespace: 'ReliableEvents',
  metricName,
  dimensions: { Queue: 'orders.fifo', Service: 'payments' },
});
const evaluatorOf = (
  metricAlarms: MetricAlarm[],
  extra: Partial<Parameters<typeof createAlarmEvaluator>[0]> = {},
) => {
  let now = T0;
  const evaluator = createAlarmEvaluator({
    alarms: { metricAlarms, compositeAlarms: [], unsupported: [] },
    periodScale: 60,
    now: () => now,
    ...extra,
  });
  return { evaluator, advance: (ms: number) => (now = T0 + ms) };
};

describe('the alarm evaluator', () => {
  it('reads the reliability metrics the functions print, with their dimensions', async () => {
    const { evaluator, advance } = evaluatorOf([
      alarm('deadLettered', reliability(MetricName.MessagesDeadLettered)),
      alarm('lost', reliability(MetricName.MessagesLost)),
    ]);
    const lines: string[] = [];
    const metrics = createReliabilityMetrics({
      service: 'payments',
      sink: (document: EmfDocument) =>
        lines.push(JSON.stringify({ ...document, _aws: { ...document._aws, Timestamp: T0 + 200 } })),
    });
    metrics.count(MetricName.MessagesReceived, 'orders.fifo', 10);
    metrics.count(MetricName.MessagesDeadLettered, 'orders.fifo', 1);
    metrics.flush();
    for (const line of ['START RequestId: 1', ...lines, '{"level":"INFO","message":"done"}'])
      evaluator.putLogLine(line);
    advance(1_000);
    await evaluator.evaluate();
    const states = Object.fromEntries(evaluator.report().alarms.map((a) => [a.name, a.state]));
    expect(states).toEqual({ deadLettered: 'ALARM', lost: 'OK' });
  });

  it('rejects a document that breaks EMF with a named error that says what is wrong', () => {
    const { evaluator } = evaluatorOf([]);
    const bad = {
      _aws: {
        Timestamp: 'now',
        CloudWatchMetrics: [{ Namespace: 'A', Dimensions: [['Queue']], Metrics: [{ Name: 'M' }] }],
      },
      M: 'x',
    };
    expect(() => evaluator.putEmf(bad)).toThrow(MetricDocumentError);
    expect(() => evaluator.putEmf(bad)).toThrow(
      'Not a valid EMF document: _aws.Timestamp must be an integer of epoch milliseconds; dimension Queue must be a string member of the root; M must be a number or an array of at most 100 numbers',
    );
    expect(() => evaluator.putLogLine(JSON.stringify(bad))).toThrow(MetricDocumentError);
    // Through the runtime's hook, the run goes on and the report names the function.
    evaluator.onMetrics('CapturePayment', bad);
    expect(evaluator.report().problems).toEqual([
      'CapturePayment printed an EMF document CloudWatch would reject: _aws.Timestamp must be an integer of epoch milliseconds; dimension Queue must be a string member of the root; M must be a number or an array of at most 100 numbers',
    ]);
  });

  it('lists the alarms no local source feeds, unless the caller feeds them', async () => {
    const errors = alarm('errors', {
      namespace: 'AWS/Lambda',
      metricName: 'Duration',
      dimensions: { FunctionName: 'f' },
    });
    const sent = alarm('sent', {
      namespace: 'AWS/SQS',
      metricName: 'NumberOfMessagesSent',
      dimensions: { QueueName: 'q' },
    });
    const depth = alarm('depth', {
      namespace: 'AWS/SQS',
      metricName: 'ApproximateNumberOfMessagesVisible',
      dimensions: { QueueName: 'q' },
    });
    const unfed = evaluatorOf([errors, depth]).evaluator.report().alarms;
    expect(unfed.map((a) => [a.name, a.evaluated, a.reason])).toEqual([
      [
        'errors',
        false,
        'no local source reports AWS/Lambda Duration FunctionName=f; feed it with put() and fedMetrics to evaluate it',
      ],
      [
        'depth',
        false,
        'AWS/SQS ApproximateNumberOfMessagesVisible QueueName=q: no SQS sampler was configured',
      ],
    ]);
    const sqs = { endpoint: 'http://127.0.0.1:1', queues: ['q'] };
    const { evaluator, advance } = evaluatorOf([errors, sent], {
      sqs,
      fedMetrics: (m) => m.namespace === 'AWS/Lambda',
    });
    expect(evaluator.report().alarms[1]?.reason).toMatch(
      /NumberOfMessagesSent QueueName=q is not sampled locally/,
    );
    evaluator.put(errors.metric, { timestamp: T0 + 10, value: 2, count: 1 });
    advance(1_000);
    await evaluator.evaluate();
    const { alarms, problems } = evaluator.report();
    expect(alarms[0]?.state).toBe('ALARM');
    // Nothing listens on port 1: the sample fails, and the report says so.
    expect(problems).toEqual([
      expect.stringMatching(/^The SQS emulator at http:\/\/127.0.0.1:1 did not answer \/_fauxqs\/queues/),
    ]);
  });

  it('counts invocations that end in a function error, not partial batches, as Lambda Errors', async () => {
    const errors = alarm('errors', {
      namespace: 'AWS/Lambda',
      metricName: 'Errors',
      dimensions: { FunctionName: 'Pay' },
    });
    const invocations = alarm('invocations', { ...errors.metric, metricName: 'Invocations' });
    const run = async (outcomes: BatchReport['outcome'][]) => {
      const { evaluator, advance } = evaluatorOf([errors, invocations], { lambdaFunctions: ['Pay'] });
      for (const outcome of outcomes) evaluator.putBatch('Pay', { outcome });
      advance(1_000);
      await evaluator.evaluate();
      return evaluator.report().alarms.map((a) => a.state);
    };
    expect(await run(['ok', 'partial', 'invalid-response'])).toEqual(['OK', 'ALARM']);
    for (const outcome of ['error', 'timeout', 'crash'] as const)
      expect(await run([outcome])).toEqual(['ALARM', 'ALARM']);
    const { evaluator } = evaluatorOf(
      [errors, alarm('other', { ...errors.metric, dimensions: { FunctionName: 'Gone' } })],
      { lambdaFunctions: ['Pay'] },
    );
    expect(evaluator.report().alarms.map((a) => a.reason)).toEqual([
      'not evaluated yet',
      'AWS/Lambda Errors FunctionName=Gone: no local function has that name',
    ]);
  });
});
