// What keeping FIFO order through retries costs the producer: SendMessageBatch calls and wall
// time for 1,000 messages on 1, 10 and 100 ordering keys, one message per key per call (the
// producer) against full batches of 10 whatever their keys (the old retries, which could land a
// retried message behind its successors). Against the local SQS emulator on loopback, no faults.
//   npm run bench:producer                (BENCH_MESSAGES=1000, BENCH_ROUNDS=3 by default)
import { CreateQueueCommand, SQSClient } from '@aws-sdk/client-sqs';
import { startSqsEmulator } from '../lib/local/sqs-emulator.ts';
import { createProducer, type ProducerOptions } from '../lib/producer/index.ts';
import { withUnorderedRetries } from '../lib/producer/unordered-retries.ts';

const MESSAGES = Number(process.env.BENCH_MESSAGES ?? 1_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const credentials = { accessKeyId: 'bench', secretAccessKey: 'bench' };
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

const emulator = await startSqsEmulator();
try {
  const client = new SQSClient({ region: 'us-east-1', endpoint: emulator.endpoint, credentials });
  let calls = 0;
  client.middlewareStack.add(
    (next, context) => (args) => {
      if (context.commandName === 'SendMessageBatchCommand') calls++;
      return next(args);
    },
    { step: 'initialize', name: 'countCalls' },
  );
  const contenders: [string, (options: ProducerOptions) => ProducerOptions][] = [
    ['in order (one per key per call)', (options) => options],
    ['old retries (full batches)', withUnorderedRetries],
  ];
  console.log(`producer: ${MESSAGES} messages per run, median of ${ROUNDS} rounds, local SQS emulator\n`);
  console.log(['keys', 'producer'.padEnd(32), 'calls', 'messages/call', 'ms'].join('  '));
  for (const keys of [1, 10, 100]) {
    for (const [name, wrap] of contenders) {
      const times: number[] = [];
      let callsPerRun = 0;
      for (let round = 0; round < ROUNDS; round++) {
        const { QueueUrl } = await client.send(
          new CreateQueueCommand({
            QueueName: `bench-${keys}-${name.length}-${round}.fifo`,
            Attributes: { FifoQueue: 'true' },
          }),
        );
        const producer = createProducer(wrap({ queueUrl: QueueUrl!, client, metrics: false }));
        const messages = Array.from({ length: MESSAGES }, (_, i) => ({
          id: `m${i}`,
          orderingKey: `k${i % keys}`,
          body: `message ${i}`,
        }));
        calls = 0;
        const started = performance.now();
        await producer.send(messages);
        times.push(performance.now() - started);
        callsPerRun = calls;
      }
      console.log(
        [
          String(keys).padStart(4),
          name.padEnd(32),
          String(callsPerRun).padStart(5),
          (MESSAGES / callsPerRun).toFixed(1).padStart(13),
          median(times).toFixed(0).padStart(5),
        ].join('  '),
      );
    }
  }
} finally {
  await emulator.stop();
}
