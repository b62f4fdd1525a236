import type { SQSClient } from '@aws-sdk/client-sqs';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { LocalDeployment, LocalQueue } from '../local/deploy-local.ts';
import type { CounterName } from '../metrics/names.ts';
import type { AttributeInput } from '../producer/message.ts';

/** One message of the workload. */
export type ScenarioMessage = {
  /** What identifies the message's effect in your tables (an order id): `effects` counts per key. */
  key: string;
  /** The FIFO message group (SQS `MessageGroupId`), and the group whose order `order` checks. */
  group: string;
  /** The body: a string as it is, anything else as JSON. */
  body: unknown;
  /** SQS message attributes, for an app that routes on them (at most 8: the producer stamps 2). @default none */
  attributes?: Record<string, AttributeInput>;
  /** SQS `DelaySeconds` (standard queues only), 0–900. @default the queue's */
  delaySeconds?: number;
};

/**
 * What the consumer of the driven queue promises, and so what the invariants ask: `exactly-once`
 * one effect per message; `at-least-once` no loss, duplicates counted but allowed; `at-most-once`
 * no duplicate, losses counted but allowed.
 */
export type DeliveryPromise = 'exactly-once' | 'at-least-once' | 'at-most-once';

/**
 * What `effects` gives: how many times each key's effect was applied — a Map of every key, or the
 * `[key, times]` entries as they come (an async generator reading your table a page at a time, so
 * a long run does not hold every key at once). A key given twice has its times added.
 */
export type EffectEntries =
  | ReadonlyMap<string, number>
  | Iterable<readonly [key: string, times: number]>
  | AsyncIterable<readonly [key: string, times: number]>;

/** What `order` gives: each group's keys in the order their effects happened, as a Map or `[group, keys]` entries as they come (each group in one entry). */
export type OrderEntries =
  | ReadonlyMap<string, readonly string[]>
  | Iterable<readonly [group: string, keys: readonly string[]]>
  | AsyncIterable<readonly [group: string, keys: readonly string[]]>;

/** A check of your own, shown in the report beside the built-in ones. */
export type ScenarioCheck = { name: string; ok: boolean; detail: string };

/** A check of the report: `ok` is `null` when it did not run (`detail` says why), never `true`. */
export type Check = Omit<ScenarioCheck, 'ok'> & { ok: boolean | null };

/** What a scenario's functions get: the local deployment and clients pointed at it. */
export type ScenarioContext = {
  deployment: LocalDeployment;
  documents: DynamoDBDocumentClient;
  sqs: SQSClient;
  /** The local name of a table: by logical id, its prefix (as CDK adds a hash), or its name. */
  table(name: string): string;
  /** A local queue: by logical id, its prefix, or its name. */
  queue(name: string): LocalQueue;
  /** Every item of a table (consistent reads). */
  scan(table: string): Promise<Record<string, unknown>[]>;
  /** A table's items a page (a Scan response) at a time, with consistent reads: for `effects` in a long run. */
  pages(table: string): AsyncIterable<Record<string, unknown>[]>;
  /** The reliability counters the functions emitted, per `Service` (their POWERTOOLS_SERVICE_NAME). */
  metrics(service?: string): Record<CounterName, number>;
};

/**
 * What only you know about your app, for `reliable-events verify`: which queue to drive, how to
 * make a message, and where its effects land. Everything else — faults, drain, the generic
 * invariants, the report — is built in.
 */
export type Scenario = {
  /** The queue the workload is sent to: a logical id, its prefix, a stack output holding its URL, or its name. */
  queue: string;
  /** The `i`-th message (from 0) of a run of `groups` groups; `random` is seeded by `--seed`. */
  message(i: number, run: { groups: number; random: () => number }): ScenarioMessage;
  /**
   * A body your consumer must reject to the dead-letter queue (invalid by your schema). Half of
   * the poison messages use it, the other half a body that is not JSON. @default not JSON only
   */
  poison?(message: ScenarioMessage): string;
  /** What the consumer promises; the invariants follow it. @default 'exactly-once' */
  promise?: DeliveryPromise;
  /**
   * How many times each key's effect was applied, read from your tables: 0 is lost, 2 a duplicate.
   * A Map, or entries as they come (`async function* ({ pages }) { … yield [key, times] }`).
   */
  effects(
    context: ScenarioContext,
  ): Promise<EffectEntries> | AsyncIterable<readonly [key: string, times: number]>;
  /**
   * The keys in the order their effects happened, per group — where your app keeps one (a
   * ledger, a list of events). Checked against the order they were sent in. @default not checked
   */
  order?(
    context: ScenarioContext,
  ): Promise<OrderEntries> | AsyncIterable<readonly [group: string, keys: readonly string[]]>;
  /** Work left outside the queues (outbox entries not yet relayed); the run waits for 0. @default none */
  pending?(context: ScenarioContext): Promise<number>;
  /** Your own checks, run after the pipeline drained. @default none */
  checks?(context: ScenarioContext): Promise<ScenarioCheck[]>;
  /** Defaults of this scenario's runs, which `--messages` and `--groups` override. */
  defaults?: { messages?: number; groups?: number };
  /** CDK context for the synthesis (as `cdk synth -c key=value`); `--context` overrides it. @default none */
  context?: Record<string, string>;
  /**
   * More queues to drive, each with its own messages, effects, order, poison and promise: faults
   * are injected into every function that consumes any of them, and each gets its invariants.
   * @default only `queue`
   */
  workloads?: Workload[];
  /**
   * Alarms this workload sets off on purpose (logical ids, or their start: CDK adds a hash). One
   * in ALARM when the run ends is reported as expected; any other is a finding, and fails the run
   * (dead-letter alarms of the driven queue after poison, and Lambda Errors alarms after injected
   * crashes or timeouts, are expected without being listed). @default none
   */
  expectedAlarms?: readonly string[];
  /**
   * Named variants of the app, each a flag of `verify` (`--unprotected`): the context it is
   * synthesized with. A mutation — protection switched off — is a variant the proof must fail.
   * @default none
   */
  variants?: Record<string, { context: Record<string, string>; description: string }>;
};

/** One more queue a scenario drives: what `queue`, `message`, `poison`, `effects`, `order` and `promise` are for the first. */
export type Workload = Pick<Scenario, 'queue' | 'message' | 'poison' | 'effects' | 'order' | 'promise'>;

/**
 * Declares a scenario with its types checked; export it as the module's default.
 *
 * @example
 * // reliable-events.verify.ts
 * export default defineScenario({
 *   queue: 'Orders',
 *   message: (i, { groups }) => ({ key: `order-${i}`, group: `customer-${i % groups}`, body: { orderId: `order-${i}` } }),
 *   effects: async ({ scan }) => new Map((await scan('Payments')).map((p) => [String(p.pk), Number(p.captures)])),
 * });
 */
export const defineScenario = (scenario: Scenario): Scenario => scenario;
