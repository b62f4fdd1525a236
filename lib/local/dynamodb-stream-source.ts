import {
  DescribeStreamCommand,
  type DynamoDBStreamsClient,
  GetRecordsCommand,
  GetShardIteratorCommand,
  type _Record as StreamRecord,
} from '@aws-sdk/client-dynamodb-streams';
import type { DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';

export type StreamFunctionHandler = (
  event: DynamoDBStreamEvent,
) => Promise<DynamoDBBatchResponse | undefined | null>;

export type StreamBatchReport = {
  records: number;
  outcome: 'ok' | 'partial' | 'error';
  retried: number;
  error?: unknown;
};

export type DynamoDBStreamSourceOptions = {
  client: DynamoDBStreamsClient;
  streamArn: string;
  handler: StreamFunctionHandler;
  /** @default 100 */
  batchSize?: number;
  /** Pause between empty reads. @default 200 */
  idleMs?: number;
  /** A batch that keeps failing is retried this many times, then skipped (Lambda's MaximumRetryAttempts). @default 10 */
  maxRetryAttempts?: number;
  region?: string;
  onBatch?: (report: StreamBatchReport) => void;
};

const toLambdaRecord = (record: StreamRecord, streamArn: string, region: string): DynamoDBRecord =>
  ({
    eventID: record.eventID,
    eventName: record.eventName,
    eventVersion: record.eventVersion ?? '1.1',
    eventSource: 'aws:dynamodb',
    awsRegion: region,
    eventSourceARN: streamArn,
    dynamodb: {
      ...record.dynamodb,
      ApproximateCreationDateTime:
        record.dynamodb?.ApproximateCreationDateTime instanceof Date
          ? record.dynamodb.ApproximateCreationDateTime.getTime() / 1000
          : record.dynamodb?.ApproximateCreationDateTime,
    },
  }) as DynamoDBRecord;

/**
 * Reads a DynamoDB stream (DynamoDB Local's included) from its oldest record and invokes
 * `handler` like Lambda's stream event source mapping: records in order per shard; on a
 * partial batch response, it resumes from the lowest failed sequence number; on an error it
 * retries the same batch, up to `maxRetryAttempts`.
 *
 * @example
 * const source = startDynamoDBStreamSource({ client, streamArn, handler: outboxRelay({ producer }) });
 * await source.stop();
 */
export const startDynamoDBStreamSource = (options: DynamoDBStreamSourceOptions) => {
  const region = options.region ?? 'us-east-1';
  const abort = new AbortController();
  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
  const shardsStarted = new Set<string>();
  const pollers: Promise<void>[] = [];

  const pollShard = async (shardId: string) => {
    let lastSequence: string | undefined;
    // After the last record handed over, or from the oldest one: a fresh iterator never re-reads.
    const freshIterator = async () =>
      (
        await options.client.send(
          new GetShardIteratorCommand({
            StreamArn: options.streamArn,
            ShardId: shardId,
            ...(lastSequence
              ? { ShardIteratorType: 'AFTER_SEQUENCE_NUMBER', SequenceNumber: lastSequence }
              : { ShardIteratorType: 'TRIM_HORIZON' }),
          }),
        )
      ).ShardIterator;
    let iterator = await freshIterator();
    let pending: StreamRecord[] = [];
    let attempts = 0;
    while (!abort.signal.aborted && (iterator || pending.length > 0)) {
      if (pending.length === 0 && iterator) {
        try {
          const page = await options.client.send(
            new GetRecordsCommand({ ShardIterator: iterator, Limit: options.batchSize ?? 100 }),
          );
          iterator = page.NextShardIterator;
          pending = page.Records ?? [];
        } catch (error) {
          // DynamoDB Local reports an iterator taken on an empty shard as trimmed; iterators also expire.
          if (!/TrimmedDataAccess|ExpiredIterator/.test((error as Error).name)) throw error;
          await sleep(options.idleMs ?? 200);
          iterator = await freshIterator();
          continue;
        }
        if (pending.length === 0) {
          await sleep(options.idleMs ?? 200);
          continue;
        }
      }
      const records = pending.map((r) => toLambdaRecord(r, options.streamArn, region));
      try {
        const response = await options.handler({ Records: records });
        const failed = (response?.batchItemFailures ?? []).map((f) => f.itemIdentifier);
        const from =
          failed.length === 0
            ? -1
            : Math.min(...failed.map((id) => records.findIndex((r) => r.dynamodb?.SequenceNumber === id)));
        if (from < 0) {
          options.onBatch?.({ records: records.length, outcome: 'ok', retried: 0 });
          lastSequence = pending.at(-1)?.dynamodb?.SequenceNumber ?? lastSequence;
          pending = [];
          attempts = 0;
        } else {
          options.onBatch?.({ records: records.length, outcome: 'partial', retried: records.length - from });
          lastSequence =
            from > 0 ? (pending[from - 1]?.dynamodb?.SequenceNumber ?? lastSequence) : lastSequence;
          pending = pending.slice(from);
          attempts++;
        }
      } catch (error) {
        options.onBatch?.({ records: records.length, outcome: 'error', retried: records.length, error });
        attempts++;
      }
      if (attempts > (options.maxRetryAttempts ?? 10)) {
        lastSequence = pending.at(-1)?.dynamodb?.SequenceNumber ?? lastSequence;
        pending = [];
        attempts = 0;
      } else if (attempts > 0) await sleep(options.idleMs ?? 200);
    }
  };

  const discover = async () => {
    while (!abort.signal.aborted) {
      try {
        const { StreamDescription } = await options.client.send(
          new DescribeStreamCommand({ StreamArn: options.streamArn }),
        );
        for (const shard of StreamDescription?.Shards ?? []) {
          if (!shard.ShardId || shardsStarted.has(shard.ShardId)) continue;
          shardsStarted.add(shard.ShardId);
          pollers.push(
            pollShard(shard.ShardId).catch((error) =>
              options.onBatch?.({ records: 0, outcome: 'error', retried: 0, error }),
            ),
          );
        }
      } catch (error) {
        options.onBatch?.({ records: 0, outcome: 'error', retried: 0, error });
      }
      await sleep(1_000);
    }
  };
  const discovery = discover();

  return {
    stop: async (): Promise<void> => {
      abort.abort();
      await discovery;
      await Promise.allSettled(pollers);
    },
  };
};
