import { ConditionalCheckFailedException, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { DeleteMessageCommand, ReceiveMessageCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { describe, expect, it } from 'vitest';
import { createFifoQueue, createTable, localClients } from '../../support/local.ts';

describe('local stack', () => {
  const { stack, dynamodb, sqs } = localClients();

  it('listens on loopback only addresses', () => {
    expect(new URL(stack.dynamodb.endpoint).hostname).toBe('127.0.0.1');
    expect(new URL(stack.sqs.endpoint).hostname).toBe('127.0.0.1');
  });

  it('DynamoDB Local enforces a conditional put and returns the existing item', async () => {
    const TableName = await createTable(dynamodb, 'conditional');
    const put = (value: string) =>
      new PutItemCommand({
        TableName,
        Item: { pk: { S: 'order-1' }, value: { S: value } },
        ConditionExpression: 'attribute_not_exists(pk)',
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      });

    await dynamodb.send(put('first'));
    const second = await dynamodb.send(put('second')).catch((error: unknown) => error);

    expect(second).toBeInstanceOf(ConditionalCheckFailedException);
    expect((second as ConditionalCheckFailedException).Item).toEqual({
      pk: { S: 'order-1' },
      value: { S: 'first' },
    });
  });

  it('the SQS emulator round-trips FIFO messages in group order and deletes them', async () => {
    const QueueUrl = await createFifoQueue(sqs, 'roundtrip');
    for (const n of [1, 2, 3]) {
      await sqs.send(
        new SendMessageCommand({
          QueueUrl,
          MessageBody: JSON.stringify({ n }),
          MessageGroupId: 'customer-1',
          MessageDeduplicationId: `m-${n}`,
        }),
      );
    }

    const seen: number[] = [];
    for (let attempt = 0; attempt < 10 && seen.length < 3; attempt++) {
      const { Messages = [] } = await sqs.send(
        new ReceiveMessageCommand({
          QueueUrl,
          MaxNumberOfMessages: 10,
          WaitTimeSeconds: 1,
          MessageSystemAttributeNames: ['MessageGroupId'],
        }),
      );
      for (const message of Messages) {
        expect(message.Attributes?.MessageGroupId).toBe('customer-1');
        seen.push((JSON.parse(message.Body ?? '{}') as { n: number }).n);
        await sqs.send(new DeleteMessageCommand({ QueueUrl, ReceiptHandle: message.ReceiptHandle }));
      }
    }

    expect(seen).toEqual([1, 2, 3]);
    const { Messages } = await sqs.send(new ReceiveMessageCommand({ QueueUrl, WaitTimeSeconds: 0 }));
    expect(Messages ?? []).toEqual([]);
  });
});
