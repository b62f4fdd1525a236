import {
  CreateQueueCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runningSqsEmulators } from '../../../lib/local/alarms/running-emulators.ts';
import { sqsMetricsSampler } from '../../../lib/local/alarms/sqs-metrics.ts';
import { type RunningSqsEmulator, startSqsEmulator } from '../../../lib/local/sqs-emulator.ts';

describe('the AWS/SQS metrics sampled from the emulator', () => {
  let emulator: RunningSqsEmulator;
  let sqs: SQSClient;
  beforeAll(async () => {
    emulator = await startSqsEmulator();
    sqs = new SQSClient({
      region: 'us-east-1',
      endpoint: emulator.endpoint,
      credentials: { accessKeyId: 'l', secretAccessKey: 'l' },
    });
  });
  afterAll(() => emulator.stop());

  it('reports depth, in-flight count and the oldest message age, the same in process and over HTTP', async () => {
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: 'metrics-orders' }));
    await sqs.send(new CreateQueueCommand({ QueueName: 'metrics-empty' }));
    const before = Date.now();
    await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: 'a' }));
    await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: 'b' }));
    await sqs.send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 1 }));
    const sample = sqsMetricsSampler({
      endpoint: emulator.endpoint,
      queues: ['metrics-orders', 'metrics-empty'],
      ageOf: new Set(['metrics-orders', 'metrics-empty']),
    });
    const at = before + 10_000;
    const inProcess = await sample(at);
    runningSqsEmulators.unregister(emulator.endpoint);
    const overHttp = await sample(at);
    expect(overHttp).toEqual(inProcess);
    const values = Object.fromEntries(
      inProcess.map((p) => [`${p.metric.dimensions.QueueName} ${p.metric.metricName}`, p.sample.value]),
    );
    const age = values['metrics-orders ApproximateAgeOfOldestMessage'];
    delete values['metrics-orders ApproximateAgeOfOldestMessage'];
    // The two sends took well under a second: 10 s after `before`, the oldest is 9 or 10 s old.
    expect([9, 10]).toContain(age);
    // An empty queue reports no age at all, as SQS reports the metric only while a message is there.
    expect(values).toEqual({
      'metrics-orders ApproximateNumberOfMessagesVisible': 1,
      'metrics-orders ApproximateNumberOfMessagesNotVisible': 1,
      'metrics-orders ApproximateNumberOfMessagesDelayed': 0,
      'metrics-empty ApproximateNumberOfMessagesVisible': 0,
      'metrics-empty ApproximateNumberOfMessagesNotVisible': 0,
      'metrics-empty ApproximateNumberOfMessagesDelayed': 0,
    });
  });
});
