// Adversarial review of issue 21: a registered write holding a value the SDK cannot marshal (a
// Date, Infinity) fails in the client before anything is sent, on every delivery alike. Real
// document client and DynamoDB client; the HTTP layer is a fake DynamoDB that accepts everything.
import { Readable } from 'node:stream';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { dynamoDBStore, updateOncePerKey } from '../../../lib/idempotency/index.ts';
import { sqsBatch } from '../../../lib/sqs/index.ts';
import { captureLogger, failedIds, lambdaContext, sqsEvent, sqsRecord } from '../../support/sqs-events.ts';

const DLQ = 'https://sqs.us-east-1.amazonaws.com/123456789012/orders-dlq';
const sqs = mockClient(SQSClient);
beforeEach(() => {
  sqs.reset();
  sqs.on(SendMessageCommand).resolves({ MessageId: 'x' });
});

const fakeDynamo = () => {
  const targets: string[] = [];
  const client = new DynamoDBClient({
    region: 'us-east-1',
    maxAttempts: 1,
    credentials: { accessKeyId: 'x', secretAccessKey: 'y' },
    requestHandler: {
      handle: async (request: { headers: Record<string, string> }) => {
        targets.push(String(request.headers['x-amz-target']).split('.')[1] ?? '');
        return {
          response: {
            statusCode: 200,
            headers: { 'content-type': 'application/x-amz-json-1.0' },
            body: Readable.from([Buffer.from('{}')]),
          },
        };
      },
    } as never,
  });
  return { client, targets };
};

type Body = { id: string };

describe('attack: a write the SDK cannot marshal (a Date) can never pass', () => {
  it.each([
    ['lease', false, false],
    ['optimistic', true, false],
    ['lease + groupCommit', false, true],
  ])(
    'exactly-once %s: dead-lettered at once, not retried until the redrive',
    async (_, optimistic, groupCommit) => {
      const { client } = fakeDynamo();
      const handler = sqsBatch<Body>(
        async (m, { transaction }) => {
          transaction.put({ TableName: 'payments', Item: { pk: m.body.id, paidAt: new Date(0) } });
        },
        {
          metrics: false,
          logger: captureLogger().logger,
          groupCommit,
          fence: false,
          deadLetterQueueUrl: DLQ,
          sqsClient: new SQSClient({}),
          idempotency: {
            store: dynamoDBStore({ tableName: 'idem', client }),
            key: (m) => m.body.id,
            optimistic,
          },
        },
      );
      const response = await handler(sqsEvent(sqsRecord('m1', { id: 'a' }, { group: 'g' })), lambdaContext());
      expect(failedIds(response)).toEqual([]);
      expect(sqs.commandCalls(SendMessageCommand)).toHaveLength(1);
    },
  );

  it.each([false, true])(
    'effect-conditional (groupCommit %s): dead-lettered at once',
    async (groupCommit) => {
      const { client } = fakeDynamo();
      const handler = sqsBatch<Body>(
        async (m, { transaction }) => {
          transaction.update(
            updateOncePerKey({
              TableName: 'payments',
              Key: { pk: m.body.id },
              UpdateExpression: 'SET paidAt = :at',
              ExpressionAttributeValues: { ':at': new Date(0) },
            }),
          );
        },
        {
          metrics: false,
          logger: captureLogger().logger,
          groupCommit,
          fence: false,
          deadLetterQueueUrl: DLQ,
          sqsClient: new SQSClient({}),
          idempotency: { mode: 'effect-conditional', client, key: (m) => m.body.id },
        },
      );
      const response = await handler(sqsEvent(sqsRecord('m1', { id: 'a' }, { group: 'g' })), lambdaContext());
      expect(failedIds(response)).toEqual([]);
      expect(sqs.commandCalls(SendMessageCommand)).toHaveLength(1);
    },
  );
});
