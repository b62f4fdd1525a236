import {
  ChangeMessageVisibilityBatchCommand,
  GetQueueAttributesCommand,
  type Message,
  ReceiveMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { type DeadLetter, toDeadLetter } from './dead-letter-message.ts';
import { DeadLetterOptionsError } from './errors.ts';

export type ReadDeadLettersOptions = {
  client: SQSClient;
  queueUrl: string;
  /**
   * How long each message read stays invisible. Reading a message hides it from every other reader
   * for this long and adds 1 to its receive count; the messages read are made visible again at the
   * end. @default 15
   */
  visibilityTimeoutSeconds?: number;
  /** The most messages to read. @default 1000 */
  maxMessages?: number;
  /** The longest the read may take (ms). @default 60_000 */
  timeoutMs?: number;
};

export type DeadLetterRead = {
  letters: DeadLetter[];
  /** The queue's ApproximateNumberOfMessages + NotVisible before the read. */
  approximateCount: number;
  fifo: boolean;
};

export const readDefaults = { visibilityTimeoutSeconds: 15, maxMessages: 1000, timeoutMs: 60_000 } as const;

// https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_ReceiveMessage.html
export const RECEIVE_ATTRIBUTES = {
  MaxNumberOfMessages: 10,
  MessageAttributeNames: ['All'],
  MessageSystemAttributeNames: ['All' as const],
  WaitTimeSeconds: 0,
};

export const checkVisibility = (name: string, seconds: number) => {
  // SQS: a visibility timeout of 0 s to 12 hours.
  // https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-visibility-timeout.html
  if (!Number.isInteger(seconds) || seconds < 1 || seconds > 43_200)
    throw new DeadLetterOptionsError(`${name}: expected whole seconds from 1 to 43200, got ${seconds}.`);
};

/** Makes messages visible again at once (ChangeMessageVisibility to 0), 10 per request. */
export const release = async (client: SQSClient, queueUrl: string, handles: readonly string[]) => {
  for (let i = 0; i < handles.length; i += 10) {
    const entries = handles.slice(i, i + 10).map((ReceiptHandle, j) => ({
      Id: String(j),
      ReceiptHandle,
      VisibilityTimeout: 0,
    }));
    // A handle that expired meanwhile fails alone; its message is visible already.
    await client.send(new ChangeMessageVisibilityBatchCommand({ QueueUrl: queueUrl, Entries: entries }));
  }
};

export const approximateCount = async (client: SQSClient, queueUrl: string) => {
  const { Attributes = {} } = await client.send(
    new GetQueueAttributesCommand({
      QueueUrl: queueUrl,
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
    }),
  );
  return (
    Number(Attributes.ApproximateNumberOfMessages ?? 0) +
    Number(Attributes.ApproximateNumberOfMessagesNotVisible ?? 0)
  );
};

/**
 * Reads a dead-letter queue without deleting anything: receives until the queue returns nothing
 * (each message hidden for `visibilityTimeoutSeconds`), then makes every message read visible again.
 * On a FIFO queue a group whose messages are in flight returns no more, so a read shows at most the
 * messages of each group that one receive returned (up to 10); `approximateCount` says how many there are.
 *
 * @example
 * const { letters } = await readDeadLetters({ client, queueUrl: dlqUrl });
 */
export const readDeadLetters = async (options: ReadDeadLettersOptions): Promise<DeadLetterRead> => {
  const opts = { ...readDefaults, ...options };
  checkVisibility('visibilityTimeoutSeconds', opts.visibilityTimeoutSeconds);
  const { client, queueUrl } = opts;
  const count = await approximateCount(client, queueUrl);
  const byId = new Map<string, Message>();
  const deadline = Date.now() + opts.timeoutMs;
  try {
    for (let round = 0; byId.size < opts.maxMessages && Date.now() < deadline && round < 10_000; round++) {
      const { Messages = [] } = await client.send(
        new ReceiveMessageCommand({
          QueueUrl: queueUrl,
          ...RECEIVE_ATTRIBUTES,
          MaxNumberOfMessages: Math.min(10, opts.maxMessages - byId.size),
          VisibilityTimeout: opts.visibilityTimeoutSeconds,
        }),
      );
      // A message seen again (its visibility ran out during a long read) keeps its place; a receive
      // that brings nothing new ends the read.
      const fresh = Messages.filter((m) => !byId.has(m.MessageId ?? ''));
      for (const message of Messages) byId.set(message.MessageId ?? '', message);
      if (fresh.length === 0) break;
    }
  } finally {
    await release(
      client,
      queueUrl,
      [...byId.values()].map((m) => m.ReceiptHandle ?? ''),
    );
  }
  return {
    letters: [...byId.values()].map(toDeadLetter),
    approximateCount: count,
    fifo: queueUrl.endsWith('.fifo'),
  };
};
