import { ReceiveMessageCommand, SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterEach, describe, expect, it } from 'vitest';
import { type FaultProxy, localClientConfig, startFaultProxy } from '../../../lib/local/index.ts';
import { createFifoQueue, localClients } from '../../support/local.ts';

// The fault proxy in front of the SQS emulator: SendMessageBatch calls throttled whole, and
// entries failed (not the sender's fault) while the rest of the call is sent.

const { stack, sqs } = localClients();

const entries = (ids: string[]) =>
  ids.map((Id) => ({ Id, MessageBody: Id, MessageGroupId: 'g', MessageDeduplicationId: Id }));

const bodiesIn = async (queueUrl: string) => {
  const { Messages = [] } = await sqs.send(
    new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10 }),
  );
  return Messages.map((m) => m.Body);
};

describe('the fault proxy in front of the SQS emulator', () => {
  let proxy: FaultProxy | undefined;
  afterEach(async () => {
    await proxy?.stop();
    proxy = undefined;
  });
  const through = (p: FaultProxy, maxAttempts?: number) =>
    new SQSClient({ ...localClientConfig(stack, p.endpoint), ...(maxAttempts ? { maxAttempts } : {}) });

  it('throttles a SendMessageBatch call whole with SQS’s RequestThrottled, which the SDK retries', async () => {
    const queueUrl = await createFifoQueue(sqs, 'throttled');
    let throttles = 1;
    proxy = await startFaultProxy({
      target: stack.sqs.endpoint,
      decide: (operation) => (operation === 'SendMessageBatch' && throttles-- > 0 ? 'throttle' : undefined),
    });
    const { Successful = [] } = await through(proxy).send(
      new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: entries(['a', 'b']) }),
    );
    expect(Successful.map((s) => s.Id)).toEqual(['a', 'b']);
    expect(proxy.requests.get('SendMessageBatch')).toBe(2);
    expect(proxy.faults.throttle).toBe(1);

    throttles = 1;
    const error = await through(proxy, 1)
      .send(new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: entries(['c']) }))
      .catch((e: unknown) => e as Error & { $fault?: string });
    expect(error).toMatchObject({ name: 'RequestThrottled', $fault: 'client' });
    expect(await bodiesIn(queueUrl)).toEqual(['a', 'b']);
  });

  it('fails the entries it is told to, not the sender’s fault, and sends the rest', async () => {
    const queueUrl = await createFifoQueue(sqs, 'entries');
    proxy = await startFaultProxy({
      target: stack.sqs.endpoint,
      failEntry: (e) => e.Id === 'b' || e.Id === 'd',
    });
    const response = await through(proxy).send(
      new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: entries(['a', 'b', 'c', 'd', 'e']) }),
    );
    expect(response.Successful?.map((s) => s.Id)).toEqual(['a', 'c', 'e']);
    expect(response.Failed).toEqual([
      expect.objectContaining({ Id: 'b', SenderFault: false, Code: 'InternalError' }),
      expect.objectContaining({ Id: 'd', SenderFault: false, Code: 'InternalError' }),
    ]);
    expect(proxy.faults.failedEntry).toBe(2);
    expect(await bodiesIn(queueUrl)).toEqual(['a', 'c', 'e']);
  });

  it('answers a call whose every entry fails without sending it, as SQS does: 200, each entry in Failed', async () => {
    const queueUrl = await createFifoQueue(sqs, 'all-failed');
    proxy = await startFaultProxy({ target: stack.sqs.endpoint, failEntry: () => true });
    const response = await through(proxy).send(
      new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: entries(['a', 'b']) }),
    );
    expect(response.Successful).toEqual([]);
    expect(response.Failed?.map((f) => [f.Id, f.SenderFault])).toEqual([
      ['a', false],
      ['b', false],
    ]);
    expect(await bodiesIn(queueUrl)).toEqual([]);
  });

  it('leaves other SQS operations and entries it is not told to fail untouched', async () => {
    const queueUrl = await createFifoQueue(sqs, 'untouched');
    proxy = await startFaultProxy({ target: stack.sqs.endpoint, failEntry: () => false });
    const client = through(proxy);
    await client.send(new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: entries(['a']) }));
    const { Messages = [] } = await client.send(new ReceiveMessageCommand({ QueueUrl: queueUrl }));
    expect(Messages.map((m) => m.Body)).toEqual(['a']);
    expect(Object.fromEntries(proxy.requests)).toEqual({ SendMessageBatch: 1, ReceiveMessage: 1 });
    expect(proxy.faults).toEqual({ throttle: 0, hang: 0, 'hang-after': 0, unavailable: 0, failedEntry: 0 });
  });
});
