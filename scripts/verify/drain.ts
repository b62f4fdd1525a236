import { GetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { type DynamoDBDocumentClient, paginateScan } from '@aws-sdk/lib-dynamodb';
import type { LocalDeployment } from '../../lib/local/index.ts';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Waits until the pipeline is drained: nothing in flight, nothing queued, in flight or delayed
 * in the source queues, and every outbox entry relayed — seen twice in a row, a second apart.
 * Returns whether it drained within `timeoutMs`, and when it was first seen idle (the end of the work).
 */
export const waitForDrain = async (input: {
  sqs: SQSClient;
  documents: DynamoDBDocumentClient;
  deployment: LocalDeployment;
  inFlight: () => number;
  timeoutMs: number;
}): Promise<{ drained: boolean; drainedAt: number }> => {
  const { sqs, documents, deployment, inFlight } = input;
  const sourceQueues = deployment.queues.filter((q) => q.attributes.RedrivePolicy);
  const outboxTable = deployment.tables.find((t) => t.logicalId.startsWith('Outbox'))!.name;
  const queued = async () => {
    let total = 0;
    for (const queue of sourceQueues) {
      const { Attributes = {} } = await sqs.send(
        new GetQueueAttributesCommand({ QueueUrl: queue.url, AttributeNames: ['All'] }),
      );
      total +=
        Number(Attributes.ApproximateNumberOfMessages ?? 0) +
        Number(Attributes.ApproximateNumberOfMessagesNotVisible ?? 0) +
        Number(Attributes.ApproximateNumberOfMessagesDelayed ?? 0);
    }
    return total;
  };
  const unrelayed = async () => {
    let count = 0;
    const pages = paginateScan(
      { client: documents },
      { TableName: outboxTable, Select: 'COUNT', FilterExpression: 'attribute_not_exists(sentAt)' },
    );
    for await (const page of pages) count += page.Count ?? 0;
    return count;
  };

  const deadline = Date.now() + input.timeoutMs;
  let drainedAt = Date.now();
  for (let quiet = 0; Date.now() < deadline; ) {
    await sleep(1_000);
    const checkedAt = Date.now();
    // The cheap checks first; in flight again last, as a batch may have started meanwhile.
    const idle = inFlight() === 0 && (await unrelayed()) === 0 && (await queued()) === 0 && inFlight() === 0;
    quiet = idle ? quiet + 1 : 0;
    if (quiet === 1) drainedAt = checkedAt;
    if (quiet >= 2) return { drained: true, drainedAt };
  }
  return { drained: false, drainedAt: Date.now() };
};
