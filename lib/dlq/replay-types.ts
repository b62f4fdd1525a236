import type { SQSClient } from '@aws-sdk/client-sqs';
import type { Applied, AppliedLookup } from './applied.ts';
import type { DeadLetter } from './dead-letter-message.ts';
import type { ReplayLedger } from './ledger.ts';

// The replay's options and report, apart from the replay itself (its rules read the options too).

export type ReplayOptions = {
  client: SQSClient;
  /** The dead-letter queue's URL. */
  queueUrl: string;
  /**
   * Only messages of this group, with this error name, sent to the DLQ at or after this time, and
   * that `select` accepts. A message left out holds the later messages of its group.
   */
  filter?: { group?: string; errorName?: string; since?: Date; select?: (letter: DeadLetter) => boolean };
  /** Where messages with no recorded source go (a URL or a queue name); without it they stay. */
  to?: string;
  /** Report what would be replayed; send and delete nothing. @default false */
  dryRun?: boolean;
  /** At most this many messages sent per second. @default unlimited */
  ratePerSecond?: number;
  /** How long each received message stays hidden while it is replayed. @default 30 */
  visibilityTimeoutSeconds?: number;
  /** @default 10_000 */
  maxMessages?: number;
  /** @default 900_000 (15 minutes) */
  timeoutMs?: number;
  /** Records each replay, so a re-run sends nothing twice to a standard queue. @default none */
  ledger?: ReplayLedger;
  /**
   * Looks up each message's idempotency record in these tables (strongly consistent) and reports
   * the ones the consumer already applied (`applied` on each entry). @default none: every message `unknown`
   */
  idempotency?: AppliedLookup;
  /**
   * Delete a message found already applied instead of sending it: one without a group, or one
   * parked behind its group's head (`GroupParkedError`). Any other message of a FIFO group is sent:
   * it may be the head a parked group waits for, wherever it stands in the DLQ, and only its replay
   * lifts the park. Without it an applied message is sent, and the consumer suppresses it. @default false
   */
  skipApplied?: boolean;
  onProgress?: (report: ReplayReport) => void;
  /** Called after each step; a throw stops the replay there (as a crash would). */
  onStep?: (step: 'sent' | 'deleted', letter: DeadLetter) => void | Promise<void>;
};

export type ReplayEntry = {
  messageId: string;
  replayId: string;
  groupId?: string;
  error?: string;
  source?: string;
  target?: string;
  outcome: 'replayed' | 'would-replay' | 'already-replayed' | 'already-applied' | 'held' | 'skipped';
  /** Why a message was held (left in the DLQ). */
  reason?: string;
  /** With `idempotency`: whether the consumer already applied it (`already-applied`: deleted, not sent, with `skipApplied`). */
  applied?: Applied['status'];
};

export type ReplayReport = {
  replayed: number;
  alreadyReplayed: number;
  /** Selected messages the consumer had already applied (sent all the same, or deleted with `skipApplied`). */
  alreadyApplied: number;
  /** Of those, deleted without being sent (`skipApplied`). */
  deletedApplied: number;
  held: number;
  skipped: number;
  approximateTotal: number;
  entries: ReplayEntry[];
};
