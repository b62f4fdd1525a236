import { GetQueueUrlCommand, type SQSClient } from '@aws-sdk/client-sqs';

/** Where a dead letter goes back to: a queue URL, or why there is none. */
export type Target = { url: string; fifo: boolean } | { missing: string };

const isQueueMissing = (error: unknown) => {
  const name = (error as { name?: string }).name ?? '';
  return name === 'QueueDoesNotExist' || name.endsWith('NonExistentQueue');
};

/** Looks up source queues by name once per replay; a queue that no longer exists is named, not guessed. */
export const targetResolver = (client: SQSClient) => {
  const cache = new Map<string, Promise<Target>>();
  const lookUp = async (queue: string): Promise<Target> => {
    if (/^https?:\/\//.test(queue)) return { url: queue, fifo: queue.endsWith('.fifo') };
    try {
      const { QueueUrl = '' } = await client.send(new GetQueueUrlCommand({ QueueName: queue }));
      return { url: QueueUrl, fifo: QueueUrl.endsWith('.fifo') };
    } catch (error) {
      if (isQueueMissing(error)) return { missing: `source queue ${queue} does not exist` };
      throw error;
    }
  };
  return (queue: string): Promise<Target> => {
    let found = cache.get(queue);
    if (!found) {
      found = lookUp(queue);
      cache.set(queue, found);
    }
    return found;
  };
};
