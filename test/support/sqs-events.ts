import type { SQSEvent, SQSRecord } from 'aws-lambda';

export const FIFO_ARN = 'arn:aws:sqs:us-east-1:123456789012:orders.fifo';
export const STANDARD_ARN = 'arn:aws:sqs:us-east-1:123456789012:orders';

// SQS numbers a FIFO queue's messages in increasing order (per message group); records made here
// are numbered in the order they are made, 20 digits as SQS writes them.
let nextSequence = 10_000_000_000_000_000_000n;

/** A Lambda SQS record as the event source mapping builds it. */
export const sqsRecord = (
  id: string,
  body: unknown,
  options: {
    group?: string;
    sentAt?: number;
    receiveCount?: number;
    arn?: string;
    raw?: boolean;
    attributes?: SQSRecord['messageAttributes'];
  } = {},
): SQSRecord => ({
  messageId: id,
  receiptHandle: `handle-${id}`,
  body: options.raw ? String(body) : JSON.stringify(body),
  attributes: {
    ApproximateReceiveCount: String(options.receiveCount ?? 1),
    SentTimestamp: String(options.sentAt ?? Date.now()),
    SenderId: 'AIDAEXAMPLE',
    ApproximateFirstReceiveTimestamp: String(Date.now()),
    ...(options.group
      ? { MessageGroupId: options.group, SequenceNumber: String(nextSequence++), MessageDeduplicationId: id }
      : {}),
  },
  messageAttributes: options.attributes ?? {},
  md5OfBody: '',
  eventSource: 'aws:sqs',
  eventSourceARN: options.arn ?? (options.group ? FIFO_ARN : STANDARD_ARN),
  awsRegion: 'us-east-1',
});

export const sqsEvent = (...records: SQSRecord[]): SQSEvent => ({ Records: records });

/** A Lambda context whose remaining time the test controls. */
export const lambdaContext = (remainingMs: () => number = () => 60_000) =>
  ({ getRemainingTimeInMillis: remainingMs, functionName: 'test', awsRequestId: 'req-1' }) as never;

/** A logger that keeps what it is told. */
export const captureLogger = () => {
  const lines: { level: string; message: string; attributes: Record<string, unknown> }[] = [];
  const at = (level: string) => (message: string, attributes: Record<string, unknown>) => {
    lines.push({ level, message, attributes });
  };
  return { lines, logger: { info: at('info'), warn: at('warn'), error: at('error') } };
};

export const failedIds = (response: { batchItemFailures: { itemIdentifier: string }[] }) =>
  response.batchItemFailures.map((f) => f.itemIdentifier);
