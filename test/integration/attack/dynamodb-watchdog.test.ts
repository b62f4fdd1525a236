import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startDynamoDBLocal } from '../../../lib/local/dynamodb-local.ts';

// A stand-in for Java: answers `-version`, and otherwise does what FAKE_JAVA_MODE says.
//  fail:     exits at once (a Java that cannot start: a bad flag, a port taken, a broken jar).
//  stubborn: answers HTTP on -port and takes 10 s to end after SIGTERM (a JVM flushing its
//            SQLite file under load, a GC pause): longer than stop()'s 5 s grace.
const FAKE_JAVA = `#!/bin/sh
[ "$1" = "-version" ] && { echo 'openjdk version "17"' >&2; exit 0; }
[ "$FAKE_JAVA_MODE" = "fail" ] && { echo 'Error: could not start' >&2; exit 1; }
port=""; prev=""
for a in "$@"; do [ "$prev" = "-port" ] && port="$a"; prev="$a"; done
exec "${process.execPath}" -e '
  require("node:fs").writeFileSync(process.env.FAKE_JAVA_PID, String(process.pid));
  process.on("SIGTERM", () => setTimeout(() => process.exit(0), 10000));
  require("node:http").createServer((q, s) => s.end("ok")).listen(Number(process.argv[1]), "127.0.0.1");
' "$port"
`;

// Alive and not a zombie (one whose parent died waits for init to reap it).
const isAlive = (pid: number) => {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
};

describe('DynamoDB Local with its tables on disk: the watchdog', () => {
  let home: string;
  let temp: string;
  const saved = {
    TMPDIR: process.env.TMPDIR,
    FAKE_JAVA_MODE: process.env.FAKE_JAVA_MODE,
    FAKE_JAVA_PID: process.env.FAKE_JAVA_PID,
  };
  beforeEach(() => {
    home = mkdtempSync(join(tmpdir(), 'watchdog-attack-'));
    // A temp directory whose path has spaces and a quote in it.
    temp = join(home, "tmp dir with 'spaces'");
    rmSync(temp, { recursive: true, force: true });
    mkdirSync(temp);
    writeFileSync(join(home, 'java'), FAKE_JAVA);
    chmodSync(join(home, 'java'), 0o755);
    process.env.TMPDIR = temp;
    process.env.FAKE_JAVA_PID = join(home, 'java.pid');
  });
  afterEach(() => {
    const pidFile = join(home, 'java.pid');
    if (existsSync(pidFile)) {
      const pid = Number(readFileSync(pidFile, 'utf8'));
      if (pid > 0 && isAlive(pid)) process.kill(pid, 'SIGKILL');
    }
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
    rmSync(home, { recursive: true, force: true });
  });

  it('a Java that fails to start is reported at once, not after the whole start timeout, and leaves no data directory', async () => {
    process.env.FAKE_JAVA_MODE = 'fail';
    const started = Date.now();
    await expect(
      startDynamoDBLocal({ java: join(home, 'java'), storage: 'disk', startTimeoutMs: 20_000 }),
    ).rejects.toThrow();
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(readdirSync(temp)).toEqual([]);
  }, 40_000);

  it('a Java slower than the 5 s grace to end: stop() leaves neither Java running nor its data directory', async () => {
    process.env.FAKE_JAVA_MODE = 'stubborn';
    const running = await startDynamoDBLocal({ java: join(home, 'java'), storage: 'disk' });
    expect(readdirSync(temp)).toHaveLength(1);
    const javaPid = Number(readFileSync(join(home, 'java.pid'), 'utf8'));
    await running.stop();
    const deadline = Date.now() + 1000;
    while (isAlive(javaPid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(isAlive(javaPid)).toBe(false);
    expect(readdirSync(temp)).toEqual([]);
  }, 40_000);
});
