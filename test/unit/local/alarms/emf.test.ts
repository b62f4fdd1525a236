import { describe, expect, it } from 'vitest';
import { datapointsOfEmf, datapointsOfLogLine } from '../../../../lib/local/alarms/emf.ts';
import { MetricDocumentError } from '../../../../lib/local/alarms/errors.ts';

// https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html
const document = (values: unknown, dimensions: unknown = [['Queue'], ['Queue', 'Service']]) => ({
  _aws: {
    Timestamp: 1_000,
    CloudWatchMetrics: [
      { Namespace: 'App', Dimensions: dimensions, Metrics: [{ Name: 'Latency', Unit: 'Milliseconds' }] },
    ],
  },
  Queue: 'orders',
  Service: 'payments',
  Latency: values,
});

describe('EMF documents as datapoints', () => {
  it('publishes each value once per dimension set', () => {
    const points = datapointsOfEmf(document([5, 7]));
    expect(points.map((p) => [p.metric.dimensions, p.sample.value])).toEqual([
      [{ Queue: 'orders' }, 5],
      [{ Queue: 'orders' }, 7],
      [{ Queue: 'orders', Service: 'payments' }, 5],
      [{ Queue: 'orders', Service: 'payments' }, 7],
    ]);
    expect(points[0]?.sample).toEqual({ timestamp: 1_000, value: 5, count: 1, unit: 'Milliseconds' });
    expect(datapointsOfEmf(document(1, [])).map((p) => p.metric.dimensions)).toEqual([{}]);
  });

  it("rejects what the specification's limits forbid", () => {
    expect(() => datapointsOfEmf(document(Array.from({ length: 101 }, () => 1)))).toThrow(
      'Latency must be a number or an array of at most 100 numbers',
    );
    const names = Array.from({ length: 31 }, (_, i) => `d${i}`);
    expect(() => datapointsOfEmf(document(1, [names]))).toThrow(MetricDocumentError);
    expect(() => datapointsOfEmf({ Latency: 1 })).toThrow('missing the _aws object');
  });

  it('reads log lines: EMF ones only', () => {
    expect(datapointsOfLogLine(`  ${JSON.stringify(document(3))}  `)).toHaveLength(2);
    expect(datapointsOfLogLine('{"message":"ok","meta":{"_aws":1}}')).toEqual([]);
    expect(datapointsOfLogLine('{"_aws": not json')).toEqual([]);
  });
});
