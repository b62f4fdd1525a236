import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { buildApp } from 'fauxqs';
import { type InspectableSqsStore, runningSqsEmulators } from './alarms/running-emulators.ts';
import { adaptFifoReceives, assertFauxqsShape } from './fifo-receive.ts';

/** A running SQS emulator. `stop()` closes its server. */
export type RunningSqsEmulator = {
  endpoint: string;
  stop(): Promise<void>;
};

/**
 * fauxqs's store module. Its classes are not in the package's export map, hence the path.
 * @internal
 */
export const importFauxqsStore = async () => {
  const candidates = createRequire(import.meta.url).resolve.paths('fauxqs') ?? [];
  const file = candidates
    .map((dir) => join(dir, 'fauxqs', 'dist', 'sqs', 'sqsStore.js'))
    .find((path) => existsSync(path));
  if (!file) throw new Error('fauxqs is not installed: npm install --save-dev fauxqs');
  return (await import(pathToFileURL(file).href)) as {
    SqsStore: new () => { host?: string; createQueue: (...args: never[]) => unknown };
    SqsQueue: new (name: string, url: string, arn: string, attributes?: Record<string, string>) => unknown;
  };
};

// fauxqs names queues http://sqs.<region>.<host>:<port>/…, with `host` defaulting to "localhost".
// The SDK's SQS client sends each request to its QueueUrl's origin unless the client was built
// with an explicit endpoint — which handler code deployed to Lambda never is — and
// sqs.us-east-1.localhost resolves on few machines. A store whose host is empty makes fauxqs
// answer with the request's own origin (http://127.0.0.1:<port>/000000000000/<name>) instead.
// Its FIFO queues receive the way SQS does (see fifo-receive.ts).
const sqsStore = async (): Promise<object> => {
  const { SqsStore, SqsQueue } = await importFauxqsStore();
  // Refuse to start on a fauxqs whose internals moved, rather than fail at the first CreateQueue.
  assertFauxqsShape(new SqsQueue('probe.fifo', '', '', { FifoQueue: 'true' }));
  const store = adaptFifoReceives(new SqsStore());
  store.host = '';
  return store;
};

/**
 * Starts the fauxqs SQS emulator in this process, listening on 127.0.0.1 only.
 * (fauxqs' own `startFauxqs` and CLI listen on every interface.)
 *
 * @example
 * const sqs = await startSqsEmulator();
 * // new SQSClient({ endpoint: sqs.endpoint, ... })
 * await sqs.stop();
 */
export const startSqsEmulator = async (
  options: { port?: number; region?: string } = {},
): Promise<RunningSqsEmulator> => {
  const store = await sqsStore();
  const app = buildApp({
    logger: false,
    defaultRegion: options.region ?? 'us-east-1',
    // The other stores default, one by one.
    stores: { sqsStore: store } as unknown as NonNullable<Parameters<typeof buildApp>[0]>['stores'],
  });
  const address = await app.listen({ port: options.port ?? 0, host: '127.0.0.1' });
  runningSqsEmulators.register(address, store as InspectableSqsStore);
  let closed = false;
  return {
    endpoint: address,
    stop: async () => {
      if (closed) return;
      closed = true;
      runningSqsEmulators.unregister(address);
      await app.close();
    },
  };
};
