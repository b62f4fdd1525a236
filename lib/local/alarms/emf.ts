import { MetricDocumentError } from './errors.ts';
import type { MetricId, MetricSample } from './types.ts';

type Directive = { Namespace?: unknown; Dimensions?: unknown; Metrics?: unknown };

/**
 * The datapoints an Embedded Metric Format document publishes: each metric once per dimension
 * set, at the document's timestamp, each value of an array a sample of its own. Throws
 * `MetricDocumentError` naming every problem, as CloudWatch rejects such a document (limits: 30
 * dimensions per set, 100 metrics per directive, 100 values per metric).
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html
 *
 * @example
 * datapointsOfEmf(JSON.parse(line)); // [{ metric: { namespace, metricName, dimensions }, sample: { timestamp, value, count: 1 } }]
 */
export const datapointsOfEmf = (document: unknown): { metric: MetricId; sample: MetricSample }[] => {
  const root = (document ?? {}) as Record<string, unknown>;
  const aws = root._aws as { Timestamp?: unknown; CloudWatchMetrics?: unknown } | undefined;
  if (!aws || typeof aws !== 'object') throw new MetricDocumentError(['missing the _aws object']);
  const problems: string[] = [];
  const timestamp = aws.Timestamp;
  if (!Number.isInteger(timestamp)) problems.push('_aws.Timestamp must be an integer of epoch milliseconds');
  if (!Array.isArray(aws.CloudWatchMetrics) || aws.CloudWatchMetrics.length === 0)
    problems.push('_aws.CloudWatchMetrics must be a non-empty array');
  const points: { metric: MetricId; sample: MetricSample }[] = [];
  for (const directive of (Array.isArray(aws.CloudWatchMetrics)
    ? aws.CloudWatchMetrics
    : []) as Directive[]) {
    const namespace = directive.Namespace;
    if (typeof namespace !== 'string' || namespace === '')
      problems.push('a Namespace must be a non-empty string');
    const sets = Array.isArray(directive.Dimensions) ? (directive.Dimensions as unknown[]) : undefined;
    if (!sets) problems.push('Dimensions must be an array of dimension sets');
    const dimensionSets = (sets?.length ? sets : [[]]).map((set): Record<string, string> => {
      if (!Array.isArray(set) || set.length > 30) {
        problems.push('a dimension set must be an array of at most 30 names');
        return {};
      }
      return Object.fromEntries(
        set.map((name) => {
          const value = root[String(name)];
          if (typeof value !== 'string')
            problems.push(`dimension ${String(name)} must be a string member of the root`);
          return [String(name), String(value)];
        }),
      );
    });
    const metrics = Array.isArray(directive.Metrics)
      ? (directive.Metrics as { Name?: unknown; Unit?: unknown }[])
      : [];
    if (!Array.isArray(directive.Metrics) || metrics.length > 100)
      problems.push('Metrics must be an array of at most 100 definitions');
    for (const { Name, Unit } of metrics) {
      if (typeof Name !== 'string' || Name === '') {
        problems.push('a metric needs a Name');
        continue;
      }
      const raw = root[Name];
      const values = Array.isArray(raw) ? raw : [raw];
      if (values.length > 100 || !values.every((v) => typeof v === 'number' && Number.isFinite(v))) {
        problems.push(`${Name} must be a number or an array of at most 100 numbers`);
        continue;
      }
      for (const dimensions of dimensionSets)
        for (const value of values as number[])
          points.push({
            metric: { namespace: String(namespace), metricName: Name, dimensions },
            sample: {
              timestamp: timestamp as number,
              value,
              count: 1,
              ...(typeof Unit === 'string' ? { unit: Unit } : {}),
            },
          });
    }
  }
  if (problems.length > 0) throw new MetricDocumentError(problems);
  return points;
};

/**
 * The datapoints of one line a function printed: none for a line that is not EMF (an ordinary log
 * line); an EMF line that breaks the specification throws `MetricDocumentError`.
 */
export const datapointsOfLogLine = (line: string): { metric: MetricId; sample: MetricSample }[] => {
  const text = line.trim();
  if (!text.startsWith('{') || !text.includes('"_aws"')) return [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return [];
  }
  return parsed && typeof parsed === 'object' && '_aws' in parsed ? datapointsOfEmf(parsed) : [];
};
