import { spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateTableCommand, DynamoDBClient, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from 'vitest';
import { startDynamoDBLocal } from '../../../lib/local/dynamodb-local.ts';
import { JavaNotFoundError } from '../../../lib/local/errors.ts';
import { startLocalStack } from '../../../lib/local/index.ts';

const isAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('startDynamoDBLocal', () => {
  it('without Java, throws a JavaNotFoundError that says how to install it', async () => {
    const error = await startDynamoDBLocal({ java: '/nonexistent/java' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(JavaNotFoundError);
    expect((error as Error).message).toMatch(/apt-get install -y openjdk-17-jre-headless/);
  });

  it('startLocalStack passes the Java error through', async () => {
    await expect(startLocalStack({ java: '/nonexistent/java' })).rejects.toBeInstanceOf(JavaNotFoundError);
  });

  it('stop() ends the process it started and is safe to call twice', async () => {
    const running = await startDynamoDBLocal();
    expect(isAlive(running.pid)).toBe(true);
    await running.stop();
    expect(isAlive(running.pid)).toBe(false);
    await running.stop();
  });

  describe("with its tables on disk (a long verify run's memory stays flat)", () => {
    const dataDirs = () =>
      new Set(readdirSync(tmpdir()).filter((d) => d.startsWith('reliable-events-dynamodb-')));
    const newDir = (before: Set<string>) => [...dataDirs()].find((d) => !before.has(d));

    it('keeps its items in a temp directory, removed when it stops', async () => {
      const before = dataDirs();
      const running = await startDynamoDBLocal({ storage: 'disk' });
      const dir = newDir(before);
      expect(dir).toBeDefined();
      const client = new DynamoDBClient({
        endpoint: running.endpoint,
        region: 'us-east-1',
        credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      });
      await client.send(
        new CreateTableCommand({
          TableName: 'items',
          BillingMode: 'PAY_PER_REQUEST',
          AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
          KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
        }),
      );
      await client.send(new PutItemCommand({ TableName: 'items', Item: { pk: { S: 'a' } } }));
      const { Item } = await client.send(
        new GetItemCommand({ TableName: 'items', Key: { pk: { S: 'a' } }, ConsistentRead: true }),
      );
      expect(Item).toEqual({ pk: { S: 'a' } });
      expect(readdirSync(join(tmpdir(), dir!)).length).toBeGreaterThan(0);
      await running.stop();
      expect(existsSync(join(tmpdir(), dir!))).toBe(false);
    });

    it('the directory goes with Java even when the process that started it is killed (SIGKILL)', async () => {
      const before = dataDirs();
      const child = spawn(
        process.execPath,
        [
          '--input-type=module',
          '-e',
          `const { startDynamoDBLocal } = await import(${JSON.stringify(join(import.meta.dirname, '../../../lib/local/dynamodb-local.ts'))});
           const running = await startDynamoDBLocal({ storage: 'disk' });
           console.log(running.pid);
           setInterval(() => {}, 1000);`,
        ],
        { stdio: ['ignore', 'pipe', 'inherit'] },
      );
      const pid = await new Promise<number>((resolve) =>
        child.stdout.once('data', (d) => resolve(Number(String(d)))),
      );
      const dir = newDir(before);
      expect(dir).toBeDefined();
      child.kill('SIGKILL');
      const deadline = Date.now() + 15_000;
      while (Date.now() < deadline && (isAlive(pid) || existsSync(join(tmpdir(), dir!))))
        await new Promise((r) => setTimeout(r, 200));
      expect(isAlive(pid)).toBe(false);
      expect(existsSync(join(tmpdir(), dir!))).toBe(false);
    }, 40_000);
  });
});
