import { type BatchCounts, formatFunctionError } from '../local/function-errors.ts';
import type { LocalDeployment, LocalFunction, LocalStack } from '../local/index.ts';
import type { CounterName } from '../metrics/names.ts';

type Totals = (filter?: { Service?: string }) => Record<CounterName, number>;
export type Activity = BatchCounts;

const pad = (value: string | number, width = 12) => String(value).padStart(width);
const serviceOf = (fn: LocalFunction) => fn.environment.POWERTOOLS_SERVICE_NAME ?? fn.logicalId;

/** Where everything is, so the user can point their own tools at it. */
export const describeDeployment = (
  stack: Pick<LocalStack, 'region' | 'dynamodb' | 'sqs'>,
  deployment: LocalDeployment,
) =>
  [
    `SQS      ${stack.sqs.endpoint}`,
    `DynamoDB ${stack.dynamodb.endpoint}   (region ${stack.region}, access key "local", secret "local")`,
    '',
    'queues',
    ...deployment.queues.map((q) => `  ${q.logicalId.padEnd(40)} ${q.url}`),
    'tables',
    ...deployment.tables.map((t) => `  ${t.logicalId.padEnd(40)} ${t.name}`),
    'functions',
    ...deployment.functions.map(
      (f) =>
        `  ${f.logicalId.padEnd(40)} runs ${f.code === 'asset' ? 'its synthesized asset' : 'its source'}`,
    ),
    ...deployment.notRun.map((f) => `  ${f.logicalId.padEnd(40)} not run: ${f.reason}`),
    '',
    `export AWS_ENDPOINT_URL_SQS=${stack.sqs.endpoint} AWS_ENDPOINT_URL_DYNAMODB=${stack.dynamodb.endpoint} AWS_REGION=${stack.region} AWS_ACCESS_KEY_ID=local AWS_SECRET_ACCESS_KEY=local`,
  ].join('\n');

/** The live table: one row per function, from its reliability counters and its batches. */
export const renderTable = (input: {
  title: string;
  deployment: LocalDeployment;
  totals: Totals;
  activity: Map<string, Activity>;
  sent: number;
}) => {
  const headers = [
    'batches',
    // SQS records acknowledged, and stream records checkpointed.
    'done',
    'errors',
    'received',
    'processed',
    'duplicates',
    'failed',
    'dead-letter',
    'lost',
  ];
  const rows = input.deployment.functions.map((fn) => {
    const t = input.totals({ Service: serviceOf(fn) });
    const a = input.activity.get(fn.logicalId)!;
    const cells = [
      a.batches,
      a.acked + (a.checkpointed ?? 0),
      a.errors,
      t.MessagesReceived,
      t.MessagesProcessed,
      t.DuplicatesSuppressed,
    ];
    return `${serviceOf(fn).slice(0, 28).padEnd(30)}${[...cells, t.MessagesFailed, t.MessagesDeadLettered, t.MessagesLost].map((v) => pad(v)).join('')}`;
  });
  // Each function's first errors, under the table: what its handler threw, and on which message.
  const errors = input.deployment.functions.flatMap((fn) =>
    input.activity.get(fn.logicalId)!.firstErrors.map((e) => `  ${serviceOf(fn)}: ${formatFunctionError(e)}`),
  );
  return [
    input.title,
    `${'function'.padEnd(30)}${headers.map((h) => pad(h)).join('')}`,
    ...rows,
    `${'(sent by this command)'.padEnd(30)}${pad(input.sent)}`,
    ...(errors.length > 0 ? ['', 'first errors', ...errors] : []),
  ].join('\n');
};

// SQS's default visibility timeout, in seconds.
const DEFAULT_VISIBILITY_SECONDS = 30;

/**
 * How long `local` waits for the app to drain before its verdict: a retried message comes back
 * only after its queue's visibility timeout, so the longest of the consumed queues', plus 5 s,
 * and never less than 15 s.
 */
export const drainWindowSeconds = (queues: readonly { attributes: Record<string, string> }[]): number =>
  Math.max(
    15,
    ...queues.map((q) => Number(q.attributes.VisibilityTimeout ?? DEFAULT_VISIBILITY_SECONDS) + 5),
  );

/** The verdict's line: from the queues and the dead-letter queues, the functions' errors, then the metrics. */
export const verdictLine = (input: {
  drained: boolean;
  queued: number;
  inFlight: number;
  waitedSeconds: number;
  deadLettered: number;
  errors: number;
  lost: number;
  duplicatesSuppressed: number;
}) =>
  `verdict: ${input.drained && input.lost === 0 ? 'ok' : 'FAILED'} — ${
    input.drained
      ? 'drained'
      : `${input.queued} messages still queued, ${input.inFlight} in flight after ${input.waitedSeconds} s`
  }; ${input.deadLettered} in dead-letter queues, ${input.errors} function errors; ${input.lost} lost, ${input.duplicatesSuppressed} duplicates suppressed (the reliability metrics)`;

/** The one line per interval printed when stdout is not a terminal. */
export const renderLine = (input: {
  seconds: number;
  sent: number;
  activity: Map<string, Activity>;
  inFlight: number;
  totals: Totals;
}) => {
  const acked = [...input.activity.values()].reduce((n, a) => n + a.acked, 0);
  const errors = [...input.activity.values()].reduce((n, a) => n + a.errors, 0);
  const t = input.totals();
  return `${input.seconds.toFixed(0)} s · sent ${input.sent} · acknowledged ${acked} · errors ${errors} · in flight ${input.inFlight} · duplicates ${t.DuplicatesSuppressed} · dead-lettered ${t.MessagesDeadLettered} · lost ${t.MessagesLost}`;
};
