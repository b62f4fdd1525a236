// Faults between a producer and SQS, for the fault proxy. SQS's JSON protocol names the
// operation in `x-amz-target` ("AmazonSQS.SendMessageBatch"). A SendMessageBatch call can succeed
// while entries fail: each failed entry is listed in `Failed` with a code and `SenderFault`, and
// only sender faults are the caller's to fix; the others are worth retrying (SQS API reference,
// SendMessageBatch and BatchResultErrorEntry).
// https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_SendMessageBatch.html
// https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_BatchResultErrorEntry.html

/** An entry of a SendMessageBatch request, as the proxy shows it to `failEntry`. */
export type SendBatchEntry = { Id: string; MessageBody?: string; MessageGroupId?: string };

type BatchResultErrorEntry = { Id: string; SenderFault: false; Code: string; Message: string };

export const isSqs = (target: string | undefined) => String(target ?? '').startsWith('AmazonSQS.');

/**
 * SQS's throttling error, as its JSON protocol sends it: the body's `__type` and the query-compatible
 * `x-amzn-query-error` header, which the SDK reads for the error's name (RequestThrottled, which it
 * retries as throttling). Status and code as the SDK's service model gives them.
 */
export const sqsThrottled = {
  status: 403,
  headers: {
    'content-type': 'application/x-amz-json-1.0',
    'x-amzn-query-error': 'RequestThrottled;Sender',
  },
  body: JSON.stringify({
    __type: 'com.amazonaws.sqs#RequestThrottled',
    message: 'Rate exceeded (injected).',
  }),
};

/**
 * Splits a SendMessageBatch request: the entries `failEntry` picks are taken out and answered as
 * failed with `InternalError` (not the sender's fault), the rest go on to SQS. `forward` is the
 * request to send on, or undefined when every entry failed.
 */
export const splitSendBatch = (
  body: Buffer,
  failEntry: (entry: SendBatchEntry) => boolean,
): { forward: Buffer | undefined; failed: BatchResultErrorEntry[] } => {
  let request: { Entries?: SendBatchEntry[] };
  try {
    request = JSON.parse(body.toString('utf8'));
  } catch {
    return { forward: body, failed: [] }; // not ours to judge: SQS answers a malformed request
  }
  const entries = Array.isArray(request.Entries) ? request.Entries : [];
  const failing = new Set(entries.filter((entry) => failEntry(entry)));
  if (failing.size === 0) return { forward: body, failed: [] };
  const failed = [...failing].map((entry) => ({
    Id: entry.Id,
    SenderFault: false as const,
    Code: 'InternalError',
    Message: 'The entry was not sent: an internal error occurred (injected).',
  }));
  const rest = entries.filter((entry) => !failing.has(entry));
  return {
    forward: rest.length === 0 ? undefined : Buffer.from(JSON.stringify({ ...request, Entries: rest })),
    failed,
  };
};

/** SQS's answer to a SendMessageBatch with the taken-out entries added to `Failed`. */
export const withFailedEntries = (
  responseBody: Buffer | undefined,
  failed: BatchResultErrorEntry[],
): Buffer => {
  const response = responseBody
    ? (JSON.parse(responseBody.toString('utf8')) as { Successful?: unknown[]; Failed?: unknown[] })
    : {};
  return Buffer.from(
    JSON.stringify({
      ...response,
      Successful: response.Successful ?? [],
      Failed: [...(response.Failed ?? []), ...failed],
    }),
  );
};
