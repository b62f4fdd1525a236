import type { EmfDocument } from '../../metrics/sinks.ts';
import type { StreamBatchReport } from '../dynamodb-stream-source.ts';
import type { BatchReport } from '../sqs-event-source.ts';
import { createAlarmEngine } from './alarm-engine.ts';
import { missingSourceOf } from './coverage.ts';
import { datapointsOfEmf, datapointsOfLogLine } from './emf.ts';
import { MetricDocumentError } from './errors.ts';
import { lambdaDatapointsOf } from './lambda-metrics.ts';
import { sqsMetricsSampler } from './sqs-metrics.ts';
import type { AlarmReport, AlarmTransition, MetricId, MetricSample, TemplateAlarms } from './types.ts';

export type AlarmEvaluatorOptions = {
  /** What `readAlarms` found in the template(s); merge several stacks' with `mergeAlarms`. */
  alarms: TemplateAlarms;
  /** Shortens every period: one lasts `Period / periodScale` seconds locally (60: a 60 s period in 1 s). @default 1 */
  periodScale?: number;
  /** Samples the `AWS/SQS` metrics of these local queues from the emulator. @default no SQS metrics */
  sqs?: { endpoint: string; queues: readonly string[] };
  /** Functions (logical ids) whose invocations the caller reports through `putBatch`, for `AWS/Lambda` Invocations and Errors. @default none */
  lambdaFunctions?: readonly string[];
  /** Other metrics the caller feeds through `put()` (e.g. `AWS/Lambda` Errors from the runtime). @default none */
  fedMetrics?: (metric: MetricId) => boolean;
  /** Called on every state change, as it happens (for a live display). */
  onTransition?: (transition: AlarmTransition) => void;
  /** How often `start()` evaluates, in ms (SQS is sampled twice per local period). @default a quarter of the shortest local period, 100 to 15 000 */
  intervalMs?: number;
  /** @default Date.now */
  now?: () => number;
};

/** The alarms at the end of a run: each with its state and transitions, and what went wrong feeding them. */
export type AlarmsReport = { alarms: AlarmReport[]; problems: string[] };

/**
 * Evaluates a template's alarms while an app runs locally, from the same definitions that deploy
 * (threshold, comparison, statistic, evaluation periods, datapoints to alarm, missing data), on a
 * clock the caller may shorten. The functions' EMF output comes in through `onMetrics` (the
 * runtime's hook), `putEmf` or `putLogLine`; `start()` samples the SQS queues and evaluates on a timer; `stop()`
 * evaluates one last time and returns every alarm with its transitions. `putBatch` turns the
 * runtime's batch reports into `AWS/Lambda` Invocations, Errors and Throttles. Alarms nothing
 * local can feed (metric math…) are in the report with `evaluated: false` and the reason.
 *
 * @example
 * const evaluator = createAlarmEvaluator({
 *   alarms: readAlarms(stack, { values: localValuesOf(deployment) }),
 *   periodScale: 60,
 *   sqs: { endpoint: local.sqs.endpoint, queues: deployment.queues.map((q) => q.name) },
 *   lambdaFunctions: deployment.functions.map((f) => f.logicalId),
 *   onTransition: (t) => console.log(`${t.alarm}: ${t.from} -> ${t.to} (${t.reason})`),
 * });
 * evaluator.start();
 * startLocalRuntime({ stack: local, deployment, onMetrics: evaluator.onMetrics, onBatch: evaluator.putBatch });
 * const { alarms } = await evaluator.stop();
 */
