import { buildApp } from 'fauxqs';

/** A running SQS emulator. `stop()` closes its server. */
export type RunningSqsEmulator = {
  endpoint: string;
  stop(): Promise<void>;
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
  const app = buildApp({ logger: false, host: '127.0.0.1', defaultRegion: options.region ?? 'us-east-1' });
  const address = await app.listen({ port: options.port ?? 0, host: '127.0.0.1' });
  let closed = false;
  return {
    endpoint: address,
    stop: async () => {
      if (closed) return;
      closed = true;
      await app.close();
    },
  };
};
