import { DigestIndex } from './digest-index.ts';
import { ScenarioError } from './errors.ts';
import type { FaultRates } from './options.ts';
import { digest53 } from './random.ts';
import type { Scenario, ScenarioMessage } from './scenario.ts';

/**
 * One message of the workload, as the run sees it: its place in the plan (`index`, from 0), its
 * key, its group, its place among its group's messages (`seq`: 1, 2, 3…), whether it is poison
 * and whether it is sent again.
 */
export type PlannedMessage = {
  index: number;
  key: string;
  group: string;
  seq: number;
  /** Poison: a body that is not JSON, or the scenario's invalid one. */
  poison?: 'not-json' | 'invalid';
  /** Sent a second time later, under a new message id. */
  resend: boolean;
};

/** A planned message with what is sent: its body and the scenario's other SQS fields. */
export type SendableMessage = PlannedMessage & {
  /** The body as sent. */
  body: string;
  attributes?: ScenarioMessage['attributes'];
  delaySeconds?: number;
};

/** What was sent: how many, and the plan's place of the message behind each message id SQS assigned. */
export type SentWorkload = {
  messages: number;
  resent: number;
  indexOfMessage(messageId: string): number | undefined;
};

/**
 * What the checks read of a plan: its messages by place and by key, without the keys kept
 * (`keysAt` makes the keys asked for again).
 */
export type PlanView = {
  /** How many messages, how many poison, how many sent again. */
  size: number;
  poison: number;
  resent: number;
  /** The group, place in the group and flags of message `index`. */
  at(index: number): Omit<PlannedMessage, 'key'>;
  /** The place of the message with `key`, or -1. */
  indexOf(key: string): number;
  /** The keys of the messages at `indices`, by place. */
  keysAt(indices: Iterable<number>): Map<number, string>;
};

/**
 * The workload, planned once and kept small — a digest of each key, a group number, a place and
 * a few flags: some 40 B a message — and its messages with their keys and bodies, made afresh
 * from the seed on each call to `messages()`, in sending order.
 */
export type Plan = PlanView & {
  messages(): Generator<SendableMessage>;
};

// A message's flags, a byte each.
const [NOT_JSON, INVALID, RESEND] = [1, 2, 4];

/** A plan view of messages held in memory (a small run's, or a test's), by their order. */
export const planOf = (messages: readonly Omit<PlannedMessage, 'index'>[]): PlanView => {
  const byKey = new Map(messages.map((m, index) => [m.key, index]));
  return {
    size: messages.length,
    poison: messages.filter((m) => m.poison).length,
    resent: messages.filter((m) => m.resend).length,
    at: (index) => {
      const { key: _, ...message } = messages[index]!;
      return { ...message, index };
    },
    indexOf: (key) => byKey.get(key) ?? -1,
    keysAt: (indices) => new Map([...indices].map((i) => [i, messages[i]!.key])),
  };
};

const text = (body: unknown) => (typeof body === 'string' ? body : JSON.stringify(body));
const fingerprint = (made: ReturnType<Scenario['message']>) =>
  JSON.stringify([made.key, made.group, text(made.body), made.attributes ?? null, made.delaySeconds ?? null]);

type Options = {
  messages: number;
  groups: number;
  rates: Pick<FaultRates, 'poison' | 'producerResend'>;
  faultMinimum?: number;
};

// The scenario's message i and the seeded draws made with it, in the order the plan makes them
// (the same on every pass over the same seed).
const draw = (
  scenario: Pick<Scenario, 'message' | 'poison'>,
  i: number,
  options: Options,
  random: () => number,
) => {
  let made: ReturnType<Scenario['message']>;
  try {
    made = scenario.message(i, { groups: options.groups, random });
  } catch (error) {
    throw new ScenarioError(`The scenario's message(${i}) threw: ${(error as Error).message}`, {
      cause: error,
    });
  }
  if (typeof made?.key !== 'string' || typeof made.group !== 'string' || made.body === undefined)
    throw new ScenarioError(
      `The scenario's message(${i}) must return { key: string, group: string, body }, received ${JSON.stringify(made)}.`,
    );
  const poisoned = random() < options.rates.poison;
  const resend = !poisoned && random() < options.rates.producerResend;
  const invalid = poisoned && scenario.poison !== undefined && random() < 0.5;
  return { made, poisoned, resend, invalid };
};

