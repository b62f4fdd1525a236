import { CreateTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import {
  DeleteMessageBatchCommand,
  DeleteMessageCommand,
  type Message,
  ReceiveMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { DynamoDBStreamEvent } from 'aws-lambda';
import { startDynamoDBStreamSource } from '../../../lib/local/dynamodb-stream-source.ts';
import { localClientConfig } from '../../../lib/local/index.ts';
import type { LocalEndpoints } from '../../support/global-setup.ts';
import { uniqueName } from '../../support/local.ts';

/** An outbox table (`pk`, `sk`) with a stream of new images; returns its name and stream. */
export const createOutboxTable = async (dynamodb: DynamoDBClient) => {
  const TableName = uniqueName('outbox');
  const { TableDescription } = await dynamodb.send(
    new CreateTableCommand({
      TableName,
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
      AttributeDefinitions: [
        { AttributeName: 'pk', AttributeType: 'S' },
        { AttributeName: 'sk', AttributeType: 'S' },
      ],
      BillingMode: 'PAY_PER_REQUEST',
      StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_IMAGE' },
    }),
  );
  return { TableName, streamArn: TableDescription?.LatestStreamArn ?? '' };
};

/** Runs `handler` on the table's stream as Lambda would; `stop()` when done. */
export const relayStream = (
  stack: LocalEndpoints,
  streamArn: string,
  handler: (event: DynamoDBStreamEvent) => Promise<unknown>,
  maxRetryAttempts = 3,
) =>
  startDynamoDBStreamSource({
    client: new DynamoDBStreamsClient(localClientConfig(stack, stack.dynamodb.endpoint)),
    streamArn,
    handler: handler as never,
    idleMs: 50,
    maxRetryAttempts,
  });

/**
 * Receives and deletes messages until `expected` have arrived (bounded in reads), then reads
 * once more so a duplicate would show.
 */
export const receiveAll = async (sqs: SQSClient, queueUrl: string, expected: number, maxReads = 40) => {
  const received: Message[] = [];
  const receive = () =>
    sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 1,
        MessageAttributeNames: ['All'],
      }),
    );
  for (let attempt = 0; attempt < maxReads && received.length < expected; attempt++) {
    const { Messages = [] } = await receive();
    for (const message of Messages) {
      received.push(message);
      await sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: message.ReceiptHandle }));
    }
  }
  const { Messages = [] } = await receive();
  return [...received, ...Messages];
};

/** Receives and deletes `{ key, n }` bodies until the queue stays empty; each key's numbers in arrival order. */
export const receiveByKey = async (sqs: SQSClient, queueUrl: string) => {
  const received: Record<string, number[]> = {};
  let emptyReads = 0;
  for (let round = 0; round < 500 && emptyReads < 2; round++) {
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }),
    );
    emptyReads = Messages.length === 0 ? emptyReads + 1 : 0;
    for (const message of Messages) {
      const { key, n } = JSON.parse(message.Body ?? '{}') as { key: string; n: number };
      received[key] = [...(received[key] ?? []), n];
    }
    if (Messages.length > 0)
      await sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: queueUrl,
          Entries: Messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle })),
        }),
      );
  }
  return received;
};
