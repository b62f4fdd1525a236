import type { SQSClient } from '@aws-sdk/client-sqs';
import type { Context, SQSRecord } from 'aws-lambda';
import { NonRetryableError } from '../errors.ts';
import type { BeginOutcome, IdempotencyEngine } from '../idempotency/engine.ts';
import { IdempotencyPayloadMismatchError } from '../idempotency/errors.ts';
import { createTransactionCollector } from '../idempotency/transaction.ts';
import type { DeliveryMode } from '../idempotency/types.ts';
import type { LoggedMessage, ReliabilityLog } from '../metrics/reliability-log.ts';
import { sendToDeadLetterQueue } from './dead-letter.ts';
import { MessageValidationError, SequenceGapError } from './errors.ts';
import type { RecordHandler, SqsMessage } from './message.ts';
import type { SequenceGuardOptions } from './options.ts';
import type { RecordOutcome } from './outcome.ts';

/** A record after parsing: either a message or the reason it could not be parsed. */
export type PreparedRecord<Body> = { record: SQSRecord; message?: SqsMessage<Body>; parseError?: unknown };

/** Everything one invocation's records share. */
export type BatchEnv<Body> = {
  handler: RecordHandler<Body>;
  engine?: IdempotencyEngine<SqsMessage<Body>, unknown>;
  mode: DeliveryMode;
  sequence?: Required<SequenceGuardOptions<Body>>;
  deadLetterQueueUrl?: string;
  sqsClient: () => SQSClient;
  lambdaContext?: Context;
  queue: string;
  log: ReliabilityLog;
  logged: (prepared: PreparedRecord<Body>) => LoggedMessage;
  now: () => number;
};

// A payload mismatch is the same key carrying another request: retrying cannot help.
const isNonRetryable = (error: unknown) =>
  error instanceof NonRetryableError || error instanceof IdempotencyPayloadMismatchError;

/** Poison: to the dead-letter queue when one is configured, else reported failed for the redrive policy. */
const deadLetter = async <Body>(
  env: BatchEnv<Body>,
  prepared: PreparedRecord<Body>,
  error: unknown,
): Promise<RecordOutcome> => {
  if (!env.deadLetterQueueUrl) {
    env.log.failed(env.logged(prepared), error, true);
    return { kind: 'failed', error };
  }
  try {
    await sendToDeadLetterQueue(env.sqsClient(), env.deadLetterQueueUrl, prepared.record, error, env.queue);
  } catch (sendError) {
    // Never lose it: if the dead-letter send fails, SQS keeps the record and retries it.
    env.log.failed(env.logged(prepared), sendError, true);
    return { kind: 'failed', error: sendError };
  }
  env.log.deadLettered(env.logged(prepared), error, env.deadLetterQueueUrl);
  return { kind: 'dead-lettered', error };
};

type SequenceStep = { key: string; from: number; to: number; lost: number } | RecordOutcome;

/** Compares the record's sequence number with the key's watermark. */
const checkSequence = async <Body>(
  env: BatchEnv<Body>,
  prepared: PreparedRecord<Body> & { message: SqsMessage<Body> },
): Promise<SequenceStep> => {
  const guard = env.sequence!;
  const key = guard.key(prepared.message);
  const seq = guard.seq(prepared.message);
  if (!Number.isInteger(seq) || seq < 1) {
    const error = new MessageValidationError(
      `Message ${prepared.message.messageId} has no valid sequence number (got ${seq}).`,
      [{ message: 'sequence number must be an integer ≥ 1' }],
    );
    return deadLetter(env, prepared, error);
  }
  const last = await guard.store.last(key);
  if (seq <= last) {
    env.log.duplicate(env.logged(prepared), 'sequence');
    return { kind: 'duplicate', reason: 'sequence' };
  }
  if (seq === last + 1) return { key, from: last, to: seq, lost: 0 };

  const sentAt = Number(prepared.record.attributes?.SentTimestamp ?? env.now());
  if (env.now() - sentAt < guard.holdForMs) {
    env.log.gap(env.logged(prepared), { sequenceKey: key, expected: last + 1, received: seq });
    return { kind: 'held', error: new SequenceGapError(key, last + 1, seq) };
  }
  const missing = Array.from({ length: seq - last - 1 }, (_, i) => last + 1 + i);
  env.log.lost(env.logged(prepared), { sequenceKey: key, missing });
  return { key, from: last, to: seq, lost: missing.length };
};

