import type { Producer } from '../producer/index.ts';
import { ScenarioError } from './errors.ts';
import type { FaultRates } from './options.ts';
import { digest53 } from './random.ts';
import type { Scenario, ScenarioMessage } from './scenario.ts';

/**
 * One message of the workload, as the run keeps it while it goes on: its key, its group, its
 * place among its group's messages (`seq`: 1, 2, 3…), whether it is poison and whether it is
 * sent again. Its body is not kept: `Plan.messages()` makes it again from the seed.
 */
export type PlannedMessage = {
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

/** What was sent: every message id SQS assigned, mapped to its message's key. */
export type SentWorkload = {
  messages: number;
  resent: number;
  keyOfMessage: Pick<Map<string, string>, 'get'>;
};

/**
 * Message ids mapped to keys by a 53-bit digest of the id: a number per message, not the id's
 * 36 characters, and the key is the plan's own string.
 */
const digestMap = () => {
  const keys = new Map<number, string>();
  return {
    set: (messageId: string, key: string) => keys.set(digest53(messageId), key),
    get: (messageId: string) => keys.get(digest53(messageId)),
  };
};

/**
 * The workload, planned once and kept small: each message without its body (`planned`), its
 * messages by key, and the messages again with their bodies, made afresh from the seed on each
 * call, in sending order. Memory grows by the key and a few numbers per message, not the body.
 */
export type Plan = {
  planned: PlannedMessage[];
  byKey: Map<string, PlannedMessage>;
  messages(): Generator<SendableMessage>;
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
  const next = new Map<string, number>();
  const groups = new Map<string, string>();
  const byKey = new Map<string, PlannedMessage>();
  const planned: PlannedMessage[] = [];
  // A digest of each message as made, to tell a generator that makes another message the next time.
  const digests = new Float64Array(options.messages);
  const random = seed();
  for (let i = 0; i < options.messages; i++) {
    const { made, poisoned, resend, invalid } = draw(scenario, i, options, random);
    if (byKey.has(made.key))
      throw new ScenarioError(
        `The scenario's message(${i}) repeats key ${made.key}: each message needs its own key.`,
      );
    // One string per group, however many messages name it.
    const group = groups.get(made.group) ?? groups.set(made.group, made.group).get(made.group)!;
    const seq = (next.get(group) ?? 0) + 1;
    next.set(group, seq);
    const message: PlannedMessage = { key: made.key, group, seq, resend };
    if (poisoned) message.poison = invalid ? 'invalid' : 'not-json';
    planned.push(message);
    // The invalid body is made on each pass too: it goes in the digest with the message.
    digests[i] = digest53(fingerprint(made) + (invalid ? poisonOf(scenario, made, i) : ''));
    byKey.set(message.key, message);
  }
  withMinimum(planned, options.rates, options.faultMinimum ?? 3);
  return {
    planned,
    byKey,
    *messages() {
      const random = seed();
      for (const [i, message] of planned.entries()) {
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
          body,
          ...(made.attributes ? { attributes: made.attributes } : {}),
          ...(made.delaySeconds === undefined ? {} : { delaySeconds: made.delaySeconds }),
        };
      }
    },
  };
};

/** The bodies of the plans' messages that `keep` keeps (the poison, say), made again one at a time. */
export const bodiesOf = (plans: readonly Pick<Plan, 'messages'>[], keep: (m: PlannedMessage) => boolean) => {
  const bodies = new Set<string>();
  for (const plan of plans)
    for (const message of plan.messages()) if (keep(message)) bodies.add(message.body);
  return bodies;
};

/** The keys of the plan's messages whose body is one of `bodies` (dead letters a replay sent back, say). */
export const keysOfBodies = (plan: Pick<Plan, 'messages'>, bodies: Iterable<string>): Set<string> => {
  const wanted = new Set(bodies);
  const keys = new Set<string>();
  if (wanted.size === 0) return keys;
  for (const message of plan.messages()) if (wanted.has(message.body)) keys.add(message.key);
  return keys;
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
  planned: PlannedMessage[],
  rates: Pick<FaultRates, 'poison' | 'producerResend'>,
  minimum: number,
): PlannedMessage[] => {
  const spread = (kind: 'poison' | 'producerResend', has: (m: PlannedMessage) => boolean) => {
    let missing = rates[kind] > 0 ? minimum - planned.filter(has).length : 0;
    const free = planned.filter((m) => !m.poison && !m.resend);
    const points = Array.from(
      { length: minimum },
      (_, k) => free[Math.floor(((k + 1) * free.length) / (minimum + 1))],
    );
    for (const message of new Set([...points, ...free])) {
      if (missing <= 0) break;
      if (!message || has(message)) continue;
      if (kind === 'poison') message.poison = 'not-json';
      else message.resend = true;
      missing -= 1;
    }
  };
  spread('poison', (m) => m.poison !== undefined);
  spread('producerResend', (m) => m.resend);
  return planned;
};

/**
 * Sends the messages through the producer in chunks, in order within each group. After each
 * chunk, the previous chunk's resend messages go again under a new id: SQS cannot deduplicate
 * them (as after its 5-minute window), so only the consumer can. Only two chunks are held at a
 * time, so a plan's `messages()` can be sent without holding every body.
 */
export const sendMessages = async (
  producer: Producer,
  messages: Iterable<SendableMessage>,
  onProgress: (sent: number) => void = () => {},
  chunkSize = 250,
  /** Awaited before each chunk: the caller holds the sending back while the queue is full enough. */
  ready: () => Promise<void> = async () => {},
): Promise<SentWorkload> => {
  const keyOfMessage = digestMap();
  let count = 0;
  let resent = 0;
  const send = async (batch: { id: string; message: SendableMessage }[]) => {
    const { sent } = await producer.send(
      batch.map(({ id, message }) => ({
        id,
        orderingKey: message.group,
        body: message.body,
        ...(message.attributes ? { attributes: message.attributes } : {}),
        ...(message.delaySeconds === undefined ? {} : { delaySeconds: message.delaySeconds }),
      })),
    );
    const byId = new Map(batch.map(({ id, message }) => [id, message.key]));
    for (const { id, messageId } of sent) keyOfMessage.set(messageId, byId.get(id)!);
    count += sent.length;
    onProgress(count);
  };
  type Numbered = { i: number; message: SendableMessage };
  const again = (chunk: Numbered[]) =>
    chunk.filter(({ message }) => message.resend).map(({ i, message }) => ({ id: `m-${i}-resent`, message }));
  let previous: Numbered[] = [];
  let chunk: Numbered[] = [];
  const flush = async () => {
    await ready();
    await send(chunk.map(({ i, message }) => ({ id: `m-${i}`, message })));
    const resends = again(previous);
    if (resends.length > 0) await send(resends);
    resent += resends.length;
    previous = chunk;
    chunk = [];
  };
  let i = 0;
  for (const message of messages) {
    chunk.push({ i: i++, message });
    if (chunk.length === chunkSize) await flush();
  }
  if (chunk.length > 0) await flush();
  const last = again(previous);
  if (last.length > 0) await send(last);
  return { messages: count, resent: resent + last.length, keyOfMessage };
};
