import type { Applied, DeadLetter, DeadLetterStats, ReplayReport } from '../dlq/index.ts';

export const ageOf = (seconds: number) =>
  seconds < 60
    ? `${seconds} s`
    : seconds < 3600
      ? `${Math.floor(seconds / 60)} min ${seconds % 60} s`
      : seconds < 86_400
        ? `${Math.floor(seconds / 3600)} h ${Math.floor((seconds % 3600) / 60)} min`
        : `${Math.floor(seconds / 86_400)} d ${Math.floor((seconds % 86_400) / 3600)} h`;

const counts = (tally: Record<string, number>, max = 8) => {
  const entries = Object.entries(tally);
  const shown = entries.slice(0, max).map(([key, n]) => `${key} ${n}`);
  return [...shown, ...(entries.length > max ? [`… ${entries.length - max} more`] : [])].join(' · ') || '-';
};

export const readNote = (visibility: number) =>
  `(reading hid each message for up to ${visibility} s and added 1 to its receive count; all were made visible again)`;

export const queueHeader = (
  name: string,
  url: string,
  read: number,
  approximate: number,
  /** Some FIFO group had 10 messages read: its later ones cannot be read without deleting these. */
  groupCut: boolean,
) =>
  `dead-letter queue ${name}  ${url}\n  ${read} read of ~${approximate} in the queue${
    groupCut ? ' (FIFO: a read sees at most 10 messages of a group; replay drains the rest)' : ''
  }`;

const APPLIED_LABEL = {
  applied: 'already applied',
  'not-applied': 'not applied',
  unknown: 'unknown',
} as const;

/** With a lookup: how many messages the consumer already applied, had not, or cannot tell. */
export const tallyApplied = (applied: ReadonlyMap<string, Applied>) => {
  const tally: Record<string, number> = {};
  for (const { status } of applied.values())
    tally[APPLIED_LABEL[status]] = (tally[APPLIED_LABEL[status]] ?? 0) + 1;
  return tally;
};

export const renderStats = (stats: DeadLetterStats, applied?: ReadonlyMap<string, Applied>) =>
  [
    `  oldest     ${stats.oldestAgeSeconds === undefined ? '-' : ageOf(stats.oldestAgeSeconds)}`,
    `  by source  ${counts(stats.bySource)}`,
    `  by error   ${counts(stats.byError)}`,
    `  by group   ${counts(stats.byGroup)}`,
    ...(applied ? [`  applied    ${counts(tallyApplied(applied))}`] : []),
  ].join('\n');

const oneLine = (text: string, max: number) => {
  const flat = text.replace(/\s+/g, ' ');
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
};

/** One message: its error, source, group, receive count and send time; its body only when asked. */
export const renderLetter = (letter: DeadLetter, withBody: boolean, applied?: Applied) =>
  [
    `  ${letter.messageId}  sent ${new Date(letter.sentAt).toISOString()}  received ${letter.receiveCount}×`,
    `    source ${letter.source ? `${letter.source.queue}${letter.source.messageId ? ` (message ${letter.source.messageId})` : ''}` : '(not recorded: dead-lettered by SQS redrive)'}`,
    `    group  ${letter.groupId ?? '-'}`,
    `    error  ${letter.error ? `${letter.error.name}: ${oneLine(letter.error.message, 160)}` : '(none recorded)'}`,
    ...(applied ? [`    applied ${APPLIED_LABEL[applied.status]} (${applied.reason})`] : []),
    ...(withBody ? [`    body   ${letter.body}`] : []),
  ].join('\n');

export const renderReplayProgress = (report: ReplayReport) =>
  `replayed ${report.replayed} · already replayed ${report.alreadyReplayed} · already applied ${report.alreadyApplied} · held ${report.held} · skipped ${report.skipped} (of ~${report.approximateTotal})`;

export const renderReplaySummary = (report: ReplayReport, dryRun: boolean) => {
  const held = new Map<string, number>();
  for (const entry of report.entries)
    if (entry.outcome === 'held') held.set(entry.reason ?? '', (held.get(entry.reason ?? '') ?? 0) + 1);
  const targets = new Map<string, number>();
  for (const entry of report.entries)
    if (entry.outcome === 'replayed' || entry.outcome === 'would-replay')
      targets.set(entry.target ?? '', (targets.get(entry.target ?? '') ?? 0) + 1);
  const looked = report.entries.some((entry) => entry.applied !== undefined);
  const sentApplied = report.alreadyApplied - report.deletedApplied;
  return [
    `  ${dryRun ? 'would replay' : 'replayed'} ${report.replayed}${looked ? ` (${sentApplied} already applied: the consumer suppresses them)` : ''}${dryRun ? '' : ` · already replayed ${report.alreadyReplayed}`} · held ${report.held} · skipped ${report.skipped} (not selected)`,
    ...(report.deletedApplied > 0
      ? [
          `  ${dryRun ? 'would delete' : 'deleted'} ${report.deletedApplied} already applied, not sent (--skip-applied)`,
        ]
      : []),
    ...[...targets].map(([target, n]) => `    ${String(n).padStart(5)} → ${target}`),
    ...(held.size > 0 ? ['  held in the dead-letter queue:'] : []),
    ...[...held].map(([reason, n]) => `    ${String(n).padStart(5)}   ${reason}`),
  ].join('\n');
};
