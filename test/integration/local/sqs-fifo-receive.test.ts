import {
  ChangeMessageVisibilityCommand,
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  type Message,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
} from '@aws-sdk/client-sqs';
import { describe, expect, it } from 'vitest';
import { createFifoQueue, localClients, uniqueName } from '../../support/local.ts';

// How the local SQS hands out FIFO messages, checked against the SQS developer guide's FIFO
// delivery logic: one receive takes as many messages of one available group as it can, in order,
// before the next group; a group with a message in flight goes to no other receiver.
// https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/FIFO-queues-understanding-logic.html

const { sqs } = localClients();

const send = async (queueUrl: string, group: string, from: number, to: number) => {
  for (let n = from; n <= to; n += 10) {
    const last = Math.min(to, n + 9);
    await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: Array.from({ length: last - n + 1 }, (_, i) => ({
          Id: `m${n + i}`,
          MessageBody: `${group}${n + i}`,
          MessageGroupId: group,
          MessageDeduplicationId: `${group}-${n + i}`,
        })),
      }),
    );
  }
};

const receive = async (
  queueUrl: string,
  options: { max?: number; visibility?: number; wait?: number } = {},
) => {
  const { Messages = [] } = await sqs.send(
    new ReceiveMessageCommand({
      QueueUrl: queueUrl,
      MaxNumberOfMessages: options.max ?? 10,
      WaitTimeSeconds: options.wait ?? 0,
      MessageSystemAttributeNames: ['ApproximateReceiveCount'],
      ...(options.visibility === undefined ? {} : { VisibilityTimeout: options.visibility }),
    }),
  );
  return Messages;
};

const bodies = (messages: Message[]) => messages.map((m) => m.Body);

const deleteAll = async (queueUrl: string, messages: Message[]) => {
  const { Failed = [] } = await sqs.send(
    new DeleteMessageBatchCommand({
      QueueUrl: queueUrl,
      Entries: messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle })),
    }),
  );
  expect(Failed).toEqual([]);
};

describe('local SQS: FIFO receives shaped like SQS', () => {
  it('returns all 10 messages of one group in one receive, in order, and locks the group until they are deleted', async () => {
    const queueUrl = await createFifoQueue(sqs, 'one-group');
    await send(queueUrl, 'A', 1, 10);

    const first = await receive(queueUrl);
    expect(bodies(first)).toEqual(['A1', 'A2', 'A3', 'A4', 'A5', 'A6', 'A7', 'A8', 'A9', 'A10']);

    // A second receiver, while the group is in flight, gets nothing of it — even once more is sent.
    await send(queueUrl, 'A', 11, 12);
    expect(await receive(queueUrl)).toEqual([]);

    await deleteAll(queueUrl, first.slice(0, 9));
    expect(await receive(queueUrl), 'one message of the group is still in flight').toEqual([]);
    await deleteAll(queueUrl, first.slice(9));
    expect(bodies(await receive(queueUrl))).toEqual(['A11', 'A12']);
  });

  it('gives a group back, whole and in order at its front, when the visibility lapses', async () => {
    const queueUrl = await createFifoQueue(sqs, 'lapse');
    await send(queueUrl, 'A', 1, 12);

    const first = await receive(queueUrl, { visibility: 1 });
    expect(bodies(first)).toEqual(['A1', 'A2', 'A3', 'A4', 'A5', 'A6', 'A7', 'A8', 'A9', 'A10']);
    expect(await receive(queueUrl)).toEqual([]);

    const again = await receive(queueUrl, { wait: 5 });
    expect(bodies(again)).toEqual(bodies(first));
    expect(again.map((m) => m.Attributes?.ApproximateReceiveCount)).toEqual(Array(10).fill('2'));
  });

  it('a message made visible again goes back before the rest of its group', async () => {
    const queueUrl = await createFifoQueue(sqs, 'change-visibility');
    await send(queueUrl, 'A', 1, 4);
    const first = await receive(queueUrl);
    // The consumer gives up on A1, then A2 (each back at once), and deletes the others.
    for (const message of first.slice(0, 2)) {
      await sqs.send(
        new ChangeMessageVisibilityCommand({
          QueueUrl: queueUrl,
          ReceiptHandle: message.ReceiptHandle,
          VisibilityTimeout: 0,
        }),
      );
    }
    await deleteAll(queueUrl, first.slice(2));
    expect(bodies(await receive(queueUrl))).toEqual(['A1', 'A2']);
  });

  it('fills a receive from the next available group when the first runs short, each group in order', async () => {
    const queueUrl = await createFifoQueue(sqs, 'two-groups');
    await send(queueUrl, 'A', 1, 3);
    await send(queueUrl, 'B', 1, 12);
    await send(queueUrl, 'C', 1, 2);

    expect(bodies(await receive(queueUrl))).toEqual([
      'A1',
      'A2',
      'A3',
      'B1',
      'B2',
      'B3',
      'B4',
      'B5',
      'B6',
      'B7',
    ]);
    // A and B are in flight: only C is left to another receiver.
    expect(bodies(await receive(queueUrl))).toEqual(['C1', 'C2']);
    expect(await receive(queueUrl)).toEqual([]);
  });

  it('takes no more than MaxNumberOfMessages', async () => {
    const queueUrl = await createFifoQueue(sqs, 'max');
    await send(queueUrl, 'A', 1, 5);
    expect(bodies(await receive(queueUrl, { max: 3 }))).toEqual(['A1', 'A2', 'A3']);
    expect(await receive(queueUrl)).toEqual([]);
  });

  it('dead-letters a message received more than maxReceiveCount times, and the rest of its group follows in order', async () => {
    const dlqUrl = await createFifoQueue(sqs, 'fifo-dlq');
    const { Attributes } = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: dlqUrl, AttributeNames: ['QueueArn'] }),
    );
    const queueUrl = await createFifoQueue(sqs, 'redrive', {
      RedrivePolicy: JSON.stringify({ deadLetterTargetArn: Attributes?.QueueArn, maxReceiveCount: 2 }),
    });
    await send(queueUrl, 'A', 1, 3);

    // A1 is received twice and never deleted: the third receive moves it to the DLQ.
    expect(bodies(await receive(queueUrl, { max: 1, visibility: 0 }))).toEqual(['A1']);
    expect(bodies(await receive(queueUrl, { max: 1, visibility: 0 }))).toEqual(['A1']);
    expect(bodies(await receive(queueUrl))).toEqual(['A2', 'A3']);
    expect(bodies(await receive(dlqUrl))).toEqual(['A1']);
  });
});

