import { setTimeout as sleep } from 'node:timers/promises';
import type { LocalDeployment, LocalFunction } from '../local/index.ts';
import type { FunctionActivity } from './report.ts';
import { waitSketch } from './wait-sketch.ts';

/** The app's own tables: every table but the idempotency stores the functions are given. */
export const downstreamTables = (deployment: Pick<LocalDeployment, 'functions' | 'tables'>): string[] => {
  const stores = new Set(deployment.functions.flatMap((fn) => fn.environment.IDEMPOTENCY_TABLE ?? []));
  return deployment.tables.map((t) => t.name).filter((name) => !stores.has(name));
};

/** The name a function's metrics carry: its Powertools service, else its logical id. */
export const serviceOf = (fn: LocalFunction): string =>
  fn.environment.POWERTOOLS_SERVICE_NAME ?? fn.logicalId;

/** A function's activity before its first batch, with the faults injected into it as they are counted. */
export const newActivity = (fn: LocalFunction, faults: FunctionActivity['faults']): FunctionActivity => ({
  logicalId: fn.logicalId,
  service: serviceOf(fn),
  code: fn.code ?? 'source',
  batches: 0,
  records: 0,
  acked: 0,
  retried: 0,
  timedOut: 0,
  groupWaits: waitSketch(),
  faults,
  errors: 0,
  firstErrors: [],
});

/**
 * Resolves once `backlog()` is below `limit`, or after `maxWaitMs` whatever it is: the wait only
 * paces the sending (an outage may hold the consumers for long), it never stops it.
 */
export const backlogBelow = async (
  limit: number,
  backlog: () => number,
  maxWaitMs = 30_000,
): Promise<void> => {
  const deadline = Date.now() + maxWaitMs;
  while (backlog() >= limit && Date.now() < deadline) await sleep(Math.min(200, deadline - Date.now()));
};
