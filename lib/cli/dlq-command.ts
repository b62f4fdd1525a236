import type { Command } from 'commander';
import {
  deadLetterStats,
  exportDeadLetters,
  lookUpApplied,
  readDeadLetters,
  replayDeadLetters,
} from '../dlq/index.ts';
import { addDiscardCommand } from './dlq-discard-command.ts';
import {
  appliedLookupOf,
  type DlqFlags,
  date,
  groupCut,
  ledgerOf,
  positive,
  seconds,
  withQueues,
} from './dlq-setup.ts';
import {
  queueHeader,
  readNote,
  renderLetter,
  renderReplayProgress,
  renderReplaySummary,
  renderStats,
} from './dlq-view.ts';
import { CliSetupError } from './errors.ts';

const shared = (command: Command) =>
  command
    .argument(
      '[queues...]',
      'dead-letter queues (or their source queues): URLs, names, CDK logical ids or stack outputs; none: every DLQ of the app',
    )
    .option(
      '--local',
      'the queues of a running "reliable-events local" (its SQS endpoint from --endpoint or AWS_ENDPOINT_URL_SQS)',
    )
    .option('--endpoint <url>', 'an SQS endpoint, e.g. the one "reliable-events local" printed')
    .option('--region <region>', "the AWS region (default: the SDK's, from AWS_REGION or your profile)")
    .option('--app <command>', "the command that runs your CDK app (default: cdk.json's app)")
    .option('--assembly <dir>', 'an already synthesized cloud assembly (cdk.out) to find logical ids in')
    .option('--stack <name...>', 'only the queues of these stacks')
    .option(
      '--visibility-timeout <s>',
      'how long each message read stays hidden from consumers (default: 15 s to read, 30 s to replay); each read adds 1 to its receive count',
      seconds,
    )
    .option(
      '--applied',
      "report the messages the consumer already applied, from its idempotency table (the app's consumers' IDEMPOTENCY_TABLE, or --idempotency-table)",
    )
    .option(
      '--idempotency-table <name...>',
      'the idempotency tables to look each message up in (strongly consistent reads); implies --applied',
    );

