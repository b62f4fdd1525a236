import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { readAssembly } from '../local/template.ts';
import { CliSetupError } from './errors.ts';
import { removeTempDir } from './interrupt.ts';
import { assertLocalPeers } from './requirements.ts';
import { synthesize } from './synth.ts';

/** The options every command shares: which app, which stacks, which context. */
export type AppOptions = { app?: string; assembly?: string; stack?: string[]; context?: string[] };

/** Adds `--app`, `--assembly`, `--stack` and `--context` to a command. */
export const appOptions = (command: Command): Command =>
  command
    .option('--app <command>', "the command that runs your CDK app (default: cdk.json's app)")
    .option('--assembly <dir>', 'an already synthesized cloud assembly (cdk.out) instead of synthesizing')
    .option('--stack <name...>', 'only these stacks (default: every stack of the app)')
    .option('-c, --context <key=value...>', 'CDK context for the synthesis, as cdk synth -c');

const contextOf = (pairs: readonly string[] = []) =>
  Object.fromEntries(
    pairs.map((pair) => {
      const at = pair.indexOf('=');
      if (at <= 0) throw new CliSetupError(`--context ${pair}: expected key=value.`);
      return [pair.slice(0, at), pair.slice(at + 1)];
    }),
  );

/**
 * Checks the local stack's packages, then synthesizes the app (or takes `--assembly`) and checks
 * `--stack`. `cleanup()` removes what it synthesized.
 */
export const prepareApp = async (
  options: AppOptions,
  projectRoot: string,
  context: Record<string, string> = {},
): Promise<{ assembly: string; stacks: string[] | undefined; cleanup: () => void }> => {
  assertLocalPeers();
  let assembly: string;
  let cleanup = () => {};
  if (options.assembly) {
    assembly = resolve(projectRoot, options.assembly);
    if (!existsSync(assembly)) throw new CliSetupError(`--assembly ${options.assembly}: no such directory.`);
  } else {
    assembly = await synthesize({
      projectRoot,
      ...(options.app ? { app: options.app } : {}),
      context: { ...context, ...contextOf(options.context) },
    });
    const dir = assembly;
    cleanup = () => removeTempDir(dir);
  }
  try {
    const names = readAssembly(assembly).map((t) => t.stackName);
    const unknown = (options.stack ?? []).filter((name) => !names.includes(name));
    if (unknown.length > 0)
      throw new CliSetupError(`--stack ${unknown.join(', ')}: the app's stacks are ${names.join(', ')}.`);
  } catch (error) {
    cleanup();
    throw error;
  }
  return { assembly, stacks: options.stack, cleanup };
};
