// `npm run local`: the example app on the laptop. Synthesizes the CDK app, deploys it onto
// DynamoDB Local and the SQS emulator, runs its functions behind local event sources, sends
// orders (with some duplicates and some poison), and shows the reliability counters live.
//   npm run local                     until Ctrl-C
//   npm run local -- --seconds 20     for 20 seconds, then a summary
//   options: --rate N (orders per second, default 5), --verbose (function logs)

import { randomUUID } from 'node:crypto';
import { rmSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { SQSClient } from '@aws-sdk/client-sqs';
import { App } from 'aws-cdk-lib';
import { createApp } from '../infra/app.ts';
import { deployLocal, localClientConfig, startLocalRuntime, startLocalStack } from '../lib/local/index.ts';
import { createReliabilityMetrics, memorySink } from '../lib/metrics/index.ts';
import { createProducer } from '../lib/producer/index.ts';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string' },
    rate: { type: 'string', default: '5' },
    verbose: { type: 'boolean', default: false },
  },
});
const seconds = values.seconds === undefined ? Number.POSITIVE_INFINITY : Number(values.seconds);
const rate = Math.max(0.1, Number(values.rate));

const outdir = `${process.env.TMPDIR ?? '/tmp'}/reliable-events-local-${process.pid}`;
console.log('Synthesizing the CDK app…');
createApp(new App({ outdir })).synth();
const stack = await startLocalStack();
const deployment = await deployLocal({ stack, assembly: outdir });
console.log(
  `Deployed locally: ${deployment.queues.length} queues, ${deployment.tables.length} tables, ${deployment.functions.length} functions.`,
);
const runtime = startLocalRuntime({
  stack,
  deployment,
  onLog: values.verbose ? (fn, line) => console.log(`[${fn}] ${line}`) : undefined,
});

const sent = memorySink();
const generatorMetrics = createReliabilityMetrics({ sink: sent, service: 'order-generator' });
const producer = createProducer({
  queueUrl: deployment.outputs.OrdersQueueUrl ?? '',
  client: new SQSClient(localClientConfig(stack, stack.sqs.endpoint)),
  metrics: generatorMetrics,
  throwOnFailure: false,
});
const earlier: { orderId: string; customerId: string; amountCents: number; currency: string }[] = [];
let sending = Promise.resolve();
const sendOne = () => {
  const roll = Math.random();
  // 10% resend an order already sent under a new message id (a duplicate the consumer must absorb); 2% poison.
  const order =
    roll < 0.1 && earlier.length > 0
      ? earlier[Math.floor(Math.random() * earlier.length)]!
      : {
          orderId: randomUUID().slice(0, 8),
          customerId: `customer-${Math.floor(Math.random() * 5)}`,
          amountCents: roll < 0.12 ? -1 : 100 + Math.floor(Math.random() * 9900),
          currency: 'EUR',
        };
  if (order.amountCents > 0) earlier.push(order);
  sending = sending.then(async () => {
    await producer.send({ orderingKey: order.customerId, body: order });
    generatorMetrics.flush();
  });
};
const generator = setInterval(sendOne, 1000 / rate);

const started = Date.now();
const services = deployment.functions.map((fn) => fn.environment.POWERTOOLS_SERVICE_NAME ?? fn.logicalId);
const pad = (value: string | number, width = 13) => String(value).padStart(width);
const render = () => {
  const header = `${'service'.padEnd(22)}${['sent', 'received', 'processed', 'duplicates', 'failed', 'dead-letter', 'lost'].map((h) => pad(h)).join('')}`;
  const rows = [
    `${'order-generator'.padEnd(22)}${pad(sent.totals().MessagesSent)}`,
    ...services.map((service) => {
      const t = runtime.metrics.totals({ Service: service });
      return `${service.padEnd(22)}${[t.MessagesSent, t.MessagesReceived, t.MessagesProcessed, t.DuplicatesSuppressed, t.MessagesFailed, t.MessagesDeadLettered, t.MessagesLost].map((v) => pad(v)).join('')}`;
    }),
  ];
  const title = `reliable-events local runtime — ${((Date.now() - started) / 1000).toFixed(0)} s — in flight: ${runtime.inFlight()} — Ctrl-C to stop`;
  return [title, header, ...rows].join('\n');
};
const view = setInterval(() => {
  if (process.stdout.isTTY) process.stdout.write(`\x1b[2J\x1b[H${render()}\n`);
  else console.log(render());
}, 1000);

let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  clearInterval(generator);
  clearInterval(view);
  await sending;
  // Let what was sent drain before the summary.
  const drainUntil = Date.now() + 10_000;
  while (Date.now() < drainUntil && runtime.inFlight() > 0) await new Promise((r) => setTimeout(r, 200));
  await new Promise((r) => setTimeout(r, 2_000));
  await runtime.stop();
  await stack.stop();
  rmSync(outdir, { recursive: true, force: true });
  console.log(`\n${render()}\nStopped.`);
  process.exit(0);
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
if (Number.isFinite(seconds)) setTimeout(stop, seconds * 1000);