// The scenario's invalid body for a message, made from a copy (a poison() that edits the message
// it is given would change what message(i) hands out next time, when it hands out kept objects).
const poisonOf = (scenario: Pick<Scenario, 'poison'>, made: ReturnType<Scenario['message']>, i: number) => {
  let copy = made;
  try {
    copy = structuredClone(made);
  } catch {
    // Not cloneable (a function in it): the message itself.
  }
  try {
    return scenario.poison!(copy);
  } catch (error) {
    throw new ScenarioError(`The scenario's poison() threw for message(${i}): ${(error as Error).message}`, {
      cause: error,
    });
  }
};

/**
 * The workload from the scenario's generator: each message numbered within its group, some made
 * poison (half not JSON, half the scenario's invalid body when it has one) and some marked to be
 * sent again, at the seeded rates. `seed` makes a fresh generator for each pass.
 */
export const planWorkload = (
  scenario: Pick<Scenario, 'message' | 'poison'>,
  options: Options,
  seed: () => () => number,
): Plan => {
  const size = options.messages;
  const byKey = new DigestIndex(size);
  // Each message's group (its number among the groups), place in it and flags.
  const groupOf = new Uint32Array(size);
  const seqOf = new Uint32Array(size);
  const flags = new Uint8Array(size);
  const groups: string[] = [];
  const groupNumbers = new Map<string, number>();
  const next: number[] = [];
  // A digest of each message as made, to tell a generator that makes another message the next time.
  const digests = new Float64Array(size);
  const random = seed();
  for (let i = 0; i < size; i++) {
    const { made, poisoned, resend, invalid } = draw(scenario, i, options, random);
    // By digest: a repeat, or (once in some 10¹⁶ pairs of keys) another key with the same digest.
    const digest = digest53(made.key);
    if (byKey.get(digest) !== undefined)
      throw new ScenarioError(
        `The scenario's message(${i}) repeats key ${made.key}: each message needs its own key.`,
      );
    byKey.set(digest, i);
    let group = groupNumbers.get(made.group);
    if (group === undefined) {
      group = groups.push(made.group) - 1;
      groupNumbers.set(made.group, group);
    }
    next[group] = (next[group] ?? 0) + 1;
    groupOf[i] = group;
    seqOf[i] = next[group]!;
    flags[i] = (poisoned ? (invalid ? INVALID : NOT_JSON) : 0) | (resend ? RESEND : 0);
    // The invalid body is made on each pass too: it goes in the digest with the message.
    digests[i] = digest53(fingerprint(made) + (invalid ? poisonOf(scenario, made, i) : ''));
  }
  withMinimum(flags, options.rates, options.faultMinimum ?? 3);
  const at = (index: number): Omit<PlannedMessage, 'key'> => {
    const flag = flags[index]!;
    const poison = flag & INVALID ? 'invalid' : flag & NOT_JSON ? 'not-json' : undefined;
    const { [groupOf[index]!]: group = '' } = groups;
    return { index, group, seq: seqOf[index]!, ...(poison ? { poison } : {}), resend: (flag & RESEND) !== 0 };
  };
  function* messages(): Generator<SendableMessage> {
    const random = seed();
    for (let i = 0; i < size; i++) {
      const message = at(i);
      const { made } = draw(scenario, i, options, random);
      const fingerprinted = fingerprint(made);
      const invalid = message.poison === 'invalid' ? poisonOf(scenario, made, i) : undefined;
      if (digest53(fingerprinted + (invalid ?? '')) !== digests[i])
        throw new ScenarioError(
          `The scenario's message(${i})${invalid === undefined ? '' : ' or its poison()'} made another message when asked again: it must make the same one for the same i and draws, using the random it is given (not Math.random, the clock or a counter of its own), so that a seed reproduces the run.`,
        );
      const body =
        invalid !== undefined
          ? invalid
          : message.poison === 'not-json'
            ? `${text(made.body).slice(0, -1)}…`
            : text(made.body);
      yield {
        ...message,
        key: made.key,
        body,
        ...(made.attributes ? { attributes: made.attributes } : {}),
        ...(made.delaySeconds === undefined ? {} : { delaySeconds: made.delaySeconds }),
      };
    }
  }
  const count = (flag: number) => flags.reduce((n, f) => n + (f & flag ? 1 : 0), 0);
  return {
    size,
    poison: count(NOT_JSON | INVALID),
    resent: count(RESEND),
    at,
    indexOf: (key) => byKey.get(digest53(key)) ?? -1,
    keysAt(indices) {
      const wanted = new Set(indices);
      const keys = new Map<number, string>();
      if (wanted.size === 0) return keys;
      for (const message of messages()) if (wanted.has(message.index)) keys.set(message.index, message.key);
      return keys;
    },
    messages,
  };
};

