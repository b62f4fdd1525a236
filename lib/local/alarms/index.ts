export { createAlarmEngine } from './alarm-engine.ts';
export {
  type AlarmEvaluator,
  type AlarmEvaluatorOptions,
  type AlarmsReport,
  createAlarmEvaluator,
} from './alarm-evaluator.ts';
export { parseAlarmRule } from './alarm-rule.ts';
export { datapointsOfEmf, datapointsOfLogLine } from './emf.ts';
export { AlarmRuleSyntaxError, MetricDocumentError, SqsMetricsError } from './errors.ts';
export { evaluateDatapoints } from './evaluate-metric-alarm.ts';
export { localValuesOf } from './local-values.ts';
export { mergeAlarms, type ReadAlarmsOptions, readAlarms } from './read-alarms.ts';
export { SQS_METRICS, sqsMetricsSampler } from './sqs-metrics.ts';
export type {
  AlarmReport,
  AlarmState,
  AlarmTransition,
  CompositeAlarm,
  MetricAlarm,
  MetricId,
  MetricSample,
  TemplateAlarms,
  UnsupportedAlarm,
} from './types.ts';
