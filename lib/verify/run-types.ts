import type { AlarmTransition, deployLocal, LocalStack } from '../local/index.ts';
import type { VerifyOptions } from './options.ts';
import type { Scenario } from './scenario.ts';

export type Progress = {
  phase: 'sending' | 'draining';
  /** Messages sent so far, and in all. */
  sent: number;
  expected: number;
  /** Messages the driven queue's consumers have acknowledged (deleted). */
  acked: number;
  inFlight: number;
  faults: number;
  elapsedMs: number;
};

export type VerifyRun = {
  /** A synthesized cloud assembly directory (`cdk.out`). */
  assembly: string;
  /** Only these stacks of the assembly. @default every stack */
  stacks?: readonly string[] | undefined;
  scenario: Scenario;
  options: VerifyOptions;
  /** Where `ReliableFunction` source paths are relative to. @default process.cwd() */
  projectRoot?: string;
  /** Run on this local stack instead of starting one (tests share theirs). */
  stack?: Pick<LocalStack, 'region' | 'credentials' | 'dynamodb' | 'sqs'>;
  /** Called when the deployment is ready, before the workload: where things are, what does not run. */
  onDeployed?: (deployment: Awaited<ReturnType<typeof deployLocal>>) => void;
  onProgress?: (progress: Progress) => void;
  /**
   * A mutation of the workload's producer: retries sent after later messages of the same group,
   * as the producer did before it kept groups in order. The proof must fail under it. @default false
   */
  unorderedRetries?: boolean;
  /** Each alarm's change of state, as it happens. */
  onAlarm?: (transition: AlarmTransition) => void;
};
