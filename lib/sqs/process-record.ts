import type { Context } from 'aws-lambda';
import { NonRetryableError } from '../errors.ts';
import { sendToDeadLetterQueue } from './dead-letter.ts';
import { envelopeOf, loggedMessage, type PreparedRecord, type SqsMessage } from './message.ts';
import type { ResolvedSqsBatch } from './options.ts';
import type { CountedOutcome, RecordOutcome } from './outcome.ts';
import type { SequenceTicket } from './sequence-guard.ts';

/** Everything one invocation's records share: the resolved options and the invocation. */
export type BatchEnv<Body> = ResolvedSqsBatch<Body> & {
  lambdaContext?: Context;
  queue: string;
  now: () => number;
};

// Whether the same input can ever pass: the library's own such errors (a bad key, a result it cannot
// store, too many writes, a payload mismatch, a write condition marked as poison) extend NonRetryableError too.
export const isNonRetryable = (error: unknown) => error instanceof NonRetryableError;

/** Poison: to the dead-letter queue when one is configured, else reported failed for the redrive policy. */
export const deadLetter = async <Body>(
  env: BatchEnv<Body>,
  prepared: PreparedRecord<Body>,
  error: unknown,
): Promise<RecordOutcome> => {
  if (!env.deadLetterQueueUrl) {
    env.log.failed(loggedMessage(prepared, env.queue), error, true);
    return { kind: 'failed', error };
  }
  try {
    await sendToDeadLetterQueue(
      await env.sqsClient(),
      env.deadLetterQueueUrl,
      prepared.record,
      error,
      env.queue,
    );
  } catch (sendError) {
    // Never lose it: if the dead-letter send fails, SQS keeps the record and retries it.
    env.log.failed(loggedMessage(prepared, env.queue), sendError, true);
    return { kind: 'failed', error: sendError };
  }
  env.log.deadLettered(loggedMessage(prepared, env.queue), error, env.deadLetterQueueUrl);
  return { kind: 'dead-lettered', error };
};

/** Idempotency, then the handler, then the commit: what became of a record the sequence guard let through. */
const runHandler = async <Body>(
  env: BatchEnv<Body>,
  prepared: PreparedRecord<Body>,
  message: SqsMessage<Body>,
  ticket: SequenceTicket | undefined,
): Promise<RecordOutcome> => {
  let begun: Awaited<ReturnType<typeof env.engine.begin>>;
  try {
    begun = await env.engine.begin(message, env.lambdaContext);
  } catch (error) {
    if (isNonRetryable(error)) return deadLetter(env, prepared, error);
    env.log.failed(loggedMessage(prepared, env.queue), error, true);
    return { kind: 'failed', error };
  }
  if (!begun.run) {
    // At-most-once: the call failed before and its dead-letter send did not go through (else SQS
    // would not deliver it again). Dead-letter it now: never acknowledged as a duplicate and lost.
    const { failure } = begun.record;
    if (failure && env.mode === 'at-most-once' && env.deadLetterQueueUrl)
      return deadLetter(env, prepared, Object.assign(new Error(failure.message), { name: failure.name }));
    env.log.duplicate(loggedMessage(prepared, env.queue), 'idempotency');
    return { kind: 'duplicate', reason: 'idempotency' };
  }

  const { session } = begun;
  // In exactly-once mode the watermark moves in the same transaction as the effects.
  if (ticket && env.mode === 'exactly-once') env.guard?.join(ticket, session.context.transaction);

  const started = env.now();
  try {
    const result = await env.handler(message, {
      lambdaContext: env.lambdaContext,
      transaction: session.context.transaction,
    });
    await session.succeed(result);
  } catch (error) {
    await session.fail(error);
    if (isNonRetryable(error)) return deadLetter(env, prepared, error);
    if (env.mode === 'at-most-once') {
      if (env.deadLetterQueueUrl) return deadLetter(env, prepared, error);
      env.log.failed(loggedMessage(prepared, env.queue), error, false);
      return { kind: 'dropped', error };
    }
    env.log.failed(loggedMessage(prepared, env.queue), error, true);
    return { kind: 'failed', error };
  }
  if (session.replayed) {
    // The optimistic commit found the key completed by another delivery: nothing of this run landed.
    env.log.duplicate(loggedMessage(prepared, env.queue), 'idempotency');
    return { kind: 'duplicate', reason: 'idempotency' };
  }
  const finishedAt = env.now();
  return { kind: 'processed', durationMs: finishedAt - started, finishedAt };
};

const processGuarded = async <Body>(
  env: BatchEnv<Body>,
  prepared: PreparedRecord<Body>,
): Promise<CountedOutcome> => {
  const { message } = prepared;
  const poison = prepared.parseError !== undefined || !message;
  // A record whose body does not parse still used its number when the key and number come from
  // its attributes: it goes through the guard like any other, and its dead-lettering moves the
  // watermark, or the next number would be held for a gap that never fills.
  const subject = message ?? (envelopeOf(prepared.record) as SqsMessage<Body>);
  if (!env.guard || (poison && !env.guard.readable(subject)))
    return poison
      ? deadLetter(env, prepared, prepared.parseError)
      : runHandler(env, prepared, subject, undefined);

  const checked = await env.guard.check(subject, loggedMessage(prepared, env.queue));
  if ('outcome' in checked) return checked.outcome;
  const { ticket } = checked;
  const outcome = poison
    ? await deadLetter(env, prepared, prepared.parseError)
    : 'poison' in checked
      ? await deadLetter(env, prepared, checked.poison)
      : await runHandler(env, prepared, subject, ticket);
  if (!ticket) return outcome;
  await env.guard.settle(ticket, outcome);
  // Numbers found lost before this record are counted once: with it processed, or with it dead-lettered for them.
  return ticket.lost &&
    (outcome.kind === 'processed' || outcome.kind === 'dead-lettered' || 'poison' in checked)
    ? { ...outcome, lost: ticket.lost }
    : outcome;
};

/** Runs one record through the sequence guard, idempotency and the handler, and says what became of it. */
export const processRecord = async <Body>(
  env: BatchEnv<Body>,
  prepared: PreparedRecord<Body>,
): Promise<CountedOutcome> => {
  try {
    return await processGuarded(env, prepared);
  } catch (error) {
    // An unexpected fault (the sequence store unreachable, say) fails this record, not the batch.
    env.log.failed(loggedMessage(prepared, env.queue), error, true);
    return { kind: 'failed', error };
  }
};
