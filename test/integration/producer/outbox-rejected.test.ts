import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { createReliabilityMetrics, memorySink } from '../../../lib/metrics/index.ts';
import { createProducer, OUTBOX_PREFIX, outbox, outboxRelay } from '../../../lib/producer/index.ts';
import { createFifoQueue, localClients } from '../../support/local.ts';
import { captureLogger } from '../../support/sqs-events.ts';
import { createOutboxTable, receiveAll, relayStream } from './support.ts';

const { stack, dynamodb, documents, sqs } = localClients();

describe('outbox relay: an entry the producer rejects is handled on its own', () => {
  it('relays the good entries around it in order, marks it rejected and counts it', async () => {
    const { TableName, streamArn } = await createOutboxTable(dynamodb);
    const queueUrl = await createFifoQueue(sqs, 'relayed');
    const box = outbox({ tableName: TableName });
    const put = (item: Record<string, unknown>) => documents.send(new PutCommand({ TableName, Item: item }));
    const good = (id: string, key = 'a') => put(box.write({ id, orderingKey: key, body: id }).Put.Item);
    // Entries an older writer (or another program) put without outbox.write's checks.
    const raw = (id: string, key: string, extra: Record<string, unknown>) =>
      put({
        pk: `${OUTBOX_PREFIX}${key}`,
        sk: id,
        id,
        body: id,
        orderingKey: key,
        createdAt: 0,
        expiresAt: 0,
        ...extra,
      });
    await good('good-1');
    await raw('bad-2', 'a', { delaySeconds: 5 });
    await good('good-3');
    await good('shared');
    await raw('shared', 'b', {});
    await good('good-4', 'b');

    const sink = memorySink();
    const metrics = createReliabilityMetrics({ sink });
    const { logger, lines } = captureLogger();
    const relay = outboxRelay({
      producer: createProducer({ queueUrl, client: sqs, metrics: false }),
      client: dynamodb,
      logger,
      metrics,
    });
    const source = relayStream(stack, streamArn, relay);
    try {
      const bodies = (await receiveAll(sqs, queueUrl, 4, 15)).map((m) => m.Body);
      expect(bodies.filter((b) => b !== 'good-4' && b !== 'shared')).toEqual(['good-1', 'good-3']);
      expect(bodies.filter((b) => b === 'good-4' || b === 'shared').sort()).toEqual(['good-4', 'shared']);
    } finally {
      await source.stop();
    }
    const { Item } = await documents.send(
      new GetCommand({ TableName, Key: { pk: `${OUTBOX_PREFIX}a`, sk: 'bad-2' } }),
    );
    expect(Item?.rejectedAt).toBeTypeOf('number');
    expect(Item?.rejection).toMatch(/delaySeconds/);
    const reused = await documents.send(
      new GetCommand({ TableName, Key: { pk: `${OUTBOX_PREFIX}b`, sk: 'shared' } }),
    );
    expect(reused.Item?.rejection).toMatch(/id shared .* ordering key a/);
    metrics.flush();
    expect(sink.totals()).toMatchObject({ MessagesDeadLettered: 2 });
    expect(lines.filter((l) => l.level === 'error').map((l) => l.attributes.messageId)).toEqual(
      expect.arrayContaining(['bad-2', 'shared']),
    );
  });
});
