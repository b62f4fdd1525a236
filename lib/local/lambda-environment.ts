import type { LocalFunction } from './deploy-functions.ts';

// Lambda's default memory size, in MB.
const DEFAULT_MEMORY_MB = 128;

// A MemorySize the template gives as a token it could not resolve reads as NaN: Lambda's default then.
const memoryOf = (fn: Pick<LocalFunction, 'memoryMb'>) =>
  fn.memoryMb !== undefined && Number.isFinite(fn.memoryMb) && fn.memoryMb > 0
    ? Math.floor(fn.memoryMb)
    : DEFAULT_MEMORY_MB;

/**
 * The heap a sandbox gets from its function's memory size, as the Lambda Node.js runtime's
 * bootstrap (in AWS's base images) starts node: a tenth of the memory for the young
 * generation, the rest for the old. A handler that outgrows it fails as it would on Lambda, and
 * a long local run's sandboxes stay within the memory the app declares.
 *
 * @example
 * heapLimits({ memoryMb: 1024 }); // { maxYoungGenerationSizeMb: 102, maxOldGenerationSizeMb: 922 }
 */
export const heapLimits = (fn: Pick<LocalFunction, 'memoryMb'>) => {
  const young = Math.floor(memoryOf(fn) / 10);
  return { maxYoungGenerationSizeMb: young, maxOldGenerationSizeMb: memoryOf(fn) - young };
};

/**
 * The variables Lambda's runtime defines for a function, as a handler reads them: its name,
 * memory, version, handler, code directory and runtime. The region and credentials come with
 * the local stack's variables.
 * https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html#configuration-envvars-runtime
 *
 * @example
 * lambdaEnvironment(fn); // { AWS_LAMBDA_FUNCTION_NAME: 'Capture…', _HANDLER: 'index.handler', … }
 */
export const lambdaEnvironment = (fn: LocalFunction): Record<string, string> => ({
  AWS_LAMBDA_FUNCTION_NAME: fn.logicalId,
  AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(memoryOf(fn)),
  AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
  AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
  AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${fn.logicalId}`,
  AWS_LAMBDA_LOG_STREAM_NAME: 'local',
  _HANDLER: fn.handlerSpec ?? `index.${fn.handler}`,
  ...(fn.taskRoot ? { LAMBDA_TASK_ROOT: fn.taskRoot } : {}),
  ...(fn.runtime ? { AWS_EXECUTION_ENV: `AWS_Lambda_${fn.runtime}` } : {}),
  LANG: 'en_US.UTF-8',
});
