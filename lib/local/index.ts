export { HANDLER_METADATA } from '../handler-metadata.ts';
export {
  type AlarmEvaluator,
  type AlarmEvaluatorOptions,
  type AlarmReport,
  type AlarmState,
  type AlarmsReport,
  type AlarmTransition,
  createAlarmEvaluator,
  localValuesOf,
  MetricDocumentError,
  mergeAlarms,
  readAlarms,
  type TemplateAlarms,
} from './alarms/index.ts';
export {
  type DeployLocalOptions,
  deployLocal,
  type LocalDeployment,
  type LocalEventSource,
  type LocalFunction,
  type LocalQueue,
  type LocalTable,
  type NotRunFunction,
} from './deploy-local.ts';
export {
  type DynamoDBStreamSourceOptions,
  type StreamBatchReport,
  startDynamoDBStreamSource,
} from './dynamodb-stream-source.ts';
export { FunctionCrashError, FunctionLoadError, FunctionTimeoutError } from './errors.ts';
export { type FaultProxy, type FaultProxyOptions, type ProxyFault, startFaultProxy } from './fault-proxy.ts';
export type { FunctionError, FunctionErrors } from './function-errors.ts';
export { createFunctionHost } from './function-host.ts';
export { type LocalRuntimeOptions, startLocalRuntime } from './local-runtime.ts';
export {
  type BatchReport,
  failedIdsOf,
  type SqsEventSourceFaults,
  type SqsEventSourceOptions,
  startSqsEventSource,
  toLambdaRecord,
} from './sqs-event-source.ts';
export type { SendBatchEntry } from './sqs-send-faults.ts';
export {
  type LocalStack,
  type LocalStackOptions,
  localClientConfig,
  startLocalStack,
} from './start-local-stack.ts';
export { type CloudFormationTemplate, readAssembly, type StackTemplate } from './template.ts';
