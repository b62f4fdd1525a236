export {
  type DeployLocalOptions,
  deployLocal,
  type LocalDeployment,
  type LocalEventSource,
  type LocalFunction,
  type LocalQueue,
  type LocalTable,
} from './deploy-local.ts';
export {
  type DynamoDBStreamSourceOptions,
  type StreamBatchReport,
  startDynamoDBStreamSource,
} from './dynamodb-stream-source.ts';
export { type FaultProxy, type FaultProxyOptions, type ProxyFault, startFaultProxy } from './fault-proxy.ts';
export { createFunctionHost, FunctionTimeoutError } from './function-host.ts';
export { HANDLER_METADATA } from './handler-metadata.ts';
export { type LocalRuntimeOptions, startLocalRuntime } from './local-runtime.ts';
export {
  type BatchReport,
  FunctionCrashError,
  failedIdsOf,
  type SqsEventSourceFaults,
  type SqsEventSourceOptions,
  startSqsEventSource,
  toLambdaRecord,
} from './sqs-event-source.ts';
export {
  type LocalStack,
  type LocalStackOptions,
  localClientConfig,
  startLocalStack,
} from './start-local-stack.ts';
export { type CloudFormationTemplate, readAssembly, type StackTemplate } from './template.ts';
