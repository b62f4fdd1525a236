#!/usr/bin/env node
// The `reliable-events` command: `verify` proves a CDK app under injected faults, `local` runs it,
// `dlq` inspects and replays its dead-letter queues.
import { Command, CommanderError } from 'commander';
import { ReliableEventsError } from '../errors.ts';
import { addDlqCommand } from './dlq-command.ts';
import { listenForInterrupt } from './interrupt.ts';
import { addLocalCommand } from './local-command.ts';
import { addVerifyCommand } from './verify-command.ts';

const program = new Command('reliable-events')
  .description(
    'Run your CDK app locally (DynamoDB Local + an SQS emulator), inject faults, and prove nothing is lost, duplicated or reordered.',
  )
  .exitOverride()
  .showHelpAfterError('(--help for the options)');
addVerifyCommand(program);
addLocalCommand(program);
addDlqCommand(program);

listenForInterrupt();
try {
  await program.parseAsync(process.argv);
  process.exit(process.exitCode ?? 0);
} catch (error) {
  if (error instanceof CommanderError) process.exit(error.exitCode === 0 ? 0 : 2);
  // Our errors say what to do in one line; anything else is a bug, shown whole.
  if (error instanceof ReliableEventsError) console.error(`reliable-events: ${error.message}`);
  else console.error(error);
  process.exit(2);
}
