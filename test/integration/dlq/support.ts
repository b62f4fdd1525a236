import {
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  type Message,
  ReceiveMessageCommand,
  SendMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { SQSRecord } from 'aws-lambda';
import { sendToDeadLetterQueue } from '../../../lib/sqs/dead-letter.ts';
import { uniqueName } from '../../support/local.ts';
import { sqsRecord } from '../../support/sqs-events.ts';

export const createQueue = async (client: SQSClient, prefix: string, fifo = false, attributes = {}) => {
  const name = `${uniqueName(prefix)}${fifo ? '.fifo' : ''}`;
  const { QueueUrl = '' } = await client.send(
    new CreateQueueCommand({
      QueueName: name,
      Attributes: { ...(fifo ? { FifoQueue: 'true' } : {}), ...attributes },
    }),
  );
  return { name, url: QueueUrl };
};

export const arnOf = async (client: SQSClient, url: string) =>
  (await client.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] })))
    .Attributes!.QueueArn!;

/** Dead-letters a record the way sqsBatch does, from the named source queue. */
export const deadLetter = (
  client: SQSClient,
  dlqUrl: string,
  source: string,
  record: SQSRecord,
  error: Error = Object.assign(new Error('amount must be positive'), { name: 'MessageValidationError' }),
) => sendToDeadLetterQueue(client, dlqUrl, record, error, source);

export const order = (id: string, options: Parameters<typeof sqsRecord>[2] = {}) =>
  sqsRecord(id, { orderId: id, secret: `card-${id}` }, options);

/** Every message in a queue, in the order received, deleting each batch (a FIFO group's next batch comes after). */
export const drain = async (client: SQSClient, url: string): Promise<Message[]> => {
  const all: Message[] = [];
  for (let i = 0; i < 100; i++) {
    const { Messages = [] } = await client.send(
      new ReceiveMessageCommand({
        QueueUrl: url,
        MaxNumberOfMessages: 10,
        VisibilityTimeout: 60,
        MessageAttributeNames: ['All'],
        MessageSystemAttributeNames: ['All'],
      }),
    );
    if (Messages.length === 0) return all;
    all.push(...Messages);
    await client.send(
      new DeleteMessageBatchCommand({
        QueueUrl: url,
        Entries: Messages.map((m, j) => ({ Id: String(j), ReceiptHandle: m.ReceiptHandle! })),
      }),
    );
  }
  return all;
};

/** Sends one plain message (no attributes of ours), as a producer would. */
export const sendPlain = (client: SQSClient, url: string, body: string, group?: string) =>
  client.send(
    new SendMessageCommand({
      QueueUrl: url,
      MessageBody: body,
      ...(group ? { MessageGroupId: group, MessageDeduplicationId: body } : {}),
    }),
  );
