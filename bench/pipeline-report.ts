import { lambdaMemoryGb } from './prices.ts';

/** One run of one contender, or (from `summarize`) the medians of its runs. */
export type Row = {
  latencyMs: number;
  groups: number;
  contender: string;
  messagesPerSec: number;
  /** HTTP requests that reached DynamoDB (counted by the proxy, SDK retries included). */
  requestsPerMessage: number;
  writeUnitsPerMessage: number;
  readUnitsPerMessage: number;
  sqsRequestsPerMessage: number;
  recordsPerBatch: number;
  handlerMsPerMessage: number;
  cost: { dynamodb: number; sqs: number; lambda: number; total: number };
  checks: { missing: number; duplicates: number; outOfOrder: number; retried: number; largestItem: number };
  capacity: {
    checked: number;
    agreed: number;
    transactions: { modeled: number; reported: number };
    unmodeled: number;
  };
};

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
};
const sum = (values: number[]) => values.reduce((total, value) => total + value, 0);

/** Per configuration and contender: medians of the figures, sums of the checks. */
export const summarize = (runs: readonly Row[], order: readonly string[]): Row[] => {
  const keys = [...new Set(runs.map((r) => `${r.latencyMs}|${r.groups}`))];
  return keys.flatMap((key) =>
    order.flatMap((contender) => {
      const mine = runs.filter((r) => `${r.latencyMs}|${r.groups}` === key && r.contender === contender);
      if (mine.length === 0) return [];
      const m = (pick: (r: Row) => number) => median(mine.map(pick));
      return [
        {
          latencyMs: mine[0]!.latencyMs,
          groups: mine[0]!.groups,
          contender,
          messagesPerSec: m((r) => r.messagesPerSec),
          requestsPerMessage: m((r) => r.requestsPerMessage),
          writeUnitsPerMessage: m((r) => r.writeUnitsPerMessage),
          readUnitsPerMessage: m((r) => r.readUnitsPerMessage),
          sqsRequestsPerMessage: m((r) => r.sqsRequestsPerMessage),
          recordsPerBatch: m((r) => r.recordsPerBatch),
          handlerMsPerMessage: m((r) => r.handlerMsPerMessage),
          cost: {
            dynamodb: m((r) => r.cost.dynamodb),
            sqs: m((r) => r.cost.sqs),
            lambda: m((r) => r.cost.lambda),
            total: m((r) => r.cost.total),
          },
          checks: {
            missing: sum(mine.map((r) => r.checks.missing)),
            duplicates: sum(mine.map((r) => r.checks.duplicates)),
            outOfOrder: sum(mine.map((r) => r.checks.outOfOrder)),
            retried: sum(mine.map((r) => r.checks.retried)),
            largestItem: Math.max(...mine.map((r) => r.checks.largestItem)),
          },
          capacity: {
            checked: sum(mine.map((r) => r.capacity.checked)),
            agreed: sum(mine.map((r) => r.capacity.agreed)),
            transactions: {
              modeled: sum(mine.map((r) => r.capacity.transactions.modeled)),
              reported: sum(mine.map((r) => r.capacity.transactions.reported)),
            },
            unmodeled: sum(mine.map((r) => r.capacity.unmodeled)),
          },
        },
      ];
    }),
  );
};

const baseColumns: [string, number][] = [
  ['latency', 8],
  ['groups', 7],
  ['contender', 28],
  ['msg/s', 8],
  ['×PT', 7],
  ['DDB req/msg', 12],
  ['WCU/msg', 9],
  ['RCU/msg', 9],
  ['SQS req/msg', 12],
  ['rec/batch', 10],
  ['$/M msg', 9],
  ['cost ×PT', 9],
];