export const createAlarmEvaluator = (options: AlarmEvaluatorOptions) => {
  const sqsQueues = options.sqs?.queues;
  const engine = createAlarmEngine({
    alarms: options.alarms,
    ...(options.periodScale === undefined ? {} : { periodScale: options.periodScale }),
    ...(options.onTransition ? { onTransition: options.onTransition } : {}),
    ...(options.now ? { now: options.now } : {}),
    missingSource: (alarm) =>
      missingSourceOf(alarm, {
        ...(sqsQueues ? { sqsQueues } : {}),
        ...(options.lambdaFunctions ? { lambdaFunctions: options.lambdaFunctions } : {}),
        ...(options.fedMetrics ? { fedMetrics: options.fedMetrics } : {}),
      }),
  });
  const now = options.now ?? Date.now;
  const problems = new Set<string>();
  // The queues whose oldest message an alarm watches: finding it costs a look at every message.
  const ages = new Set(
    options.alarms.metricAlarms
      .filter(
        (a) => a.metric.namespace === 'AWS/SQS' && a.metric.metricName === 'ApproximateAgeOfOldestMessage',
      )
      .map((a) => String(a.metric.dimensions.QueueName)),
  );
  const sample = options.sqs
    ? sqsMetricsSampler({ endpoint: options.sqs.endpoint, queues: options.sqs.queues, ageOf: ages })
    : undefined;
  const localPeriods = (namespace?: string) =>
    options.alarms.metricAlarms
      .filter((a) => namespace === undefined || a.metric.namespace === namespace)
      .map((a) => (a.periodSeconds * 1000) / (options.periodScale ?? 1));
  const intervalMs =
    options.intervalMs ?? Math.min(15_000, Math.max(100, Math.min(...localPeriods(), 60_000) / 4));
  // SQS reports its metrics once a period; sampling twice a period leaves none without a datapoint.
  const sampleEveryMs = Math.max(intervalMs, Math.min(...localPeriods('AWS/SQS'), 120_000) / 2);
  let sampledAt = Number.NEGATIVE_INFINITY;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;

  const cycle = async (sampling: boolean): Promise<void> => {
    if (sample && sampling) {
      sampledAt = now();
      try {
        for (const p of await sample(sampledAt)) engine.put(p.metric, p.sample);
      } catch (error) {
        problems.add(error instanceof Error ? error.message : String(error));
      }
    }
    engine.tick();
  };
  /** Samples SQS (when configured) and evaluates every period that has ended. */
  const evaluate = () => cycle(true);
  const loop = () => {
    running ??= cycle(now() - sampledAt >= sampleEveryMs).finally(() => {
      running = undefined;
    });
  };

  return {
    /** Stores one datapoint, e.g. `{ namespace: 'AWS/Lambda', metricName: 'Errors', … }` for `fedMetrics`. */
    put: (metric: MetricId, sample: MetricSample): void => engine.put(metric, sample),
    /** A metrics sink: stores an EMF document's datapoints; throws `MetricDocumentError` if it is not valid EMF. */
    putEmf: (document: EmfDocument | unknown): void => {
      for (const p of datapointsOfEmf(document)) engine.put(p.metric, p.sample);
    },
    /**
     * `startLocalRuntime`'s `onMetrics`: stores a function's EMF document; one CloudWatch would
     * reject is not stored, and the report's `problems` says which function printed it and why.
     */
    onMetrics: (functionId: string, document: EmfDocument | unknown): void => {
      try {
        for (const p of datapointsOfEmf(document)) engine.put(p.metric, p.sample);
      } catch (error) {
        if (!(error instanceof MetricDocumentError)) throw error;
        problems.add(
          `${functionId} printed an EMF document CloudWatch would reject: ${error.problems.join('; ')}`,
        );
      }
    },
    /** `startLocalRuntime`'s `onBatch`: stores one invocation's `AWS/Lambda` Invocations and Errors. */
    putBatch: (functionName: string, report: Pick<BatchReport | StreamBatchReport, 'outcome'>): void => {
      for (const p of lambdaDatapointsOf(functionName, report, now())) engine.put(p.metric, p.sample);
    },
    /** Stores the datapoints of a line a function printed; ignores lines that are not EMF. */
    putLogLine: (line: string): void => {
      for (const p of datapointsOfLogLine(line)) engine.put(p.metric, p.sample);
    },
    evaluate,
    /** Samples and evaluates every `intervalMs` until `stop()`. */
    start(): void {
      if (timer) return;
      timer = setInterval(loop, intervalMs);
      timer.unref();
      loop();
    },
    /** Stops the timer, evaluates once more, and returns the report. */
    async stop(): Promise<AlarmsReport> {
      if (timer) clearInterval(timer);
      timer = undefined;
      await running;
      await evaluate();
      return this.report();
    },
    /** Every alarm so far, with its state and transitions. */
    report(): AlarmsReport {
      return { alarms: engine.report(), problems: [...problems] };
    },
  };
};

export type AlarmEvaluator = ReturnType<typeof createAlarmEvaluator>;
