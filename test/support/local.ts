import { randomUUID } from 'node:crypto';
import {
  type AttributeDefinition,
  CreateTableCommand,
  DynamoDBClient,
  type KeySchemaElement,
} from '@aws-sdk/client-dynamodb';
import { CreateQueueCommand, GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { inject } from 'vitest';
import { localClientConfig } from '../../lib/local/index.ts';

/** SDK clients pointed at the run's local stack (started by global-setup.ts). */
export const localClients = () => {
  const stack = inject('localStack');
  const dynamodb = new DynamoDBClient(localClientConfig(stack, stack.dynamodb.endpoint));
  return {
    stack,
    dynamodb,
    documents: DynamoDBDocumentClient.from(dynamodb),
    sqs: new SQSClient(localClientConfig(stack, stack.sqs.endpoint)),
  };
};

/** A name no other test uses, so test files can run in parallel against one stack. */
export const uniqueName = (prefix: string): string => `${prefix}-${randomUUID().slice(0, 8)}`;

/** Creates an on-demand table keyed by `pk` (string) unless other keys are given; returns its name. */
export const createTable = async (
  client: DynamoDBClient,
  prefix: string,
  keys: { schema: KeySchemaElement[]; attributes: AttributeDefinition[] } = {
    schema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
    attributes: [{ AttributeName: 'pk', AttributeType: 'S' }],
  },
): Promise<string> => {
  const TableName = uniqueName(prefix);
  await client.send(
    new CreateTableCommand({
      TableName,
      KeySchema: keys.schema,
      AttributeDefinitions: keys.attributes,
      BillingMode: 'PAY_PER_REQUEST',
    }),
  );
  return TableName;
};

/** Creates a FIFO queue and returns its URL (as the emulator spells it). */
export const createFifoQueue = async (
  client: SQSClient,
  prefix: string,
  attributes: Record<string, string> = {},
): Promise<string> => {
  const { QueueUrl } = await client.send(
    new CreateQueueCommand({
      QueueName: `${uniqueName(prefix)}.fifo`,
      Attributes: { FifoQueue: 'true', ...attributes },
    }),
  );
  if (!QueueUrl) throw new Error('CreateQueue returned no QueueUrl');
  return QueueUrl;
};

/** Messages in a queue, visible or in flight (0 once every message was deleted). */
export const messagesIn = async (client: SQSClient, queueUrl: string): Promise<number> => {
  const { Attributes } = await client.send(
    new GetQueueAttributesCommand({
      QueueUrl: queueUrl,
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
    }),
  );
  return (
    Number(Attributes?.ApproximateNumberOfMessages) +
    Number(Attributes?.ApproximateNumberOfMessagesNotVisible)
  );
};
