import type { TestProject } from 'vitest/node';
import { type LocalStack, startLocalStack } from '../../lib/local/index.ts';

export type LocalEndpoints = Pick<LocalStack, 'region' | 'credentials' | 'dynamodb' | 'sqs'>;

declare module 'vitest' {
  export interface ProvidedContext {
    localStack: LocalEndpoints;
  }
}

/** One local stack (DynamoDB Local + SQS emulator) per test run, stopped when the run ends. */
export default async function setup(project: TestProject) {
  const stack = await startLocalStack();
  project.provide('localStack', {
    region: stack.region,
    credentials: stack.credentials,
    dynamodb: stack.dynamodb,
    sqs: stack.sqs,
  });
  return () => stack.stop();
}
