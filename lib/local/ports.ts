import { createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

/** Asks the kernel for a free TCP port on 127.0.0.1. */
export const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });

/**
 * Resolves once `url` answers any HTTP response (an unsigned request gets a 4xx, which
 * is proof enough that the server is listening). Bounded by `timeoutMs`.
 */
export const waitUntilAnswering = async (
  url: string,
  options: { timeoutMs: number; isDead?: () => boolean },
): Promise<void> => {
  const deadline = Date.now() + options.timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    if (options.isDead?.()) throw new Error('the process exited before it answered');
    try {
      await fetch(url, { method: 'POST', signal: AbortSignal.timeout(1000) });
      return;
    } catch (error) {
      lastError = error;
      await sleep(50);
    }
  }
  throw new Error(`no answer within ${options.timeoutMs} ms (${(lastError as Error | undefined)?.message})`);
};
