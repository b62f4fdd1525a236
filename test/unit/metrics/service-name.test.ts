import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  createReliabilityLog,
  createReliabilityMetrics,
  MetricName,
  memorySink,
} from '../../../lib/metrics/index.ts';

/** The `service` of the log line the reliability log writes for a duplicate. */
const loggedService = (): unknown => {
  const write = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
  try {
    createReliabilityLog().duplicate({ messageId: 'm1', queue: 'orders.fifo' }, 'idempotency');
    const line = write.mock.calls.map(([chunk]) => String(chunk)).find((l) => l.includes('m1'));
    return JSON.parse(line ?? '{}').service;
  } finally {
    write.mockRestore();
  }
};

const metricService = (): unknown => {
  const sink = memorySink();
  const metrics = createReliabilityMetrics({ sink });
  metrics.count(MetricName.DuplicatesSuppressed, 'orders.fifo');
  metrics.flush();
  return sink.documents[0]?.Service;
};

describe("logs' service and metrics' Service dimension", () => {
  afterEach(() => vi.unstubAllEnvs());

  it('are the same by default: POWERTOOLS_SERVICE_NAME, as ReliableFunction sets it', () => {
    vi.stubEnv('POWERTOOLS_SERVICE_NAME', 'payments');
    vi.stubEnv('AWS_LAMBDA_FUNCTION_NAME', 'Stack-CapturePaymentHandler-AbC123');
    expect(loggedService()).toBe('payments');
    expect(metricService()).toBe('payments');
  });

  it('are the function name without POWERTOOLS_SERVICE_NAME, and reliable-events outside Lambda', () => {
    vi.stubEnv('POWERTOOLS_SERVICE_NAME', '');
    vi.stubEnv('AWS_LAMBDA_FUNCTION_NAME', 'capture');
    expect([loggedService(), metricService()]).toEqual(['capture', 'capture']);
    vi.stubEnv('AWS_LAMBDA_FUNCTION_NAME', '');
    expect([loggedService(), metricService()]).toEqual(['reliable-events', 'reliable-events']);
  });
});
