import { readFileSync } from 'node:fs';
import { Command, type Option } from 'commander';
import { describe, expect, it } from 'vitest';
import { addDlqCommand } from '../../../lib/cli/dlq-command.ts';
import { addLocalCommand } from '../../../lib/cli/local-command.ts';
import { addVerifyCommand } from '../../../lib/cli/verify-command.ts';

const doc = (name: string) => readFileSync(new URL(`../../../docs/${name}`, import.meta.url), 'utf8');
const program = new Command('reliable-events');
addVerifyCommand(program);
addLocalCommand(program);
addDlqCommand(program);
const command = (name: string) => program.commands.find((c) => c.name() === name)!;
const flagsOf = (c: Command) => c.options.filter((o: Option) => o.long !== '--help');
const named = (flag: string, text: string) => new RegExp(`\`[^\`]*${flag}(?![\\w-])[^\`]*\``).test(text);
// A flag is documented where a code span names it (`--flag N`, `-c key=value`, `discard --group G`).
const undocumented = (options: Option[], text: string) =>
  options.filter((o) => !named(o.long!, text) && !(o.short && named(o.short, text))).map((o) => o.long!);

describe('every flag --help lists is in the docs (README sends the user to docs/command.md for "every flag")', () => {
  it('verify', () => {
    expect(undocumented(flagsOf(command('verify')), doc('command.md'))).toEqual([]);
  });

  it('local', () => {
    expect(undocumented(flagsOf(command('local')), doc('command.md'))).toEqual([]);
  });

  it('dlq, each subcommand (its flags are in cdk.md, When a dead-letter alarm fires)', () => {
    const text = doc('command.md') + doc('cdk.md');
    const missing = command('dlq').commands.flatMap((sub) =>
      undocumented(flagsOf(sub), text).map((flag) => `${sub.name()} ${flag}`),
    );
    expect(missing).toEqual([]);
  });
});
