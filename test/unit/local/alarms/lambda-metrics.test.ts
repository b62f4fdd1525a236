import { describe, expect, it } from 'vitest';
import { lambdaDatapointsOf } from '../../../../lib/local/alarms/lambda-metrics.ts';

const values = (outcome: Parameters<typeof lambdaDatapointsOf>[1]['outcome']) =>
  Object.fromEntries(
    lambdaDatapointsOf('Fn', { outcome }, 0).map(({ metric, sample }) => [metric.metricName, sample.value]),
  );

describe('the AWS/Lambda datapoints of a batch', () => {
  it('counts an invocation, and an error only for a function error', () => {
    expect(values('ok')).toEqual({ Invocations: 1, Errors: 0, Throttles: 0 });
    expect(values('partial')).toEqual({ Invocations: 1, Errors: 0, Throttles: 0 });
    expect(values('crash')).toEqual({ Invocations: 1, Errors: 1, Throttles: 0 });
    expect(values('timeout')).toEqual({ Invocations: 1, Errors: 1, Throttles: 0 });
  });

  it('counts a throttled invoke in Throttles alone: the function never ran', () => {
    expect(values('throttled')).toEqual({ Invocations: 0, Errors: 0, Throttles: 1 });
  });
});
