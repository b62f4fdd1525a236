import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// What the command made in the temp dir: removed on every exit, Ctrl-C and errors included.
const made = new Set<string>();
const children = new Set<ChildProcess>();
let handler: (() => unknown) | undefined;

process.on('exit', () => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

/** A fresh directory in the temp dir, removed when the command exits if not before (`removeTempDir`). */
export const makeTempDir = (prefix: string): string => {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  made.add(dir);
  return dir;
};

/** Removes a directory `makeTempDir` made. */
export const removeTempDir = (dir: string): void => {
  rmSync(dir, { recursive: true, force: true });
  made.delete(dir);
};

/** A child process to end before the command exits on Ctrl-C (it may be writing into a temp dir). */
export const trackChild = (child: ChildProcess): void => {
  children.add(child);
  child.once('close', () => children.delete(child));
};

/** What Ctrl-C and SIGTERM do from now on instead of stopping the command (`local` ends with a verdict). */
export const onInterrupt = (fn: () => unknown): void => {
  handler = fn;
};

// How long Ctrl-C waits for child processes to end.
const CHILD_GRACE_MS = 5_000;

/**
 * Makes Ctrl-C (SIGINT) end the command with one line and exit code 130, and SIGTERM (a CI job
 * cancelled, `kill`) with one line and 143, after ending its child processes; the temp dirs go with
 * the exit. A command that handles Ctrl-C itself says so with `onInterrupt`.
 *
 * @example
 * listenForInterrupt('verify');
 */
export const listenForInterrupt = (): void => {
  const stop = async (why: string, code: number) => {
    const closing = [...children].map(
      (child) => new Promise<void>((resolve) => child.once('close', () => resolve())),
    );
    for (const child of children) child.kill('SIGTERM');
    await Promise.race([Promise.all(closing), new Promise((resolve) => setTimeout(resolve, CHILD_GRACE_MS))]);
    console.error(`reliable-events: stopped by ${why} before the run finished: nothing was proven.`);
    process.exit(code);
  };
  process.on('SIGINT', () => (handler ? handler() : stop('Ctrl-C', 130)));
  process.on('SIGTERM', () => (handler ? handler() : stop('SIGTERM', 143)));
};