export const printTable = (
  rows: readonly Row[],
  about: {
    messages: number;
    /** The share of orders a producer sent again (figures per delivered message, resends included). */
    resend?: number;
    rounds: number;
    shape: string;
    names: ReadonlyMap<string, string>;
    ceiling: { putItemPerSec: number; transactWriteItemsPerSec: number };
  },
) => {
  const nameWidth = Math.max(28, ...[...about.names.values()].map((name) => name.length + 2));
  const columns = baseColumns.map(([title, width]): [string, number] => [
    title,
    title === 'contender' ? nameWidth : width,
  ]);
  console.log(
    `\nOrder pipeline, consumer stage: ${about.messages} orders per run${about.resend ? ` (${Math.round(about.resend * 100)}% sent again by the producer; figures per delivered message)` : ''}, ${about.shape === 'sqs' ? 'SQS-shaped FIFO batches' : 'one record per group per batch (fauxqs 2.4.1 shape)'} of up to 10,` +
      `\nup to 10 batches in flight, each payment captured exactly once. Median of ${about.rounds} interleaved runs (Node ${process.version}).\n`,
  );
  console.log(
    columns.map(([title, width], i) => (i < 3 ? title.padEnd(width) : title.padStart(width))).join(''),
  );
  for (const row of rows) {
    const peer = rows.find(
      (r) => r.latencyMs === row.latencyMs && r.groups === row.groups && r.contender === 'powertools',
    );
    const ratio = (mine: number, theirs: number | undefined) =>
      theirs ? `${(mine / theirs).toFixed(2)}×` : '–';
    const cells = [
      `${row.latencyMs} ms`,
      String(row.groups),
      about.names.get(row.contender) ?? row.contender,
      row.messagesPerSec.toFixed(1),
      ratio(row.messagesPerSec, peer?.messagesPerSec),
      row.requestsPerMessage.toFixed(2),
      row.writeUnitsPerMessage.toFixed(2),
      row.readUnitsPerMessage.toFixed(2),
      row.sqsRequestsPerMessage.toFixed(2),
      row.recordsPerBatch.toFixed(1),
      `$${row.cost.total.toFixed(2)}`,
      ratio(row.cost.total, peer?.cost.total),
    ];
    console.log(
      cells.map((cell, i) => (i < 3 ? cell.padEnd(columns[i]![1]) : cell.padStart(columns[i]![1]))).join(''),
    );
  }
  const slowest = Math.max(...rows.map((r) => r.latencyMs));
  const fewest = Math.min(...rows.map((r) => r.groups));
  console.log(`\n$/M msg by service at ${slowest} ms, ${fewest} group(s): DynamoDB + SQS + Lambda`);
  for (const row of rows.filter((r) => r.latencyMs === slowest && r.groups === fewest)) {
    const { dynamodb, sqs, lambda } = row.cost;
    const parts = [dynamodb, sqs, lambda].map((dollars) => `$${dollars.toFixed(2)}`).join(' + ');
    console.log(`  ${(about.names.get(row.contender) ?? row.contender).padEnd(nameWidth)}${parts}`);
  }
  const total = (pick: (r: Row) => number) => rows.reduce((s, r) => s + pick(r), 0);
  const checked = total((r) => r.capacity.checked);
  const transactions = rows.reduce(
    (s, r) => ({
      modeled: s.modeled + r.capacity.transactions.modeled,
      reported: s.reported + r.capacity.transactions.reported,
    }),
    { modeled: 0, reported: 0 },
  );
  console.log(
    `\nchecks over every run: ${total((r) => r.checks.missing)} missing, ${total((r) => r.checks.duplicates)} duplicate effects, ` +
      `${total((r) => r.checks.outOfOrder)} out of order, ${total((r) => r.checks.retried)} records retried; ` +
      `largest item ${Math.max(...rows.map((r) => r.checks.largestItem))} bytes (the unit model holds up to 1024).` +
      `\nmodel vs DynamoDB Local's ConsumedCapacity: ${total((r) => r.capacity.agreed)} of ${checked} single-item requests agree; ` +
      `TransactWriteItems: Local reported ${transactions.reported} units, AWS's rule gives ${transactions.modeled}${transactions.reported === transactions.modeled ? '' : ' (Local counts per table, not per item)'}.` +
      `\nDynamoDB Local here, 10 concurrent callers: ${about.ceiling.putItemPerSec.toFixed(0)} PutItem/s, ${about.ceiling.transactWriteItemsPerSec.toFixed(0)} TransactWriteItems/s` +
      ' (it commits transactions about one at a time; DynamoDB does not, for distinct items).' +
      `\nWCU/RCU: DynamoDB write/read request units per message, modeled by AWS's rules from the requests sent (bench/capacity.ts).` +
      `\n$/M msg: DynamoDB on-demand + SQS FIFO requests (send, receive, delete) + Lambda requests and duration at ${lambdaMemoryGb * 1024} MB arm64` +
      `\nfrom the measured handler time, us-east-1 list prices (bench/prices.ts). ×PT: ratio to Powertools in the same configuration.`,
  );
};
