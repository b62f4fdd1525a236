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
});
