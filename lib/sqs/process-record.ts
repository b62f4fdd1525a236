import type { Context } from 'aws-lambda';
import { ConfigurationError, NonRetryableError } from '../errors.ts';
import type { IdempotencySession } from '../idempotency/session.ts';
import type { CommitResult, GroupRun } from './commit-strategy.ts';
import { sendToDeadLetterQueue } from './dead-letter.ts';
import { GroupParkedError, LateCommitFencedError } from './errors.ts';
import { fenceTicketOf } from './fence.ts';
import { envelopeOf, loggedMessage, type PreparedRecord, type SqsMessage } from './message.ts';
import type { ResolvedSqsBatch } from './options.ts';
import { type CountedOutcome, isRetried, type RecordOutcome } from './outcome.ts';
import type { SequenceTicket } from './sequence-guard.ts';

/** Everything one invocation's records share: the resolved options and the invocation. */
export type BatchEnv<Body> = ResolvedSqsBatch<Body> & {
  lambdaContext?: Context;
  queue: string;
  now: () => number;
};

/** A record's outcome, known now or once its group's pending writes commit (group commit). */
export type Processed = { outcome: CountedOutcome } | { later: Promise<CountedOutcome> };

// Whether the same input can ever pass: the library's own such errors (a bad key, a result it cannot
// store, too many writes, a payload mismatch, a write condition marked as poison) extend NonRetryableError
// too; a ConfigurationError raised while a record runs (putIfAbsent without the table's key, say) fails
// every delivery alike until the code changes, so it is dead-lettered, not retried until the redrive.
export const isNonRetryable = (error: unknown) =>
  error instanceof NonRetryableError || error instanceof ConfigurationError;

const skipped: RecordOutcome = { kind: 'not-run', reason: 'group-failed' };

/** Poison: to the dead-letter queue when one is configured, else reported failed for the redrive policy. */
const deadLetter = async <Body>(
  env: BatchEnv<Body>,
  prepared: PreparedRecord<Body>,
  error: unknown,
): Promise<RecordOutcome> => {
  if (!env.deadLetterQueueUrl) {
    env.log.failed(loggedMessage(prepared, env.queue), error, true);
    return { kind: 'failed', error };
  }
  try {
    // Where the consumer keeps the message's idempotency record: a replay reports it "already applied".
    const record = prepared.message ? env.engine.recordOf?.(prepared.message) : undefined;
    await sendToDeadLetterQueue(
      await env.sqsClient(),
      env.deadLetterQueueUrl,
      prepared.record,
      error,
      env.queue,
      record,
    );
  } catch (sendError) {
    // Never lose it: if the dead-letter send fails, SQS keeps the record and retries it.
    env.log.failed(loggedMessage(prepared, env.queue), sendError, true);
    return { kind: 'failed', error: sendError };
  }
  env.log.deadLettered(loggedMessage(prepared, env.queue), error, env.deadLetterQueueUrl);
  return { kind: 'dead-lettered', error };
};

/**
 * Dead-letters a record in its group's order: acknowledging it is final, so everything before it
 * is committed first, and a group that already failed keeps it for the redelivery instead.
 */
const deadLetterInOrder = async <Body>(
  env: BatchEnv<Body>,
  group: GroupRun,
  prepared: PreparedRecord<Body>,
  error: unknown,
): Promise<RecordOutcome> => {
  await group.settle();
  if (group.failed) return skipped;
  // park-group: the group is parked before its record leaves for the DLQ, so no later record of
  // it can commit ahead of it; a failed park keeps the record for the redelivery.
  const ticket = fenceTicketOf(prepared.record);
  if (group.fence?.park && ticket && env.deadLetterQueueUrl && !(error instanceof GroupParkedError)) {
    try {
      // A replayed head that fails again parks the group behind its new id.
      await group.fence.park(ticket.sequence, prepared.record.messageId, ticket.release);
    } catch (parkError) {
      env.log.failed(loggedMessage(prepared, env.queue), parkError, true);
      return { kind: 'failed', error: parkError };
    }
  }
  return deadLetter(env, prepared, error);
};

