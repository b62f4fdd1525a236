import {
  closeSync,
  existsSync,
  fstatSync,
  fsyncSync,
  openSync,
  readFileSync,
  readSync,
  writeSync,
} from 'node:fs';
import { dirname } from 'node:path';
import type { ExportedDeadLetter } from './export.ts';

// Where `dlq discard` keeps what it deletes: the export's JSONL, one message a line, appended and
// synced to disk before the message leaves the dead-letter queue.

/** The line of `file` holding a message of `group` known by `id` (its DLQ or its source message id). */
export const findDiscarded = (file: string, id: string, group?: string): ExportedDeadLetter | undefined => {
  if (!existsSync(file)) return undefined;
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    let entry: ExportedDeadLetter;
    try {
      entry = JSON.parse(line) as ExportedDeadLetter;
    } catch {
      continue; // a line torn by a crash mid-write: its message was never deleted
    }
    if ((entry.messageId === id || entry.replayId === id) && (group === undefined || entry.groupId === group))
      return entry;
  }
  return undefined;
};

/**
 * Appends one line to `file` and syncs it (and, for a new file, its directory) to disk before it
 * returns, so a crash after it cannot lose what it wrote. A new file is readable by its owner only.
 */
export const appendDurably = (file: string, line: string): void => {
  const created = !existsSync(file);
  const fd = openSync(file, 'a+', 0o600);
  try {
    const { size } = fstatSync(fd);
    const last = Buffer.alloc(1);
    // A run that died mid-line left a torn last line: this one starts on a line of its own.
    if (size > 0 && readSync(fd, last, 0, 1, size - 1) === 1 && last[0] !== 0x0a) writeSync(fd, '\n');
    writeSync(fd, `${line}\n`);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  if (created) {
    // The new file's name is durable only once its directory is synced.
    const directory = openSync(dirname(file), 'r');
    try {
      fsyncSync(directory);
    } finally {
      closeSync(directory);
    }
  }
};
