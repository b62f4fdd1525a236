import { LAMBDA_METRICS } from './lambda-metrics.ts';
import { SQS_METRICS } from './sqs-metrics.ts';
import type { MetricAlarm, MetricId } from './types.ts';

export type CoverageOptions = {
  /** Local queue names the SQS sampler reports; `undefined` when there is no sampler. */
  sqsQueues?: readonly string[];
  /** Functions whose invocations the caller reports (`putBatch`); `undefined` when none are. */
  lambdaFunctions?: readonly string[];
  /** Metrics the caller feeds itself through `put()`. */
  fedMetrics?: (metric: MetricId) => boolean;
};

/** How a caller of the library evaluates a metric no local source reports: it feeds it itself. */
export const FEED_HINT = '; feed it with put() and fedMetrics to evaluate it';

const describe = (metric: MetricId) =>
  `${metric.namespace} ${metric.metricName}${Object.entries(metric.dimensions)
    .map(([k, v]) => ` ${k}=${v}`)
    .join(',')}`;

/**
 * Why no local source reports an alarm's metric, or `undefined` when one does: custom namespaces
 * come from the functions' EMF output, `AWS/SQS` queue metrics from the emulator, `AWS/Lambda`
 * Invocations and Errors from the runtime's batch reports, anything else only if the caller feeds it.
 */
export const missingSourceOf = (alarm: MetricAlarm, options: CoverageOptions): string | undefined => {
  const { metric } = alarm;
  if (options.fedMetrics?.(metric)) return undefined;
  if (!metric.namespace.startsWith('AWS/')) return undefined;
  const fed = `no local source reports ${describe(metric)}${FEED_HINT}`;
  if (metric.namespace === 'AWS/Lambda') {
    const name = metric.dimensions.FunctionName;
    if (!(LAMBDA_METRICS as readonly string[]).includes(metric.metricName)) return fed;
    if (Object.keys(metric.dimensions).length !== 1 || name === undefined)
      return `${describe(metric)}: only the FunctionName dimension is reported`;
    if (!options.lambdaFunctions) return `${describe(metric)}: no invocations are reported (putBatch)`;
    return options.lambdaFunctions.includes(name)
      ? undefined
      : `${describe(metric)}: no local function has that name`;
  }
  if (metric.namespace !== 'AWS/SQS') return fed;
  if (!options.sqsQueues) return `${describe(metric)}: no SQS sampler was configured`;
  if (!(SQS_METRICS as readonly string[]).includes(metric.metricName))
    return `${describe(metric)} is not sampled locally (only ${SQS_METRICS.join(', ')})`;
  const keys = Object.keys(metric.dimensions);
  const queue = metric.dimensions.QueueName;
  if (keys.length !== 1 || queue === undefined)
    return `${describe(metric)}: only the QueueName dimension is sampled`;
  if (!options.sqsQueues.includes(queue)) return `${describe(metric)}: no local queue has that name`;
  return undefined;
};