/** Runs one record through the sequence guard, idempotency and the handler, and says what became of it. */
export const processRecord = async <Body>(
  env: BatchEnv<Body>,
  prepared: PreparedRecord<Body>,
): Promise<RecordOutcome & { lost?: number }> => {
  let step: Exclude<SequenceStep, RecordOutcome> | undefined;
  const outcome = await run(env, prepared, (taken) => {
    step = taken;
  });
  // A record that left the stream without being processed (dead-lettered, or dropped in
  // at-most-once mode) still used its number: move the watermark past it, or the next
  // number would be held and at last reported lost.
  if (step && (outcome.kind === 'dead-lettered' || outcome.kind === 'dropped')) {
    await env.sequence!.store.advance(step.key, step.from, step.to);
  }
  return outcome;
};

const run = async <Body>(
  env: BatchEnv<Body>,
  prepared: PreparedRecord<Body>,
  took: (step: Exclude<SequenceStep, RecordOutcome>) => void,
): Promise<RecordOutcome & { lost?: number }> => {
  if (prepared.parseError !== undefined || !prepared.message)
    return deadLetter(env, prepared, prepared.parseError);
  const withMessage = prepared as PreparedRecord<Body> & { message: SqsMessage<Body> };
  const { message } = withMessage;

  let step: Exclude<SequenceStep, RecordOutcome> | undefined;
  if (env.sequence) {
    const checked = await checkSequence(env, withMessage);
    if ('kind' in checked) return checked;
    step = checked;
    took(step);
    if (step.lost && env.sequence.onLost === 'dead-letter') {
      const outcome = await deadLetter(
        env,
        withMessage,
        new SequenceGapError(step.key, step.from + 1, step.to),
      );
      return { ...outcome, lost: step.lost };
    }
  }

  let begun: BeginOutcome<unknown>;
  try {
    begun = env.engine
      ? await env.engine.begin(message, env.lambdaContext)
      : {
          run: true,
          session: {
            context: {
              key: '',
              transaction: createTransactionCollector(
                'sqsBatch has no `idempotency` option, so there is no record to commit writes with.',
              ),
            },
            succeed: async (result) => result,
            fail: async () => {},
          },
        };
  } catch (error) {
    if (isNonRetryable(error)) return deadLetter(env, withMessage, error);
    env.log.failed(env.logged(prepared), error, true);
    return { kind: 'failed', error };
  }
  if (!begun.run) {
    env.log.duplicate(env.logged(prepared), 'idempotency');
    if (step) await env.sequence!.store.advance(step.key, step.from, step.to);
    return { kind: 'duplicate', reason: 'idempotency' };
  }

  const { session } = begun;
  // In exactly-once mode the watermark moves in the same transaction as the effects.
  const inTransaction = Boolean(
    step && env.engine && env.mode === 'exactly-once' && env.sequence?.store.advanceWrite,
  );
  if (step && inTransaction) {
    const write = env.sequence!.store.advanceWrite!(step.key, step.from, step.to);
    if ('Update' in write) session.context.transaction.update(write.Update);
  }

  const started = env.now();
  try {
    const result = await env.handler(message, {
      lambdaContext: env.lambdaContext,
      transaction: session.context.transaction,
    });
    await session.succeed(result);
  } catch (error) {
    await session.fail(error);
    if (isNonRetryable(error)) return deadLetter(env, withMessage, error);
    if (env.engine && env.mode === 'at-most-once') {
      if (env.deadLetterQueueUrl) return deadLetter(env, withMessage, error);
      env.log.failed(env.logged(prepared), error, false);
      return { kind: 'dropped', error };
    }
    env.log.failed(env.logged(prepared), error, true);
    return { kind: 'failed', error };
  }
  if (session.replayed) {
    // The optimistic commit found the key completed by another delivery: nothing of this run landed.
    env.log.duplicate(env.logged(prepared), 'idempotency');
    if (step) await env.sequence!.store.advance(step.key, step.from, step.to);
    return { kind: 'duplicate', reason: 'idempotency' };
  }
  if (step && !inTransaction) await env.sequence!.store.advance(step.key, step.from, step.to);
  const finishedAt = env.now();
  return {
    kind: 'processed',
    durationMs: finishedAt - started,
    finishedAt,
    ...(step?.lost ? { lost: step.lost } : {}),
  };
};
