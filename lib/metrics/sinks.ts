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
 * Keeps documents in memory and sums the counters, so a local run (or a test) can show
 * the same figures CloudWatch would, without CloudWatch.
 *
 * @example
 * const sink = memorySink();
 * const metrics = createReliabilityMetrics({ sink });
 * // … after a run:
 * sink.totals(); // { MessagesReceived: 10, MessagesProcessed: 7, … }
 */
export const memorySink = (): MetricsSink & {
  readonly documents: readonly EmfDocument[];
  totals(filter?: { Queue?: string; Service?: string }): Record<CounterName, number>;
} => {
  const documents: EmfDocument[] = [];
  const sink = (document: EmfDocument) => {
    documents.push(document);
  };
  return Object.assign(sink, {
    documents,
    totals(filter: { Queue?: string; Service?: string } = {}) {
      const totals = Object.fromEntries(COUNTERS.map((name) => [name, 0])) as Record<CounterName, number>;
      for (const document of documents) {
        if (filter.Queue !== undefined && document.Queue !== filter.Queue) continue;
        if (filter.Service !== undefined && document.Service !== filter.Service) continue;
        for (const name of COUNTERS) {
          const value = document[name];
          if (typeof value === 'number') totals[name] += value;
        }
      }
      return totals;
    },
  });
};
