import type {
  SendMessageBatchCommandInput,
  SendMessageBatchCommandOutput,
  SQSClient,
} from '@aws-sdk/client-sqs';

/** A seeded generator (LCG), so a failing run can be replayed. */
export const seeded = (seed: number) => {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    return state / 2 ** 31;
  };
};

export type SendFaultRates = {
  /** A SendMessageBatch call fails as a whole with a throttling error, after the SDK's retries. */
  throttle: number;
  /** A call lands, then its answer is lost: the caller sees a throttling error. */
  landedThenError: number;
  /** An entry fails on its own with a non-sender fault. */
  entry: number;
};

const throttled = () =>
  Object.assign(new Error('Request is throttled.'), { name: 'RequestThrottled', $fault: 'client' });

/**
 * Injects producer-side SQS faults into `client` with an SDK middleware placed before the SDK's
 * own retries, so every fault reaches the caller as the SDK would finally report it.
 */
export const injectSendFaults = (client: SQSClient, rates: SendFaultRates, random: () => number) => {
  const injected = { throttle: 0, landedThenError: 0, entry: 0 };
  client.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName !== 'SendMessageBatchCommand') return next(args);
      if (random() < rates.throttle) {
        injected.throttle++;
        throw throttled();
      }
      const input = args.input as SendMessageBatchCommandInput;
      const entries = input.Entries ?? [];
      const failing = new Set(entries.filter(() => random() < rates.entry).map((e) => e.Id));
      injected.entry += failing.size;
      const kept = entries.filter((e) => !failing.has(e.Id));
      // SQS refuses an empty batch: when every entry fails, SQS is not called at all.
      const result =
        kept.length > 0
          ? await next({ ...args, input: { ...input, Entries: kept } })
          : { output: { Successful: [], Failed: [], $metadata: {} }, response: {} };
      if (kept.length > 0 && random() < rates.landedThenError) {
        injected.landedThenError++;
        throw throttled();
      }
      const output = result.output as SendMessageBatchCommandOutput;
      output.Failed = [
        ...(output.Failed ?? []),
        ...[...failing].map((Id) => ({ Id, Code: 'InternalError', Message: 'injected', SenderFault: false })),
      ];
      return result;
    },
    { step: 'initialize', name: 'injectSendFaults' },
  );
  return injected;
};
