import type { StandardSchemaV1 } from '@standard-schema/spec';
import type { Context, SQSMessageAttributes, SQSRecord } from 'aws-lambda';
import { ConfigurationError } from '../errors.ts';
import type { TransactionCollector } from '../idempotency/transaction.ts';
import type { LoggedMessage } from '../metrics/reliability-log.ts';
import { MessageParseError, MessageValidationError } from './errors.ts';

/** A record as the record handler sees it. */
export type SqsMessage<Body = unknown> = {
  body: Body;
  messageId: string;
  /** FIFO queues: the message group. */
  groupId?: string;
  /** FIFO queues: SQS's own sequence number (a string of digits). */
  sequenceNumber?: string;
  /** How many times SQS has delivered this message (1 on the first delivery). */
  receiveCount: number;
  attributes: SQSMessageAttributes;
  /** The raw Lambda record, untouched. */
  record: SQSRecord;
};

export type RecordContext = {
  /** The Lambda context of the invocation, when there is one. */
  lambdaContext?: Context;
  /** Exactly-once mode: writes registered here commit atomically with the record's completion. */
  transaction: TransactionCollector;
};

export type RecordHandler<Body = unknown, Result = unknown> = (
  message: SqsMessage<Body>,
  context: RecordContext,
) => Promise<Result> | Result;

/** `'json'` (default), `'raw'` (the body string), or any Standard Schema (zod, valibot, arktype…). */
export type ParseOption<Body = unknown> = 'json' | 'raw' | StandardSchemaV1<unknown, Body>;

const parseJson = (record: SQSRecord): unknown => {
  try {
    return JSON.parse(record.body);
  } catch (error) {
    throw new MessageParseError(
      `Message ${record.messageId} is not valid JSON (${(error as Error).message}). Send JSON, or use parse: 'raw'.`,
      { cause: error },
    );
  }
};

/** A record as a message without its body: what can be read of one whose body does not parse. */
export const envelopeOf = (record: SQSRecord): SqsMessage<undefined> => ({
  body: undefined,
  messageId: record.messageId,
  ...(record.attributes?.MessageGroupId === undefined ? {} : { groupId: record.attributes.MessageGroupId }),
  ...(record.attributes?.SequenceNumber === undefined
    ? {}
    : { sequenceNumber: record.attributes.SequenceNumber }),
  receiveCount: Number(record.attributes?.ApproximateReceiveCount ?? '1'),
  attributes: record.messageAttributes ?? {},
  record,
});

/** Turns a Lambda SQS record into the handler's message, parsing and validating the body. */
export const parseRecord = async <Body>(
  record: SQSRecord,
  parse: ParseOption<Body>,
): Promise<SqsMessage<Body>> => {
  let body: unknown;
  if (parse === 'raw') body = record.body;
  else {
    body = parseJson(record);
    if (parse !== 'json') {
      const result = await parse['~standard'].validate(body);
      if (result.issues) {
        const summary = result.issues
          .slice(0, 5)
          .map(
            (issue) =>
              `${(issue.path ?? []).map((p) => (typeof p === 'object' ? String(p.key) : String(p))).join('.') || '(body)'}: ${issue.message}`,
          )
          .join('; ');
        throw new MessageValidationError(
          `Message ${record.messageId} failed validation: ${summary}`,
          result.issues,
        );
      }
      body = result.value;
    }
  }
  return { ...envelopeOf(record), body: body as Body };
};

/** A record after parsing: either a message or the reason it could not be parsed. */
export type PreparedRecord<Body> = { record: SQSRecord; message?: SqsMessage<Body>; parseError?: unknown };

/** Parses a record, keeping the error instead of throwing: one bad record never takes the batch down. */
export const prepareRecord = async <Body>(
  record: SQSRecord,
  parse: ParseOption<Body>,
): Promise<PreparedRecord<Body>> => {
  try {
    return { record, message: await parseRecord(record, parse) };
  } catch (parseError) {
    return { record, parseError };
  }
};

/** How a record appears in log lines (the body is dropped there unless `logBodies`). */
export const loggedMessage = <Body>(
  { record, message }: PreparedRecord<Body>,
  queue: string,
): LoggedMessage => ({
  messageId: record.messageId,
  ...(record.attributes?.MessageGroupId ? { groupId: record.attributes.MessageGroupId } : {}),
  queue,
  body: message ? message.body : record.body,
});

// What to wire instead, for the event sources whose records also come in a `Records` array.
const OTHER_SOURCES: Record<string, string> = {
  'aws:dynamodb':
    'a DynamoDB stream; sqsBatch handles SQS batches only: wire this function to an SQS queue (ReliableConsumer), or use a stream handler for stream records',
  'aws:sns':
    'an SNS notification; subscribe an SQS queue to the topic (raw message delivery) and wire this function to that queue',
  'aws:kinesis':
    'a Kinesis stream; wire this function to an SQS queue, or use a stream handler for Kinesis records',
  'aws:s3':
    'an S3 notification; send the bucket notifications to an SQS queue and wire this function to that queue',
};

/**
 * The records of an SQS event. Any other event is a wiring mistake: rejected, naming what it looks
 * like, instead of every record failing as "not valid JSON".
 */
export const sqsRecordsOf = (event: unknown): SQSRecord[] => {
  const records = (event as { Records?: unknown } | undefined)?.Records;
  if (!Array.isArray(records)) {
    throw new ConfigurationError(
      'sqsBatch received an event without a Records array: wire this function to an SQS event source.',
    );
  }
  const first = records[0] as { eventSource?: unknown; EventSource?: unknown } | undefined;
  const source = first?.eventSource ?? first?.EventSource;
  if (source !== undefined && source !== 'aws:sqs') {
    const looksLike =
      OTHER_SOURCES[String(source)] ?? `an event from ${String(source)}; wire this function to an SQS queue`;
    throw new ConfigurationError(`sqsBatch received ${looksLike}.`);
  }
  return records as SQSRecord[];
};