describe('local SQS: bad input gets the errors SQS gives, and loses nothing', () => {
  const errorOf = async (promise: Promise<unknown>) => {
    try {
      await promise;
    } catch (error) {
      return error as Error;
    }
    throw new Error('expected the call to fail');
  };

  it("a FIFO message without a group id: MissingParameter, and the batch's other entries are sent", async () => {
    const queueUrl = await createFifoQueue(sqs, 'no-group');
    const { Successful = [], Failed = [] } = await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: [
          { Id: 'ok', MessageBody: 'A1', MessageGroupId: 'A', MessageDeduplicationId: 'a1' },
          { Id: 'bad', MessageBody: 'X', MessageDeduplicationId: 'x' },
        ],
      }),
    );
    expect(Successful.map((s) => s.Id)).toEqual(['ok']);
    expect(Failed).toEqual([
      expect.objectContaining({ Id: 'bad', SenderFault: true, Code: 'MissingParameter' }),
    ]);
    expect(bodies(await receive(queueUrl))).toEqual(['A1']);
  });

  it.each([0, 11])('MaxNumberOfMessages %i: InvalidParameterValue, and the messages stay', async (max) => {
    const queueUrl = await createFifoQueue(sqs, 'bad-max');
    await send(queueUrl, 'A', 1, 2);
    const error = await errorOf(receive(queueUrl, { max }));
    // The code is InvalidParameterValue; the SDK names the error after the x-amzn-query-error header,
    // which the emulator prefixes with AWS.SimpleQueueService.
    expect(error.name).toMatch(/(^|\.)InvalidParameterValue$/);
    expect((error as Error & { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode).toBe(
      400,
    );
    expect(error.message).toMatch(/MaxNumberOfMessages/);
    const messages = await receive(queueUrl);
    expect(bodies(messages)).toEqual(['A1', 'A2']);
    expect(messages.map((m) => m.Attributes?.ApproximateReceiveCount)).toEqual(['1', '1']);
  });

  it('a receive with VisibilityTimeout 0 leaves the messages visible: the next receive gets them again, in order', async () => {
    const queueUrl = await createFifoQueue(sqs, 'visibility-0');
    await send(queueUrl, 'A', 1, 3);
    expect(bodies(await receive(queueUrl, { visibility: 0 }))).toEqual(['A1', 'A2', 'A3']);
    const again = await receive(queueUrl);
    expect(bodies(again)).toEqual(['A1', 'A2', 'A3']);
    expect(again.map((m) => m.Attributes?.ApproximateReceiveCount)).toEqual(['2', '2', '2']);
  });

  it('a standard queue is unchanged: a receive takes up to 10 in send order', async () => {
    const { QueueUrl = '' } = await sqs.send(new CreateQueueCommand({ QueueName: uniqueName('standard') }));
    await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl,
        Entries: Array.from({ length: 10 }, (_, i) => ({ Id: `m${i}`, MessageBody: `S${i}` })),
      }),
    );
    expect(await receive(QueueUrl)).toHaveLength(10);
  });
});
