import type { StreamBatchReport } from '../dynamodb-stream-source.ts';
import type { BatchReport } from '../sqs-event-source.ts';
import type { MetricId, MetricSample } from './types.ts';

/** The `AWS/Lambda` metrics the local runtime's batch reports give, by their CloudWatch names. */
export const LAMBDA_METRICS = ['Invocations', 'Errors', 'Throttles'] as const;

// Errors counts invocations that end in a function error: an exception, a timeout, a runtime that
// died. A partial batch response, or one Lambda cannot read, is not a function error.
// https://docs.aws.amazon.com/lambda/latest/dg/monitoring-metrics-types.html
const FUNCTION_ERRORS = new Set(['error', 'timeout', 'crash']);

// A throttled invoke is no invocation: it counts in Throttles alone.
const datapointOf = (metricName: (typeof LAMBDA_METRICS)[number], outcome: string) => {
  if (metricName === 'Throttles') return outcome === 'throttled' ? 1 : 0;
  if (metricName === 'Invocations') return outcome === 'throttled' ? 0 : 1;
  return FUNCTION_ERRORS.has(outcome) ? 1 : 0;
};

/**
 * The `AWS/Lambda` datapoints of one invocation the local runtime reported (`onBatch`), with the
 * `FunctionName` dimension (locally, the function's logical id).
 *
 * @example
 * startLocalRuntime({ …, onBatch: (fn, report) => evaluator.putBatch(fn, report) });
 */
export const lambdaDatapointsOf = (
  functionName: string,
  report: Pick<BatchReport | StreamBatchReport, 'outcome'>,
  timestamp: number,
): { metric: MetricId; sample: MetricSample }[] =>
  LAMBDA_METRICS.map((metricName) => ({
    metric: { namespace: 'AWS/Lambda', metricName, dimensions: { FunctionName: functionName } },
    sample: {
      timestamp,
      value: datapointOf(metricName, report.outcome),
      count: 1,
      unit: 'Count',
    },
  }));
