// Adversarial review of issue 21: an ambiguous guard write with a 128-bit position (an SQS
// SequenceNumber passed as a string, as docs/semantics.md asks), read back through the real
// document client (its unmarshalling included): the SDK speaks HTTP to a fake DynamoDB here.
import { Readable } from 'node:stream';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from 'vitest';
import { updateOncePerKey } from '../../../lib/idempotency/index.ts';
import { sqsBatch } from '../../../lib/sqs/index.ts';
import { captureLogger, failedIds, lambdaContext, sqsEvent, sqsRecord } from '../../support/sqs-events.ts';

const POSITION = '18446744073709551616123'; // > 2^64: a SequenceNumber-sized decimal

const fakeDynamo = () => {
  const targets: string[] = [];
  let nonce = '';
  const client = new DynamoDBClient({
    region: 'us-east-1',
    maxAttempts: 1,
    credentials: { accessKeyId: 'x', secretAccessKey: 'y' },
    requestHandler: {
      handle: async (request: { headers: Record<string, string>; body: string }) => {
        const target = String(request.headers['x-amz-target']).split('.')[1] ?? '';
        targets.push(target);
        const input = JSON.parse(request.body);
        if (target === 'UpdateItem') {
          nonce = input.ExpressionAttributeValues[':reCall'].S;
          // The write lands; its answer is lost.
          throw Object.assign(new Error('socket hang up after the request was written'), {
            name: 'TimeoutError',
          });
        }
        // GetItem: the item as the landed write left it.
        const body = JSON.stringify({
          Item: {
            pk: { S: 'order-1' },
            idempotencyKey: { S: 'order-1' },
            idempotencyCall: { S: nonce },
            idempotencyPosition: { N: POSITION },
            paid: { BOOL: true },
          },
        });
        return {
          // An HttpResponse in shape (HttpResponse.isInstance checks the fields).
          response: {
            statusCode: 200,
            headers: { 'content-type': 'application/x-amz-json-1.0' },
            body: Readable.from([Buffer.from(body)]),
          },
        };
      },
    } as never,
  });
  return { client, targets };
};

describe('attack: ambiguous guard write with a 128-bit position', () => {
  it.each([false, true])(
    'is read back as this call’s commit: processed, not retried (groupCommit %s)',
    async (groupCommit) => {
      const { client, targets } = fakeDynamo();
      const { logger } = captureLogger();
      const handler = sqsBatch<{ id: string }>(
        async (m, { transaction }) => {
          transaction.update(
            updateOncePerKey(
              {
                TableName: 'orders',
                Key: { pk: m.body.id },
                UpdateExpression: 'SET paid = :t',
                ExpressionAttributeValues: { ':t': true },
              },
              { position: POSITION },
            ),
          );
        },
        {
          metrics: false,
          logger,
          groupCommit,
          fence: false,
          idempotency: { mode: 'effect-conditional', client, key: (m) => m.body.id },
        },
      );
      const response = await handler(
        sqsEvent(sqsRecord('m1', { id: 'order-1' }, { group: 'g' })),
        lambdaContext(),
      );
      expect(targets).toEqual(['UpdateItem', 'GetItem']);
      // Observed: the document client refuses to unmarshall the 23-digit number, readBack's
      // `.catch(() => 'none')` takes the landed write for "not landed", and the record is retried.
      expect(failedIds(response)).toEqual([]);
    },
  );
});