/** A record that failed: dead-lettered when it can never pass, dropped (at-most-once), or retried. */
const failure = async <Body>(
  env: BatchEnv<Body>,
  group: GroupRun,
  prepared: PreparedRecord<Body>,
  error: unknown,
  ranHandler = false,
): Promise<RecordOutcome> => {
  if (isNonRetryable(error)) return deadLetterInOrder(env, group, prepared, error);
  // park-group: a failure on the last receive before SQS's redrive is dead-lettered here, in the
  // group's order and parking it, instead of being moved by SQS while the group goes on.
  const lastReceive =
    env.maxReceiveCount !== undefined &&
    Number(prepared.record.attributes?.ApproximateReceiveCount ?? 1) >= env.maxReceiveCount;
  // Not a late commit: SQS already moved that record on.
  if (group.fence?.park && lastReceive && !(error instanceof LateCommitFencedError))
    return deadLetterInOrder(env, group, prepared, error);
  if (ranHandler && env.mode === 'at-most-once') {
    if (env.deadLetterQueueUrl) return deadLetterInOrder(env, group, prepared, error);
    env.log.failed(loggedMessage(prepared, env.queue), error, false);
    return { kind: 'dropped', error };
  }
  env.log.failed(loggedMessage(prepared, env.queue), error, true);
  return { kind: 'failed', error };
};

const unparkThenDuplicate = async <Body>(
  env: BatchEnv<Body>,
  group: GroupRun,
  prepared: PreparedRecord<Body>,
  release: string,
): Promise<RecordOutcome> => {
  try {
    await group.fence?.unpark?.(release);
  } catch (error) {
    // Acknowledged now, it would leave the park standing: retried instead.
    return failure(env, group, prepared, error);
  }
  env.log.duplicate(loggedMessage(prepared, env.queue), 'idempotency');
  return { kind: 'duplicate', reason: 'idempotency' };
};

/** What a commit's result means for the record: the same rules whether it committed now or with its group. */
export const outcomeOfCommit = <Body>(
  env: BatchEnv<Body>,
  group: GroupRun,
  prepared: PreparedRecord<Body>,
  result: CommitResult,
  started: number,
): Promise<RecordOutcome> | RecordOutcome => {
  if (result.kind === 'error') return failure(env, group, prepared, result.error);
  if (result.kind === 'skipped') return skipped;
  if (result.kind === 'duplicate') {
    // A replayed head its consumer had already applied commits nothing: it lifts its park here,
    // before the group's next record runs, or the group would stay parked behind it.
    const release = fenceTicketOf(prepared.record)?.release;
    if (release && group.fence?.unpark) return unparkThenDuplicate(env, group, prepared, release);
    env.log.duplicate(loggedMessage(prepared, env.queue), 'idempotency');
    return { kind: 'duplicate', reason: 'idempotency' };
  }
  const finishedAt = env.now();
  return { kind: 'processed', durationMs: finishedAt - started, finishedAt };
};

// A record begins at most three times: once, after its key's pending commit, after an item conflict.
const MAX_PASSES = 3;

/**
 * The one pipeline of a record: key → fingerprint → claim (the engine) → handler → commit (the
 * group's strategy: now, or staged with the group's pending writes) → outcome. Every mode and
 * `groupCommit` go through it; only when the commit happens differs.
 */
