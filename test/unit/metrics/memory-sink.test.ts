import { describe, expect, it } from 'vitest';
import { createReliabilityMetrics, MetricName, memorySink } from '../../../lib/metrics/index.ts';

describe('memorySink', () => {
  const run = (sink: ReturnType<typeof memorySink>, flushes: number) => {
    const metrics = createReliabilityMetrics({ service: 'payments', sink });
    const relay = createReliabilityMetrics({ service: 'relay', sink });
    for (let i = 0; i < flushes; i++) {
      metrics.count(MetricName.MessagesProcessed, 'orders.fifo', 2);
      metrics.count(MetricName.MessagesDeadLettered, 'orders.fifo', 1);
      relay.count(MetricName.MessagesSent, 'events', 3);
      metrics.flush();
      relay.flush();
    }
  };

  it('keeps no document when told to keep none, and sums the same totals per queue and service', () => {
    const all = memorySink();
    const none = memorySink({ keep: 0 });
    run(all, 50);
    run(none, 50);
    expect(all.documents).toHaveLength(100);
    expect(none.documents).toHaveLength(0);
    for (const filter of [
      {},
      { Service: 'payments' },
      { Service: 'relay' },
      { Queue: 'events' },
      { Queue: 'x' },
    ])
      expect(none.totals(filter)).toEqual(all.totals(filter));
    expect(none.totals({ Service: 'payments' })).toMatchObject({
      MessagesProcessed: 100,
      MessagesDeadLettered: 50,
    });
    expect(none.totals({ Queue: 'events', Service: 'relay' }).MessagesSent).toBe(150);
  });

  it('keeps the first documents up to its bound, and refuses a bound below 0', () => {
    const some = memorySink({ keep: 3 });
    run(some, 10);
    expect(some.documents).toHaveLength(3);
    expect(some.documents[0]?.Service).toBe('payments');
    expect(() => memorySink({ keep: -1 })).toThrow(/keep must be 0 or more/);
  });
});
