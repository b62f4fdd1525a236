/** What the metrics sampler reads of a fauxqs store running in this process. */
export type InspectableSqsStore = {
  inspectQueue(
    name: string,
  ):
    | { messages: { ready: { sentTimestamp: number }[]; inflight: { message: { sentTimestamp: number } }[] } }
    | undefined;
};

const stores = new Map<string, InspectableSqsStore>();

/**
 * The SQS emulators this process runs, by endpoint, so the alarm sampler can read a queue's
 * oldest message in place: the emulator's HTTP inspection serializes every message (about a third
 * of a second for 10,000 of them), too slow to repeat every period while verify runs.
 * @internal
 */
export const runningSqsEmulators = {
  register(endpoint: string, store: InspectableSqsStore): void {
    stores.set(endpoint, store);
  },
  unregister(endpoint: string): void {
    stores.delete(endpoint);
  },
  at(endpoint: string): InspectableSqsStore | undefined {
    return stores.get(endpoint);
  },
};