const runHandler = async <Body>(
  env: BatchEnv<Body>,
  group: GroupRun,
  prepared: PreparedRecord<Body>,
  message: SqsMessage<Body>,
  ticket: SequenceTicket | undefined,
): Promise<Processed> => {
  for (let pass = 1; pass <= MAX_PASSES; pass++) {
    let begun: Awaited<ReturnType<NonNullable<typeof env.engine.beginInRun>>>;
    try {
      begun = env.engine.beginInRun
        ? await env.engine.beginInRun(message, env.lambdaContext, group.run)
        : await env.engine.begin(message, env.lambdaContext);
    } catch (error) {
      return { outcome: await failure(env, group, prepared, error) };
    }
    if (begun.run === 'wait') {
      // The group window keeps no fingerprint to compare: the key's commit decides this record.
      const followed = env.window ? group.follow?.(begun.key) : undefined;
      if (followed)
        return { later: followed.then((result) => outcomeOfCommit(env, group, prepared, result, env.now())) };
      // The same key is staged earlier in this group: settle it, then this record is decided by it.
      await group.settle();
      if (group.failed) return { outcome: skipped };
      continue;
    }
    if (!begun.run) {
      // At-most-once: the call failed before and its dead-letter send did not go through (else SQS
      // would not deliver it again). Dead-letter it now: never acknowledged as a duplicate and lost.
      const { failure: failed } = begun.record;
      if (failed && env.mode === 'at-most-once' && env.deadLetterQueueUrl) {
        const error = Object.assign(new Error(failed.message), { name: failed.name });
        return { outcome: await deadLetterInOrder(env, group, prepared, error) };
      }
      return { outcome: await outcomeOfCommit(env, group, prepared, { kind: 'duplicate' }, env.now()) };
    }

    const session: IdempotencySession<unknown> = begun.session;
    // In exactly-once mode the watermark moves in the same transaction as the effects.
    if (ticket && env.mode === 'exactly-once') env.guard?.join(ticket, session.context.transaction);
    const started = env.now();
    let result: unknown;
    try {
      result = await env.handler(message, {
        lambdaContext: env.lambdaContext,
        transaction: session.context.transaction,
      });
    } catch (error) {
      await session.fail(error);
      return { outcome: await failure(env, group, prepared, error, true) };
    }
    const commit = await group.commit(
      session,
      result,
      (settled) => outcomeOfCommit(env, group, prepared, settled, started),
      fenceTicketOf(prepared.record),
    );
    if (commit.kind === 'rerun') {
      // Its writes touch an item the group has pending: committed now, the handler runs again on it.
      if (group.failed) return { outcome: skipped };
      continue;
    }
    if (commit.kind === 'staged') return { later: commit.outcome };
    return { outcome: await outcomeOfCommit(env, group, prepared, commit.result, started) };
  }
  return { outcome: await failure(env, group, prepared, new Error('The record could not be staged.')) };
};

/** Settles the sequence ticket of a record once its outcome is known. */
const settleTicket = async <Body>(
  env: BatchEnv<Body>,
  ticket: SequenceTicket,
  outcome: RecordOutcome,
  poison: boolean,
): Promise<CountedOutcome> => {
  await env.guard?.settle(ticket, outcome);
  // Numbers found lost before this record are counted once: with it processed, or with it dead-lettered for them.
  return ticket.lost && (outcome.kind === 'processed' || outcome.kind === 'dead-lettered' || poison)
    ? { ...outcome, lost: ticket.lost }
    : outcome;
};

const processGuarded = async <Body>(
  env: BatchEnv<Body>,
  group: GroupRun,
  prepared: PreparedRecord<Body>,
): Promise<Processed> => {
  const { message } = prepared;
  const poison = prepared.parseError !== undefined || !message;
  // A record whose body does not parse still used its number when the key and number come from
  // its attributes: it goes through the guard like any other, and its dead-lettering moves the
  // watermark, or the next number would be held for a gap that never fills.
  const subject = message ?? (envelopeOf(prepared.record) as SqsMessage<Body>);
  if (!env.guard || (poison && !env.guard.readable(subject)))
    return poison
      ? { outcome: await deadLetterInOrder(env, group, prepared, prepared.parseError) }
      : runHandler(env, group, prepared, subject, undefined);

  const checked = await env.guard.check(subject, loggedMessage(prepared, env.queue));
  if ('outcome' in checked) return { outcome: checked.outcome };
  const ticket = checked.ticket as SequenceTicket;
  if (poison || 'poison' in checked) {
    const error = poison ? prepared.parseError : (checked as { poison: unknown }).poison;
    const outcome = await deadLetterInOrder(env, group, prepared, error);
    return {
      outcome: checked.ticket ? await settleTicket(env, ticket, outcome, 'poison' in checked) : outcome,
    };
  }
  const processed = await runHandler(env, group, prepared, subject, ticket);
  if ('outcome' in processed) return { outcome: await settleTicket(env, ticket, processed.outcome, false) };
  return { later: processed.later.then((outcome) => settleTicket(env, ticket, outcome, false)) };
};

/** Runs one record through the sequence guard, idempotency and the handler, and says what became of it. */
export const processRecord = async <Body>(
  env: BatchEnv<Body>,
  group: GroupRun,
  prepared: PreparedRecord<Body>,
): Promise<Processed> => {
  try {
    const processed = await processGuarded(env, group, prepared);
    if ('outcome' in processed && isRetried(processed.outcome)) group.fail();
    return processed;
  } catch (error) {
    // An unexpected fault (the sequence store unreachable, say) fails this record, not the batch.
    env.log.failed(loggedMessage(prepared, env.queue), error, true);
    group.fail();
    return { outcome: { kind: 'failed', error } };
  }
};
