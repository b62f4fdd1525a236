export {
  type LocalStack,
  type LocalStackOptions,
  localClientConfig,
  startLocalStack,
} from './start-local-stack.ts';
