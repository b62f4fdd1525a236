import { existsSync, statSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { MessageAttributeValue } from '@aws-sdk/client-sqs';
import { type DeadLetter, replayIdOf } from './dead-letter-message.ts';
import { DeadLetterOptionsError } from './errors.ts';
import { type DeadLetterRead, type ReadDeadLettersOptions, readDeadLetters } from './read.ts';

/** One line of an export: everything needed to replay the message later, by hand or by tool. */
export type ExportedDeadLetter = {
  deadLetterQueueUrl: string;
  messageId: string;
  replayId: string;
  body: string;
  /** The original attributes (ours removed); binary values base64. */
  attributes: Record<string, { DataType: string; StringValue?: string; BinaryValue?: string }>;
  groupId?: string;
  deduplicationId?: string;
  sequenceNumber?: string;
  source?: { queue: string; messageId?: string; recordedBy: string };
  error?: { name: string; message: string };
  receiveCount: number;
  sentAt: string;
  exportedAt: string;
};

const plain = (attributes: Record<string, MessageAttributeValue>) =>
  Object.fromEntries(
    Object.entries(attributes).map(([name, value]) => [
      name,
      {
        DataType: value.DataType ?? 'String',
        ...(value.StringValue === undefined ? {} : { StringValue: value.StringValue }),
        ...(value.BinaryValue === undefined
          ? {}
          : { BinaryValue: Buffer.from(value.BinaryValue).toString('base64') }),
      },
    ]),
  );

/** One line of an export: a dead letter as `ExportedDeadLetter` JSON. */
export const exportLineOf = (queueUrl: string, letter: DeadLetter, exportedAt: string): string =>
  JSON.stringify({
    deadLetterQueueUrl: queueUrl,
    messageId: letter.messageId,
    replayId: replayIdOf(letter),
    body: letter.body,
    attributes: plain(letter.attributes),
    ...(letter.groupId ? { groupId: letter.groupId } : {}),
    ...(letter.deduplicationId ? { deduplicationId: letter.deduplicationId } : {}),
    ...(letter.sequenceNumber ? { sequenceNumber: letter.sequenceNumber } : {}),
    ...(letter.source ? { source: letter.source } : {}),
    ...(letter.error ? { error: letter.error } : {}),
    receiveCount: letter.receiveCount,
    sentAt: new Date(letter.sentAt).toISOString(),
    exportedAt,
  } satisfies ExportedDeadLetter);

const exists = (file: string) =>
  new DeadLetterOptionsError(`${file} exists: choose a new file (an export never overwrites).`);

/**
 * Writes every message of a dead-letter queue it can read to `file`, one JSON object a line,
 * without deleting any. The file holds payloads: it is created readable by its owner only, and an
 * existing file is never overwritten.
 *
 * @example
 * await exportDeadLetters({ client, queueUrl: dlqUrl, file: 'orders-dlq.jsonl' });
 */
export const exportDeadLetters = async (
  options: ReadDeadLettersOptions & { file: string },
): Promise<DeadLetterRead & { file: string }> => {
  // Before the read: reading adds 1 to every message's receive count, for nothing if the file cannot be written.
  const dir = dirname(resolve(options.file));
  if (!existsSync(dir) || !statSync(dir).isDirectory())
    throw new DeadLetterOptionsError(`${options.file}: no directory ${dir}; name a file in one that exists.`);
  if (existsSync(options.file)) throw exists(options.file);
  const read = await readDeadLetters(options);
  const exportedAt = new Date().toISOString();
  const lines = read.letters.map((letter) => exportLineOf(options.queueUrl, letter, exportedAt));
  try {
    writeFileSync(options.file, lines.map((line) => `${line}\n`).join(''), { flag: 'wx', mode: 0o600 });
  } catch (error) {
    if ((error as { code?: string }).code === 'EEXIST') throw exists(options.file);
    throw error;
  }
  return { ...read, file: options.file };
};
