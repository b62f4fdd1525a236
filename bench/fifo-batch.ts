// FIFO batch processing, side by side with Powertools' SqsFifoPartialProcessorAsync, which runs
// the records of a FIFO batch strictly one after another. Both process the same hand-built
// 10-record batches; each record's handler awaits `HANDLER_MS` of simulated I/O.
//   npm run bench:fifo                   (BENCH_BATCHES=50, HANDLER_MS=5 by default)
import { processPartialResponse, SqsFifoPartialProcessorAsync } from '@aws-lambda-powertools/batch';
import type { Context, SQSEvent, SQSRecord } from 'aws-lambda';
import { sqsBatch } from '../lib/sqs/index.ts';

const BATCHES = Number(process.env.BENCH_BATCHES ?? 50);
const HANDLER_MS = Number(process.env.HANDLER_MS ?? 5);
const io = () => new Promise((resolve) => setTimeout(resolve, HANDLER_MS));
const context = { getRemainingTimeInMillis: () => 60_000 } as unknown as Context;

const batch = (groups: number): SQSEvent => ({
  Records: Array.from({ length: 10 }, (_, i) => ({
    messageId: `m${i}`,
    receiptHandle: `r${i}`,
    body: JSON.stringify({ n: i }),
    attributes: {
      ApproximateReceiveCount: '1',
      SentTimestamp: String(Date.now()),
      SenderId: 'bench',
      ApproximateFirstReceiveTimestamp: String(Date.now()),
      MessageGroupId: `g${i % groups}`,
      MessageDeduplicationId: `d${i}`,
      SequenceNumber: String(i),
    },
    messageAttributes: {},
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:us-east-1:123456789012:bench.fifo',
    awsRegion: 'us-east-1',
  })),
});

const ours = sqsBatch(async () => io(), { metrics: false, logger: { info() {}, warn() {}, error() {} } });
const processor = new SqsFifoPartialProcessorAsync();
const theirs = (event: SQSEvent) =>
  processPartialResponse(event, async (_record: SQSRecord) => io(), processor, { context });

const time = async (run: (event: SQSEvent) => Promise<unknown>, event: SQSEvent) => {
  const started = performance.now();
  for (let i = 0; i < BATCHES; i++) await run(event);
  return (performance.now() - started) / BATCHES;
};

console.log(
  `\nFIFO batches of 10 records, ${BATCHES} batches per row, ${HANDLER_MS} ms of I/O per record (Node ${process.version})\n`,
);
console.log(
  `${'message groups in the batch'.padEnd(30)}${'reliable-events ms'.padStart(20)}${'Powertools ms'.padStart(16)}${'ratio'.padStart(9)}`,
);
for (const groups of [1, 2, 5, 10]) {
  const event = batch(groups);
  const a = await time((e) => ours(e, context), event);
  const b = await time(theirs, event);
  console.log(
    `${String(groups).padEnd(30)}${a.toFixed(1).padStart(20)}${b.toFixed(1).padStart(16)}${(b / a).toFixed(2).padStart(8)}×`,
  );
}
console.log(
  '\nratio = Powertools time / reliable-events time for the same batch; order within each group is kept by both.',
);
