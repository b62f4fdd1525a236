import { describe, expect, it, vi } from 'vitest';
import {
  createReliabilityLog,
  createReliabilityMetrics,
  MetricName,
  memorySink,
  queueNameOf,
  RELIABILITY_NAMESPACE,
} from '../../../lib/metrics/index.ts';
import { emfProblems } from '../../support/emf.ts';

describe('createReliabilityMetrics', () => {
  it('flushes one valid EMF document per queue with Service and Queue dimensions and correct units', () => {
    const sink = memorySink();
    const metrics = createReliabilityMetrics({ service: 'payments', sink });
    metrics.count(MetricName.MessagesReceived, 'orders.fifo', 10);
    metrics.count(MetricName.MessagesProcessed, 'orders.fifo', 7);
    metrics.time(MetricName.ProcessingTime, 'orders.fifo', 12);
    metrics.time(MetricName.ProcessingTime, 'orders.fifo', 30);
    metrics.count(MetricName.MessagesSent, 'paid-events.fifo', 3);
    metrics.flush();

    expect(sink.documents).toHaveLength(2);
    for (const document of sink.documents) expect(emfProblems(document)).toEqual([]);
    const [orders] = sink.documents;
    expect(orders?._aws.CloudWatchMetrics).toEqual([
      {
        Namespace: RELIABILITY_NAMESPACE,
        Dimensions: [['Service', 'Queue']],
        Metrics: [
          { Name: 'MessagesReceived', Unit: 'Count' },
          { Name: 'MessagesProcessed', Unit: 'Count' },
          { Name: 'ProcessingTime', Unit: 'Milliseconds' },
        ],
      },
    ]);
    expect(orders).toMatchObject({
      Service: 'payments',
      Queue: 'orders.fifo',
      MessagesReceived: 10,
      ProcessingTime: [12, 30],
    });
    expect(sink.totals({ Queue: 'paid-events.fifo' }).MessagesSent).toBe(3);
  });

  it('splits more than 100 timing values over several documents, losing none', () => {
    const sink = memorySink();
    const metrics = createReliabilityMetrics({ sink, namespace: 'Custom' });
    for (let i = 0; i < 250; i++) metrics.time(MetricName.EndToEndLatency, 'q', i);
    metrics.count(MetricName.MessagesProcessed, 'q', 250);
    metrics.flush();

    expect(sink.documents.length).toBe(3);
    for (const document of sink.documents) expect(emfProblems(document)).toEqual([]);
    const values = sink.documents.flatMap((d) => d.EndToEndLatency as number[]);
    expect(values).toEqual(Array.from({ length: 250 }, (_, i) => i));
    expect(sink.totals().MessagesProcessed).toBe(250);
    expect(sink.documents[0]?._aws.CloudWatchMetrics[0]?.Namespace).toBe('Custom');
  });

  it('emits nothing when nothing happened, and resets after a flush', () => {
    const sink = memorySink();
    const metrics = createReliabilityMetrics({ sink });
    metrics.flush();
    metrics.count(MetricName.MessagesLost, 'q');
    metrics.flush();
    metrics.flush();
    expect(sink.documents).toHaveLength(1);
    expect(sink.totals().MessagesLost).toBe(1);
  });

  it('writes one JSON line to stdout by default', () => {
    const write = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    try {
      const metrics = createReliabilityMetrics({ service: 's' });
      metrics.count(MetricName.MessagesFailed, 'q', 2);
      metrics.flush();
      expect(write).toHaveBeenCalledTimes(1);
      const line = String(write.mock.calls[0]?.[0]);
      expect(line.endsWith('\n')).toBe(true);
      expect(emfProblems(JSON.parse(line))).toEqual([]);
    } finally {
      write.mockRestore();
    }
  });

  it('the validator catches what is not EMF', () => {
    expect(emfProblems({})).toEqual(['missing the _aws object']);
    expect(
      emfProblems({
        _aws: {
          Timestamp: 1,
          CloudWatchMetrics: [
            { Namespace: 'n', Dimensions: [['Queue']], Metrics: [{ Name: 'M', Unit: 'Widgets' }] },
          ],
        },
        M: 'x',
      }),
    ).toEqual([
      'dimension Queue must be a string member of the root',
      'unit Widgets is not an EMF unit',
      'M must be a number or an array of numbers',
    ]);
  });
});

describe('queueNameOf', () => {
  it('reads the queue name from an ARN or a URL', () => {
    expect(queueNameOf('arn:aws:sqs:eu-west-1:123456789012:orders.fifo')).toBe('orders.fifo');
    expect(queueNameOf('https://sqs.eu-west-1.amazonaws.com/123456789012/orders.fifo')).toBe('orders.fifo');
  });
});

describe('createReliabilityLog', () => {
  const capture = () => {
    const lines: { level: string; message: string; attributes: Record<string, unknown> }[] = [];
    const at = (level: string) => (message: string, attributes: Record<string, unknown>) =>
      lines.push({ level, message, attributes });
    return { lines, logger: { info: at('info'), warn: at('warn'), error: at('error') } };
  };

  it('logs ids and group ids but never the body unless asked', () => {
    const { lines, logger } = capture();
    const log = createReliabilityLog({ logger });
    const message = { messageId: 'm-1', groupId: 'g-1', queue: 'orders.fifo', body: { card: '4111' } };
    log.deadLettered(message, new TypeError('bad amount'), 'orders-poison.fifo');
    log.duplicate(message, 'idempotency');

    expect(lines[0]).toEqual({
      level: 'error',
      message: 'Message sent to the dead-letter queue',
      attributes: {
        event: 'dead-lettered',
        destination: 'orders-poison.fifo',
        messageId: 'm-1',
        groupId: 'g-1',
        queue: 'orders.fifo',
        errorName: 'TypeError',
        errorMessage: 'bad amount',
      },
    });
    expect(JSON.stringify(lines)).not.toContain('4111');

    const verbose = capture();
    createReliabilityLog({ logger: verbose.logger, logBodies: true }).duplicate(message, 'sequence');
    expect(verbose.lines[0]?.attributes.body).toEqual({ card: '4111' });
  });
});