/** `reliable-events dlq stats|show|replay|export`: what is in the dead-letter queues, and putting it back. */
export const addDlqCommand = (program: Command) => {
  const dlq = program
    .command('dlq')
    .description('Inspect, export and replay dead-letter queues, on AWS or on the local stack.');

  shared(
    dlq
      .command('stats')
      .description("Count dead letters by source queue, error and group; the oldest one's age."),
  ).action(async (refs: string[], flags: DlqFlags) => {
    const visibility = flags.visibilityTimeout ?? 15;
    await withQueues(refs, flags, async (client, queues, app) => {
      const lookup = await appliedLookupOf(flags, app);
      for (const queue of queues) {
        const read = await readDeadLetters({
          client,
          queueUrl: queue.url,
          visibilityTimeoutSeconds: visibility,
        });
        const stats = deadLetterStats(read.letters);
        const cut = groupCut(read.fifo, stats);
        console.log(queueHeader(queue.name, queue.url, read.letters.length, read.approximateCount, cut));
        console.log(renderStats(stats, lookup && (await lookUpApplied(lookup, read.letters))));
      }
      console.log(readNote(visibility));
    });
  });

  shared(
    dlq.command('show').description('List dead letters: error, source, group, receive count, send time.'),
  )
    .option('--body', 'print each message body too (payloads are not printed without it)')
    .option('--limit <n>', 'at most N messages per queue', positive, 50)
    .action(async (refs: string[], flags: DlqFlags & { body?: boolean; limit: number }) => {
      const visibility = flags.visibilityTimeout ?? 15;
      await withQueues(refs, flags, async (client, queues, app) => {
        const lookup = await appliedLookupOf(flags, app);
        for (const queue of queues) {
          const read = await readDeadLetters({
            client,
            queueUrl: queue.url,
            visibilityTimeoutSeconds: visibility,
            maxMessages: flags.limit,
          });
          const applied = lookup && (await lookUpApplied(lookup, read.letters));
          console.log(
            queueHeader(
              queue.name,
              queue.url,
              read.letters.length,
              read.approximateCount,
              read.letters.length < flags.limit && groupCut(read.fifo, deadLetterStats(read.letters)),
            ),
          );
          for (const letter of read.letters)
            console.log(renderLetter(letter, Boolean(flags.body), applied?.get(letter.messageId)));
        }
        console.log(readNote(visibility));
      });
    });

  shared(
    dlq
      .command('replay')
      .description('Send dead letters back to their source queues, in order, then delete them.'),
  )
    .option('--group <id>', 'only this message group')
    .option('--error <name>', 'only messages dead-lettered with this error name')
    .option('--since <when>', 'only messages dead-lettered since (ISO date, or 30m, 2h, 1d ago)', date)
    .option('--to <queue>', 'where messages with no recorded source go (a URL or name); without it they stay')
    .option('--dry-run', 'say what would be replayed; send and delete nothing')
    .option('--rate <n>', 'at most N messages per second', positive)
    .option(
      '--skip-applied',
      'delete a message the consumer already applied instead of sending it (in a FIFO group only those parked behind its head); needs --applied or --idempotency-table',
    )
    .option(
      '--json',
      "print each queue's report as JSON (ids, groups, outcomes; no payloads) instead of text",
    )
    .option(
      '--ledger-table <name>',
      'a DynamoDB table (string key "pk") recording each replay, so a re-run never resends to a standard queue',
    )
    .addHelpText(
      'after',
      '\nExits 0 when every selected message was replayed, 1 when some stay in the dead-letter queue (listed with the reason).',
    )
    .action(
      async (
        refs: string[],
        flags: DlqFlags & {
          group?: string;
          error?: string;
          since?: Date;
          to?: string;
          dryRun?: boolean;
          rate?: number;
          ledgerTable?: string;
          skipApplied?: boolean;
          json?: boolean;
        },
      ) => {
        await withQueues(refs, flags, async (client, queues, app) => {
          const lookup = await appliedLookupOf(flags, app);
          if (flags.skipApplied && !lookup)
            throw new CliSetupError(
              "--skip-applied needs the idempotency table to look messages up in: add --applied (the app's) or --idempotency-table NAME.",
            );
          const say = flags.json ? () => {} : console.log;
          const reports = [];
          let held = 0;
          for (const queue of queues) {
            say(`dead-letter queue ${queue.name}  ${queue.url}${flags.dryRun ? '  (dry run)' : ''}`);
            let shown = 0;
            const report = await replayDeadLetters({
              client,
              queueUrl: queue.url,
              filter: {
                ...(flags.group ? { group: flags.group } : {}),
                ...(flags.error ? { errorName: flags.error } : {}),
                ...(flags.since ? { since: flags.since } : {}),
              },
              ...(flags.to ? { to: flags.to } : {}),
              dryRun: Boolean(flags.dryRun),
              ...(flags.rate ? { ratePerSecond: flags.rate } : {}),
              ...(flags.visibilityTimeout ? { visibilityTimeoutSeconds: flags.visibilityTimeout } : {}),
              ...(flags.ledgerTable ? { ledger: ledgerOf(flags, flags.ledgerTable) } : {}),
              ...(lookup ? { idempotency: lookup, skipApplied: Boolean(flags.skipApplied) } : {}),
              onProgress: (progress) => {
                if (flags.json) return;
                if (process.stdout.isTTY) process.stdout.write(`\r  ${renderReplayProgress(progress)}`);
                else if (progress.entries.length - shown >= 100) {
                  shown = progress.entries.length;
                  console.log(`  ${renderReplayProgress(progress)}`);
                }
              },
            });
            if (process.stdout.isTTY && !flags.json) process.stdout.write('\n');
            say(renderReplaySummary(report, Boolean(flags.dryRun)));
            reports.push({ queue: queue.name, url: queue.url, dryRun: Boolean(flags.dryRun), ...report });
            held += report.held;
          }
          if (flags.json) console.log(JSON.stringify(reports, null, 2));
          if (held > 0) process.exitCode = 1;
        });
      },
    );

  shared(
    dlq
      .command('export')
      .description('Write every dead letter (body, attributes, group, ids, source, error) to a JSONL file.'),
  )
    .requiredOption(
      '--to <file>',
      'the JSONL file to create (never overwritten; readable by you only: it holds payloads)',
    )
    .action(async (refs: string[], flags: DlqFlags & { to: string }) => {
      const visibility = flags.visibilityTimeout ?? 15;
      await withQueues(refs, flags, async (client, queues) => {
        for (const [i, queue] of queues.entries()) {
          const file = queues.length === 1 ? flags.to : flags.to.replace(/(\.jsonl)?$/, `.${i + 1}.jsonl`);
          const read = await exportDeadLetters({
            client,
            queueUrl: queue.url,
            file,
            visibilityTimeoutSeconds: visibility,
            maxMessages: 100_000,
          });
          console.log(
            `${queue.name}: ${read.letters.length} of ~${read.approximateCount} messages → ${file}`,
          );
        }
        console.log(readNote(visibility));
      });
    });

  addDiscardCommand(shared(dlq.command('discard')));
};
