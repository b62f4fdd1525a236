import type { Command } from 'commander';
import { type DiscardReport, discardDeadLetter, replayDeadLetters } from '../dlq/index.ts';
import { appliedLookupOf, type DlqFlags, positive, withQueues } from './dlq-setup.ts';
import { renderReplaySummary } from './dlq-view.ts';
import { CliSetupError } from './errors.ts';

type DiscardFlags = DlqFlags & {
  group?: string;
  messageId: string;
  to: string;
  replay: boolean;
  rate?: number;
};

const renderPark = (report: DiscardReport) => {
  const park = report.park;
  if (!park) return '  no group: nothing was parked behind it';
  switch (park.kind) {
    case 'moved':
      return `  the park of group ${report.groupId} now waits for message ${park.to}, its first left in the DLQ: replaying it releases the group`;
    case 'lifted':
      return `  group ${report.groupId} is released: no message of it is left in the DLQ`;
    case 'not-parked':
      return `  group ${report.groupId} is not parked`;
    case 'parked-elsewhere':
      return `  group ${report.groupId} is parked behind message ${park.behind}, not this one: left as it is`;
  }
};

/** `reliable-events dlq discard`: the way out for a poison head whose replay would park its group again. */
export const addDiscardCommand = (command: Command) =>
  command
    .description(
      "Export one dead letter to a file, delete it, move its group's park to the next message, and replay the group.",
    )
    .option('--group <id>', 'its message group (required on a FIFO queue)')
    .requiredOption(
      '--message-id <id>',
      'its id in the dead-letter queue, or its source message id (dlq show lists both)',
    )
    .requiredOption(
      '--to <file>',
      'the JSONL file it is appended to (and synced) before it is deleted; readable by you only',
    )
    .option('--no-replay', "only discard and move the park; replay the group later with 'dlq replay --group'")
    .option('--rate <n>', 'replay at most N messages per second', positive)
    .addHelpText(
      'after',
      "\nThe park lives in the consumer's idempotency table: name it with --idempotency-table, or --applied to read it from the app. Safe to run again after a crash at any step; exits 1 when something stays in the DLQ.",
    )
    .action(async (refs: string[], flags: DiscardFlags) => {
      await withQueues(refs, flags, async (client, queues, app) => {
        if (queues.length !== 1)
          throw new CliSetupError(`Name one dead-letter queue to discard from (got ${queues.length}).`);
        const [queue] = queues as [(typeof queues)[0]];
        const fifo = queue.url.endsWith('.fifo');
        if (fifo && !flags.group)
          throw new CliSetupError('--group: a FIFO dead letter is discarded by its group and message id.');
        const lookup = fifo ? await appliedLookupOf({ ...flags, applied: true }, app) : undefined;
        if (lookup && lookup.tables.length !== 1)
          throw new CliSetupError(
            `The app has ${lookup.tables.length} idempotency tables (${lookup.tables.join(', ')}): name the one of this queue's consumer with --idempotency-table.`,
          );
        console.log(`dead-letter queue ${queue.name}  ${queue.url}`);
        const report = await discardDeadLetter({
          client,
          queueUrl: queue.url,
          messageId: flags.messageId,
          ...(flags.group ? { group: flags.group } : {}),
          file: flags.to,
          ...(lookup
            ? {
                fence: {
                  tableName: lookup.tables[0] as string,
                  ...(lookup.client ? { client: lookup.client } : {}),
                },
              }
            : {}),
          ...(flags.visibilityTimeout ? { visibilityTimeoutSeconds: flags.visibilityTimeout } : {}),
        });
        console.log(
          report.outcome === 'discarded'
            ? `  discarded ${report.messageId} (replay id ${report.replayId}): written to ${report.file} and synced, then deleted`
            : `  ${report.messageId} was discarded before (it is in ${report.file}, not in the DLQ)`,
        );
        console.log(renderPark(report));
        if (report.park?.kind === 'parked-elsewhere') {
          process.exitCode = 1;
          return;
        }
        if (!flags.replay || !report.groupId) return;
        const replay = await replayDeadLetters({
          client,
          queueUrl: queue.url,
          filter: { group: report.groupId },
          ...(flags.rate ? { ratePerSecond: flags.rate } : {}),
          ...(flags.visibilityTimeout ? { visibilityTimeoutSeconds: flags.visibilityTimeout } : {}),
        });
        console.log(renderReplaySummary(replay, false));
        if (replay.held > 0) process.exitCode = 1;
      });
    });
