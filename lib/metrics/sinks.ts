import { COUNTERS, type CounterName } from './names.ts';

/** One Embedded Metric Format document, as CloudWatch reads it from a log line. */
export type EmfDocument = {
  _aws: {
    Timestamp: number;
    CloudWatchMetrics: {
      Namespace: string;
      Dimensions: string[][];
      Metrics: { Name: string; Unit: string }[];
    }[];
  };
  [field: string]: unknown;
};

/** Where flushed EMF documents go. */
export type MetricsSink = (document: EmfDocument) => void;

/** Writes each document as one line on stdout, where Lambda's log agent hands it to CloudWatch. */
export const stdoutSink: MetricsSink = (document) => {
  process.stdout.write(`${JSON.stringify(document)}\n`);
};

/**
 * Sums the counters of the documents it gets, per queue and service, so a local run (or a test)
 * can show the same figures CloudWatch would, without CloudWatch; and keeps the first `keep`
 * documents as they came. A long run keeps none: the sums are a few numbers per queue and
 * service, whatever the message count.
 *
 * @example
 * const sink = memorySink();
 * const metrics = createReliabilityMetrics({ sink });
 * // … after a run:
 * sink.totals(); // { MessagesReceived: 10, MessagesProcessed: 7, … }
 */
export const memorySink = (
  options: {
    /** How many documents to keep in `documents` (the first ones). @default all */
    keep?: number;
  } = {},
): MetricsSink & {
  readonly documents: readonly EmfDocument[];
  totals(filter?: { Queue?: string; Service?: string }): Record<CounterName, number>;
} => {
  const keep = options.keep ?? Number.POSITIVE_INFINITY;
  if (!(keep >= 0)) throw new TypeError(`memorySink: keep must be 0 or more documents, received ${keep}.`);
  const documents: EmfDocument[] = [];
  // The counters summed per (Queue, Service) pair, as the documents name them.
  const sums = new Map<string, { Queue: unknown; Service: unknown; counters: Record<CounterName, number> }>();
  const zero = () => Object.fromEntries(COUNTERS.map((name) => [name, 0])) as Record<CounterName, number>;
  const sink = (document: EmfDocument) => {
    if (documents.length < keep) documents.push(document);
    const key = JSON.stringify([document.Queue ?? null, document.Service ?? null]);
    let sum = sums.get(key);
    if (!sum) {
      sum = { Queue: document.Queue, Service: document.Service, counters: zero() };
      sums.set(key, sum);
    }
    for (const name of COUNTERS) {
      const value = document[name];
      if (typeof value === 'number') sum.counters[name] += value;
    }
  };
  return Object.assign(sink, {
    documents,
    totals(filter: { Queue?: string; Service?: string } = {}) {
      const totals = zero();
      for (const sum of sums.values()) {
        if (filter.Queue !== undefined && sum.Queue !== filter.Queue) continue;
        if (filter.Service !== undefined && sum.Service !== filter.Service) continue;
        for (const name of COUNTERS) totals[name] += sum.counters[name];
      }
      return totals;
    },
  });
};
