// A validator for CloudWatch Embedded Metric Format documents, written from the specification:
// https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html
const UNITS = new Set([
  'Seconds',
  'Microseconds',
  'Milliseconds',
  'Bytes',
  'Kilobytes',
  'Megabytes',
  'Gigabytes',
  'Terabytes',
  'Bits',
  'Kilobits',
  'Megabits',
  'Gigabits',
  'Terabits',
  'Percent',
  'Count',
  'Bytes/Second',
  'Kilobytes/Second',
  'Megabytes/Second',
  'Gigabytes/Second',
  'Terabytes/Second',
  'Bits/Second',
  'Kilobits/Second',
  'Megabits/Second',
  'Gigabits/Second',
  'Terabits/Second',
  'Count/Second',
  'None',
]);

/** Returns the problems found; an empty list means the document is valid EMF. */
export const emfProblems = (document: unknown): string[] => {
  const problems: string[] = [];
  const doc = document as Record<string, unknown>;
  const aws = doc?._aws as Record<string, unknown> | undefined;
  if (!aws || typeof aws !== 'object') return ['missing the _aws object'];
  if (!Number.isInteger(aws.Timestamp))
    problems.push('_aws.Timestamp must be an integer of epoch milliseconds');
  const directives = aws.CloudWatchMetrics;
  if (!Array.isArray(directives) || directives.length === 0)
    return [...problems, '_aws.CloudWatchMetrics must be a non-empty array'];
  for (const directive of directives as Record<string, unknown>[]) {
    if (typeof directive.Namespace !== 'string' || directive.Namespace.length === 0)
      problems.push('Namespace must be a non-empty string');
    const dimensionSets = directive.Dimensions;
    if (!Array.isArray(dimensionSets)) problems.push('Dimensions must be an array of arrays');
    for (const set of (dimensionSets ?? []) as unknown[]) {
      if (!Array.isArray(set) || set.length > 30)
        problems.push('a dimension set must be an array of at most 30 names');
      for (const name of (set ?? []) as unknown[]) {
        if (typeof doc[name as string] !== 'string')
          problems.push(`dimension ${String(name)} must be a string member of the root`);
      }
    }
    const metrics = directive.Metrics as Record<string, unknown>[];
    if (!Array.isArray(metrics) || metrics.length > 100)
      problems.push('Metrics must be an array of at most 100 definitions');
    for (const metric of metrics ?? []) {
      if (typeof metric.Name !== 'string' || metric.Name.length === 0) problems.push('a metric needs a Name');
      if (metric.Unit !== undefined && !UNITS.has(metric.Unit as string))
        problems.push(`unit ${String(metric.Unit)} is not an EMF unit`);
      const value = doc[metric.Name as string];
      const values = Array.isArray(value) ? value : [value];
      if (values.length > 100) problems.push(`${String(metric.Name)} has more than 100 values`);
      if (!values.every((v) => typeof v === 'number' && Number.isFinite(v)))
        problems.push(`${String(metric.Name)} must be a number or an array of numbers`);
    }
  }
  return problems;
};