/** The bodies of the plans' messages that `keep` keeps (the poison, say), made again one at a time, as digests. */
export const bodiesOf = (plans: readonly Pick<Plan, 'messages'>[], keep: (m: PlannedMessage) => boolean) => {
  const bodies = new DigestIndex();
  for (const plan of plans)
    for (const message of plan.messages()) if (keep(message)) bodies.set(digest53(message.body), 1);
  return { has: (body: string) => bodies.get(digest53(body)) !== undefined, size: bodies.size };
};

/** The places of the plan's messages whose body is one of `bodies` (dead letters a replay sent back, say). */
export const indicesOfBodies = (plan: Pick<Plan, 'messages'>, bodies: Iterable<string>): Set<number> => {
  const wanted = new Set(bodies);
  const indices = new Set<number>();
  if (wanted.size === 0) return indices;
  for (const message of plan.messages()) if (wanted.has(message.body)) indices.add(message.index);
  return indices;
};

/**
 * Every message of the workload with its body, as `planWorkload` plans it: for a small run, or
 * a test, that wants them all at once.
 */
export const planMessages = (
  scenario: Pick<Scenario, 'message' | 'poison'>,
  options: Options,
  random: () => number,
): SendableMessage[] => {
  // One generator for the two passes: each pass replays its draws from a copy of the state.
  const draws: number[] = [];
  const recorded = () => {
    let n = 0;
    return () => {
      if (n === draws.length) draws.push(random());
      return draws[n++]!;
    };
  };
  return [...planWorkload(scenario, options, recorded).messages()];
};

/**
 * A rate too small for the run's messages still gives `minimum` poison messages and resends:
 * the missing ones at evenly spread places (poison as a body that is not JSON).
 */
const withMinimum = (
  flags: Uint8Array,
  rates: Pick<FaultRates, 'poison' | 'producerResend'>,
  minimum: number,
) => {
  const spread = (kind: 'poison' | 'producerResend', mask: number, mark: number) => {
    let missing = rates[kind] > 0 ? minimum - flags.reduce((n, f) => n + (f & mask ? 1 : 0), 0) : 0;
    if (missing <= 0) return;
    const free: number[] = [];
    for (let i = 0; i < flags.length; i++) if (flags[i] === 0) free.push(i);
    const points = Array.from(
      { length: minimum },
      (_, k) => free[Math.floor(((k + 1) * free.length) / (minimum + 1))],
    );
    for (const i of new Set([...points, ...free])) {
      if (missing <= 0) break;
      if (i === undefined || flags[i]! & mask) continue;
      flags[i] = flags[i]! | mark;
      missing -= 1;
    }
  };
  spread('poison', NOT_JSON | INVALID, NOT_JSON);
  spread('producerResend', RESEND, RESEND);
};
