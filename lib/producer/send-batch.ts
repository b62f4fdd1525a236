import type { SQSClient } from '@aws-sdk/client-sqs';
import { loadSqsSdk } from '../sqs-sdk.ts';
import type { EntryOutcome } from './deliver.ts';
import type { PreparedMessage } from './message.ts';

// An SDK error SQS blames on the request (invalid parameter, missing queue, access denied) will
// fail again; throttling and server errors may not.
const isPermanent = (error: unknown) => {
  const e = error as { $fault?: string; name?: string };
  return e.$fault === 'client' && !/Throttl|TooManyRequests|RequestTimeout/i.test(e.name ?? '');
};

/**
 * One `SendMessageBatch` call, answered entry by entry: the call can succeed while entries
 * fail, so each result is read on its own (SendMessageBatch API reference); a call that throws
 * fails every entry with its error.
 */
export const batchSender =
  (client: () => Promise<SQSClient>, queueUrl: string) =>
  async (batch: readonly PreparedMessage[]): Promise<EntryOutcome[]> => {
    try {
      const { SendMessageBatchCommand } = await loadSqsSdk();
      const response = await (await client()).send(
        new SendMessageBatchCommand({
          QueueUrl: queueUrl,
          Entries: batch.map((m, i) => ({ Id: String(i), ...m.entry })),
        }),
      );
      const accepted = new Map((response.Successful ?? []).map((ok) => [ok.Id, ok.MessageId ?? '']));
      const rejected = new Map((response.Failed ?? []).map((entry) => [entry.Id, entry]));
      return batch.map((message, i): EntryOutcome => {
        const messageId = accepted.get(String(i));
        if (messageId !== undefined) return { ok: true, messageId };
        const entry = rejected.get(String(i));
        return {
          ok: false,
          failure: {
            id: message.id,
            code: entry?.Code ?? 'MissingResult',
            reason: entry ? (entry.Message ?? '') : 'SQS reported no result for the entry',
            senderFault: entry?.SenderFault === true,
          },
        };
      });
    } catch (error) {
      const e = error as Error;
      return batch.map((message) => ({
        ok: false,
        failure: { id: message.id, code: e.name, reason: e.message, senderFault: isPermanent(error) },
      }));
    }
  };
