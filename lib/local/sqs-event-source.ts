import {
  DeleteMessageBatchCommand,
  type Message,
  ReceiveMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { Context, SQSEvent, SQSRecord } from 'aws-lambda';
import { FunctionCrashError } from './errors.ts';
import { groupWaits } from './group-waits.ts';
import { localLambdaContext } from './lambda-context.ts';
import { lateInvocations } from './late-invocation.ts';
import { asSecondDelivery, duplicatesOf, type SqsEventSourceFaults } from './sqs-event-source-faults.ts';

export type SqsFunctionHandler = (event: SQSEvent, context: Context) => Promise<unknown>;

/** What one batch came to, for observers (the live view, tests). */
export type BatchReport = {
  records: number;
  /** Message groups among the records (FIFO queues; 0 on a standard queue): records ÷ groups is the batch's records per group. */
  groups: number;
  deleted: number;
  /** Records returned to the queue (reported, or the whole batch on error/timeout/invalid response). */
  retried: number;
  /** `throttled`: the invoke was throttled, the handler never ran, and SQS counted the receive. */
  outcome: 'ok' | 'partial' | 'error' | 'timeout' | 'invalid-response' | 'crash' | 'throttled';
  error?: unknown;
  /** The batch's first message, to name where an error came from. */
  messageId?: string;
  /** FIFO: how long (ms) each group of the batch had stood still since a batch returned its records. */
  groupWaitsMs?: number[];
};

export type { SqsEventSourceFaults } from './sqs-event-source-faults.ts';

export type SqsEventSourceOptions = {
  client: SQSClient;
  queueUrl: string;
  queueArn: string;
  handler: SqsFunctionHandler;
  /** @default 10 */
  batchSize?: number;
  /** Batches in flight at once; on a FIFO queue never more than the groups with visible messages. @default 2 */
  maxConcurrency?: number;
  /** Long-poll wait per receive. @default 1 */
  waitTimeSeconds?: number;
  /** The function's timeout: `getRemainingTimeInMillis` counts down from it, and a longer run fails the batch. @default 30_000 */
  timeoutMs?: number;
  /** Honour partial batch responses (`FunctionResponseTypes: [ReportBatchItemFailures]`). @default true */
  reportBatchItemFailures?: boolean;
  /** @default 'local-function' */
  functionName?: string;
  region?: string;
  onBatch?: (report: BatchReport) => void;
  /** Injected faults. @default none */
  faults?: SqsEventSourceFaults;
};

/** A message as Lambda's event source mapping hands it to the function. */
export const toLambdaRecord = (message: Message, queueArn: string, region: string): SQSRecord => ({
  messageId: message.MessageId ?? '',
  receiptHandle: message.ReceiptHandle ?? '',
  body: message.Body ?? '',
  attributes: message.Attributes as unknown as SQSRecord['attributes'],
  messageAttributes: Object.fromEntries(
    Object.entries(message.MessageAttributes ?? {}).map(([name, value]) => [
      name,
      {
        dataType: value.DataType ?? 'String',
        ...(value.StringValue === undefined ? {} : { stringValue: value.StringValue }),
        ...(value.BinaryValue === undefined
          ? {}
          : { binaryValue: Buffer.from(value.BinaryValue).toString('base64') }),
        stringListValues: [],
        binaryListValues: [],
      },
    ]),
  ),
  md5OfBody: message.MD5OfBody ?? '',
  eventSource: 'aws:sqs',
  eventSourceARN: queueArn,
  awsRegion: region,
});

/**
 * Which records to delete, per Lambda's rules for partial batch responses: a null or empty
 * response, or an empty list, is full success; an item without a valid identifier of this
 * batch makes the whole response invalid (the batch fails).
 * https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-errorhandling.html
 */
export const failedIdsOf = (response: unknown, ids: ReadonlySet<string>): Set<string> | 'invalid' => {
  if (response === null || response === undefined || response === '') return new Set();
  if (typeof response !== 'object') return 'invalid';
  const failures = (response as { batchItemFailures?: unknown }).batchItemFailures;
  if (failures === null || failures === undefined) return new Set();
  if (!Array.isArray(failures)) return 'invalid';
  const failed = new Set<string>();
  for (const failure of failures) {
    const id = (failure as { itemIdentifier?: unknown } | null)?.itemIdentifier;
    if (typeof id !== 'string' || !ids.has(id)) return 'invalid';
    failed.add(id);
  }
  return failed;
};

const TIMED_OUT = Symbol('timed out');

const groupsIn = (records: SQSRecord[]) =>
  new Set(records.flatMap((record) => record.attributes?.MessageGroupId ?? [])).size;

/**
 * Polls an SQS queue and invokes `handler` the way Lambda's SQS event source mapping does:
 * Lambda-shaped records with every attribute, a context that counts down the timeout,
 * deletion of what succeeded, partial batch responses, and whole-batch failure on an error,
 * a timeout or an invalid response. Failed records are left to the queue's visibility timeout
 * and redrive policy, exactly as in the cloud.
 *
 * @example
 * const source = startSqsEventSource({ client, queueUrl, queueArn, handler });
 * // … later
 * await source.stop();
 */
export const startSqsEventSource = (options: SqsEventSourceOptions) => {
  const batchSize = options.batchSize ?? 10;
  const timeoutMs = options.timeoutMs ?? 30_000;
  const functionName = options.functionName ?? 'local-function';
  const region = options.region ?? 'us-east-1';
  const abort = new AbortController();
  const faults = options.faults ?? {};
  let invocations = 0;
  const late = faults.lateStart ? lateInvocations(options.client, options.queueUrl) : undefined;
  const waits = groupWaits();

  // Records the late-invocation fault returned as a throttled invoke returns them: they never ran.
  const throttled = (records: SQSRecord[], about: Pick<BatchReport, 'groupWaitsMs'>): BatchReport => {
    waits.returned(records, new Set(records.map((record) => record.messageId)));
    const messageId = records[0]?.messageId;
    const report = {
      records: records.length,
      deleted: 0,
      retried: records.length,
      groups: groupsIn(records),
    };
    return { ...report, outcome: 'throttled', ...about, ...(messageId ? { messageId } : {}) };
  };

  const runBatch = async (messages: Message[]): Promise<BatchReport> => {
    const received = messages.map((message) => toLambdaRecord(message, options.queueArn, region));
    const waited = waits.received(received);
    const groupWaitsMs = waited.length > 0 ? { groupWaitsMs: waited } : {};
    const chosen = () => faults.lateStart!({ Records: received });
    const now = late ? await late.before(received, chosen, faults.startedLate) : received;
    const records = received.filter((record) => now.includes(record));
    if (records.length < received.length) {
      const rest = received.filter((record) => !now.includes(record));
      // The waits this receive ended go with the records that run, if any.
      const held = throttled(rest, records.length === 0 ? groupWaitsMs : {});
      if (records.length === 0) return held;
      options.onBatch?.(held);
    }
    const ids = new Set(records.map((record) => record.messageId));
    let timer: NodeJS.Timeout | undefined;
    let failed: Set<string>;
    let report: Omit<BatchReport, 'deleted' | 'retried' | 'groups'>;
    const event: SQSEvent = { Records: records };
    const duplicates = duplicatesOf(records, faults.duplicateDelivery);
    // A second consumer got the same records: its outcome is its own, and it deletes nothing.
    const duplicate =
      duplicates.length === 0
        ? undefined
        : options
            .handler(
              { Records: duplicates.map(asSecondDelivery) },
              localLambdaContext(functionName, Date.now() + timeoutMs, `local-${++invocations}`),
            )
            .catch(() => undefined);
    try {
      const context = localLambdaContext(functionName, Date.now() + timeoutMs, `local-${++invocations}`);
      const response = await Promise.race([
        options.handler(event, context),
        new Promise<typeof TIMED_OUT>((resolve) => {
          timer = setTimeout(() => resolve(TIMED_OUT), timeoutMs);
        }),
      ]);
      if (response !== TIMED_OUT && faults.crashAfterHandler?.(event)) {
        throw new FunctionCrashError(`${functionName} was ended after its handler returned (injected crash)`);
      }
      if (response === TIMED_OUT) {
        failed = ids;
        report = { records: records.length, outcome: 'timeout' };
      } else {
        const reported =
          options.reportBatchItemFailures === false ? new Set<string>() : failedIdsOf(response, ids);
        failed = reported === 'invalid' ? ids : reported;
        report = {
          records: records.length,
          outcome: reported === 'invalid' ? 'invalid-response' : failed.size > 0 ? 'partial' : 'ok',
        };
      }
    } catch (error) {
      failed = ids;
      // A host that enforces the timeout itself (the local runtime's) reports it as this error.
      const name = (error as Error)?.name;
      report = {
        records: records.length,
        outcome:
          name === 'FunctionTimeoutError' ? 'timeout' : name === 'FunctionCrashError' ? 'crash' : 'error',
        error,
      };
    } finally {
      clearTimeout(timer);
    }
    await duplicate;
    waits.returned(records, failed);
    const done = records.filter((record) => !failed.has(record.messageId) && !faults.lateAck?.(record));
    // Count what SQS confirms: an entry it fails to delete comes back after the visibility timeout.
    let deleted = 0;
    for (let i = 0; i < done.length; i += 10) {
      const chunk = done.slice(i, i + 10);
      const response = await options.client.send(
        new DeleteMessageBatchCommand({
          QueueUrl: options.queueUrl,
          Entries: chunk.map((record, n) => ({ Id: String(n), ReceiptHandle: record.receiptHandle })),
        }),
      );
      deleted += response.Successful?.length ?? 0;
      const ok = new Set(response.Successful?.map((entry) => entry.Id));
      late?.deleted(chunk.filter((_, n) => ok.has(String(n))));
    }
    const messageId = records[0]?.messageId;
    return {
      ...report,
      groups: groupsIn(records),
      deleted,
      retried: failed.size,
      ...groupWaitsMs,
      ...(messageId ? { messageId } : {}),
    };
  };

  const poller = async () => {
    while (!abort.signal.aborted) {
      let messages: Message[] = [];
      try {
        const received = await options.client.send(
          new ReceiveMessageCommand({
            QueueUrl: options.queueUrl,
            MaxNumberOfMessages: batchSize,
            WaitTimeSeconds: options.waitTimeSeconds ?? 1,
            MessageSystemAttributeNames: ['All'],
            MessageAttributeNames: ['All'],
          }),
          { abortSignal: abort.signal },
        );
        messages = received.Messages ?? [];
      } catch (error) {
        if (abort.signal.aborted) return;
        options.onBatch?.({ records: 0, groups: 0, deleted: 0, retried: 0, outcome: 'error', error });
        await new Promise((resolve) => setTimeout(resolve, 200));
        continue;
      }
      if (messages.length === 0) continue;
      // Run the batch whether or not anyone observes it (an optional call skips its arguments).
      const report = await runBatch(messages);
      options.onBatch?.(report);
    }
  };

  // Each poller is one batch in flight. A FIFO group with a message in flight goes to no other
  // receiver, so on a FIFO queue the batches in flight never exceed the groups with visible
  // messages, nor maxConcurrency: Lambda caps a FIFO mapping's concurrent invocations at the lower
  // of the number of message groups and its maximum concurrency.
  // https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-scaling.html
  const pollers = Array.from({ length: options.maxConcurrency ?? 2 }, () => poller());
  return {
    /** Stops polling; resolves when the batches in flight have finished and been acknowledged. */
    stop: async (): Promise<void> => {
      abort.abort();
      await Promise.allSettled(pollers);
    },
  };
};
