import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ChangeMessageVisibilityBatchCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { DeadLetterOptionsError } from '../../../lib/dlq/errors.ts';
import { exportDeadLetters } from '../../../lib/dlq/index.ts';

const dir = mkdtempSync(join(tmpdir(), 'dlq-export-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const sqs = mockClient(SQSClient);
afterEach(() => sqs.reset());
const queueUrl = 'http://127.0.0.1:1/000000000000/orders-dlq';
const client = new SQSClient({
  region: 'us-east-1',
  credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
});

describe('dlq export --to FILE', () => {
  it('refuses a file that exists before reading the queue (each read adds 1 to every message’s receive count)', async () => {
    const file = join(dir, 'old.jsonl');
    writeFileSync(file, 'kept\n');
    await expect(exportDeadLetters({ client, queueUrl, file })).rejects.toThrow(DeadLetterOptionsError);
    expect(sqs.commandCalls(ReceiveMessageCommand)).toHaveLength(0);
    expect(readFileSync(file, 'utf8')).toBe('kept\n');
  });

  it('refuses a file in a directory that does not exist, in one line, before reading the queue', async () => {
    const file = join(dir, 'nope', 'dlq.jsonl');
    await expect(exportDeadLetters({ client, queueUrl, file })).rejects.toThrow(
      `${file}: no directory ${join(dir, 'nope')}`,
    );
    expect(sqs.commandCalls(ReceiveMessageCommand)).toHaveLength(0);
  });

  it('writes an empty queue to a new file', async () => {
    sqs.on(GetQueueAttributesCommand).resolves({ Attributes: { ApproximateNumberOfMessages: '0' } });
    sqs.on(ReceiveMessageCommand).resolves({ Messages: [] });
    sqs.on(ChangeMessageVisibilityBatchCommand).resolves({});
    const file = join(dir, 'new.jsonl');
    const read = await exportDeadLetters({ client, queueUrl, file, timeoutMs: 2_000 });
    expect(read.letters).toEqual([]);
    expect(readFileSync(file, 'utf8')).toBe('');
  });
});
