import { DeleteMessageCommand, ReceiveMessageCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { describe, expect, it } from 'vitest';
import { NonRetryableError } from '../../../lib/errors.ts';
import { DeadLetterAttribute, sqsBatch } from '../../../lib/sqs/index.ts';
import { createFifoQueue, localClients } from '../../support/local.ts';
import { captureLogger, failedIds, lambdaContext, sqsEvent, sqsRecord } from '../../support/sqs-events.ts';

const { sqs } = localClients();

describe('poison records on the SQS emulator', () => {
  it('go to the dead-letter queue with the error attributes while the rest succeeds', async () => {
    const deadLetterQueueUrl = await createFifoQueue(sqs, 'poison-dlq');
    const processed: string[] = [];
    const handler = sqsBatch<{ orderId: string; amount: number }>(
      async ({ body }) => {
        if (body.amount <= 0) throw new NonRetryableError(`amount ${body.amount} is not positive`);
        processed.push(body.orderId);
      },
      { deadLetterQueueUrl, sqsClient: sqs, metrics: false, logger: captureLogger().logger },
    );
    const event = sqsEvent(
      sqsRecord('m1', { orderId: 'o1', amount: 5 }, { group: 'c1' }),
      sqsRecord(
        'm2',
        { orderId: 'o2', amount: -3 },
        { group: 'c1', attributes: { trace: { dataType: 'String', stringValue: 't-9' } as never } },
      ),
      sqsRecord('m3', { orderId: 'o3', amount: 7 }, { group: 'c1' }),
      sqsRecord('m4', 'this is not json', { group: 'c2', raw: true }),
    );

    const response = await handler(event, lambdaContext());

    expect(failedIds(response)).toEqual([]);
    expect(processed).toEqual(['o1', 'o3']);
    const dead = [];
    for (let attempt = 0; attempt < 5 && dead.length < 2; attempt++) {
      const { Messages = [] } = await sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: deadLetterQueueUrl,
          MaxNumberOfMessages: 10,
          WaitTimeSeconds: 1,
          MessageAttributeNames: ['All'],
        }),
      );
      dead.push(...Messages);
    }
    const bySource = Object.fromEntries(
      dead.map((m) => [m.MessageAttributes?.[DeadLetterAttribute.SourceMessageId]?.StringValue, m]),
    );
    expect(Object.keys(bySource).sort()).toEqual(['m2', 'm4']);
    expect(bySource.m2?.Body).toBe(JSON.stringify({ orderId: 'o2', amount: -3 }));
    expect(bySource.m2?.MessageAttributes?.trace?.StringValue).toBe('t-9');
    expect(bySource.m2?.MessageAttributes?.[DeadLetterAttribute.ErrorName]?.StringValue).toBe(
      'NonRetryableError',
    );
    expect(bySource.m2?.MessageAttributes?.[DeadLetterAttribute.ErrorMessage]?.StringValue).toBe(
      'amount -3 is not positive',
    );
    expect(bySource.m4?.MessageAttributes?.[DeadLetterAttribute.ErrorName]?.StringValue).toBe(
      'MessageParseError',
    );
    expect(bySource.m4?.Body).toBe('this is not json');
  });

  it('a retried dead-letter send is deduplicated on a FIFO DLQ', async () => {
    const deadLetterQueueUrl = await createFifoQueue(sqs, 'dedup-dlq');
    const handler = sqsBatch(
      async () => {
        throw new NonRetryableError('poison');
      },
      { deadLetterQueueUrl, sqsClient: sqs, metrics: false, logger: captureLogger().logger },
    );
    const event = sqsEvent(sqsRecord('m1', { x: 1 }, { group: 'g' }));
    await handler(event);
    await handler(event); // the same record again, as after a lost acknowledgement
    await sqs.send(
      new SendMessageCommand({
        QueueUrl: deadLetterQueueUrl,
        MessageBody: 'marker',
        MessageGroupId: 'g',
        MessageDeduplicationId: 'marker',
      }),
    );

    // Read and delete until the marker: a second copy of the poison message would come before it.
    const bodies: string[] = [];
    for (let attempt = 0; attempt < 10 && !bodies.includes('marker'); attempt++) {
      const { Messages = [] } = await sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: deadLetterQueueUrl,
          MaxNumberOfMessages: 10,
          WaitTimeSeconds: 1,
        }),
      );
      for (const message of Messages) {
        bodies.push(message.Body ?? '');
        await sqs.send(
          new DeleteMessageCommand({ QueueUrl: deadLetterQueueUrl, ReceiptHandle: message.ReceiptHandle }),
        );
      }
    }
    expect(bodies.at(-1)).toBe('marker');
    expect(bodies.filter((b) => b !== 'marker')).toHaveLength(1);
  });
});
