import { SendMessageBatchCommand, type SQSClient, SQSServiceException } from '@aws-sdk/client-sqs';
import type { AwsClientStub } from 'aws-sdk-client-mock';

type Entry = { Id: string; MessageBody: string; MessageGroupId?: string; MessageDeduplicationId?: string };

export type FakeFifoRules = {
  /** Throttle the whole call (1-based call number). */
  throttleCall?: (call: number) => boolean;
  /** Fail this entry as SQS would report it individually; `true` for a non-sender fault. */
  failEntry?: (body: string, attempt: number) => false | 'retryable' | 'sender-fault';
};

/**
 * A FIFO queue behind the mocked SQS client, as the SendMessageBatch reference describes it:
 * entries are enqueued in the order sent, each result is reported on its own, and a
 * deduplication id seen before is accepted without enqueuing again.
 */
export const fakeFifoQueue = (sqs: AwsClientStub<SQSClient>, rules: FakeFifoRules = {}) => {
  const groups = new Map<string, string[]>();
  const seen = new Set<string>();
  const attempts = new Map<string, number>();
  const calls: string[][] = [];
  sqs.on(SendMessageBatchCommand).callsFake((input) => {
    const entries = input.Entries as Entry[];
    calls.push(entries.map((e) => e.MessageBody));
    if (rules.throttleCall?.(calls.length)) {
      throw new SQSServiceException({
        name: 'RequestThrottled',
        $fault: 'client',
        $metadata: { httpStatusCode: 403 },
        message: 'Request is throttled.',
      });
    }
    const Successful: { Id: string; MessageId: string; MD5OfMessageBody: string }[] = [];
    const Failed: { Id: string; Code: string; Message: string; SenderFault: boolean }[] = [];
    for (const entry of entries) {
      const attempt = (attempts.get(entry.MessageBody) ?? 0) + 1;
      attempts.set(entry.MessageBody, attempt);
      const failure = rules.failEntry?.(entry.MessageBody, attempt) ?? false;
      if (failure) {
        const senderFault = failure === 'sender-fault';
        Failed.push({
          Id: entry.Id,
          Code: senderFault ? 'InvalidMessageContents' : 'InternalError',
          Message: 'entry failed',
          SenderFault: senderFault,
        });
        continue;
      }
      const dedup = entry.MessageDeduplicationId ?? entry.MessageBody;
      if (!seen.has(dedup)) {
        seen.add(dedup);
        const group = entry.MessageGroupId ?? '';
        groups.set(group, [...(groups.get(group) ?? []), entry.MessageBody]);
      }
      Successful.push({ Id: entry.Id, MessageId: `sqs-${entry.MessageBody}`, MD5OfMessageBody: '' });
    }
    return { Successful, Failed };
  });
  return {
    /** Bodies each message group holds, in enqueue order. */
    group: (id: string) => groups.get(id) ?? [],
    /** The bodies of each SendMessageBatch call, in call order. */
    calls,
  };
};
