import type { Producer } from '../producer/index.ts';
import { ScenarioError } from './errors.ts';
import type { FaultRates } from './options.ts';
import type { Scenario, ScenarioMessage } from './scenario.ts';

/** One message of the workload. `seq` is its place among its group's messages (1, 2, 3…). */
export type PlannedMessage = {
  key: string;
  group: string;
  seq: number;
  /** The body as sent. */
  body: string;
  /** Poison: a body that is not JSON, or the scenario's invalid one. */
  poison?: 'not-json' | 'invalid';
  /** Sent a second time later, under a new message id. */
  resend: boolean;
  /** The scenario's SQS fields beside the body, as sent. */
  attributes?: ScenarioMessage['attributes'];
  delaySeconds?: number;
};

/** What was sent: every message id SQS assigned, mapped to its message's key. */
export type SentWorkload = {
  messages: number;
  resent: number;
  keyOfMessage: Map<string, string>;
};

const text = (body: unknown) => (typeof body === 'string' ? body : JSON.stringify(body));

/**
 * The messages, in sending order, from the scenario's generator: each numbered within its group,
 * some made poison (half not JSON, half the scenario's invalid body when it has one) and some
 * marked to be sent again, at the seeded rates.
 */
export const planMessages = (
  scenario: Pick<Scenario, 'message' | 'poison'>,
  options: {
    messages: number;
    groups: number;
    rates: Pick<FaultRates, 'poison' | 'producerResend'>;
    faultMinimum?: number;
  },
  random: () => number,
): PlannedMessage[] => {
  const next = new Map<string, number>();
  const keys = new Set<string>();
  const planned = Array.from({ length: options.messages }, (_, i) => {
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
    if (keys.has(made.key))
      throw new ScenarioError(
        `The scenario's message(${i}) repeats key ${made.key}: each message needs its own key.`,
      );
    keys.add(made.key);
    const seq = (next.get(made.group) ?? 0) + 1;
    next.set(made.group, seq);
    const poisoned = random() < options.rates.poison;
    const message: PlannedMessage = {
      key: made.key,
      group: made.group,
      seq,
      body: text(made.body),
      resend: !poisoned && random() < options.rates.producerResend,
      ...(made.attributes ? { attributes: made.attributes } : {}),
      ...(made.delaySeconds === undefined ? {} : { delaySeconds: made.delaySeconds }),
    };
    if (poisoned) {
      const invalid = scenario.poison && random() < 0.5;
      message.poison = invalid ? 'invalid' : 'not-json';
      message.body = invalid ? scenario.poison!(made) : `${message.body.slice(0, -1)}…`;
    }
    return message;
  });
  return withMinimum(planned, options.rates, options.faultMinimum ?? 3);
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
      if (kind === 'poison') {
        message.poison = 'not-json';
        message.body = `${message.body.slice(0, -1)}…`;
      } else message.resend = true;
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
 * them (as after its 5-minute window), so only the consumer can.
 */
export const sendMessages = async (
  producer: Producer,
  planned: readonly PlannedMessage[],
  onProgress: (sent: number) => void = () => {},
  chunkSize = 250,
): Promise<SentWorkload> => {
  const keyOfMessage = new Map<string, string>();
  let messages = 0;
  let resent = 0;
  const send = async (batch: { id: string; message: PlannedMessage }[]) => {
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
    messages += sent.length;
    onProgress(messages);
  };
  const index = new Map(planned.map((message, i) => [message, i]));
  const again = (messages: PlannedMessage[]) =>
    messages.filter((m) => m.resend).map((message) => ({ id: `m-${index.get(message)}-resent`, message }));
  let previous: PlannedMessage[] = [];
  for (let i = 0; i < planned.length; i += chunkSize) {
    const chunk = planned.slice(i, i + chunkSize);
    await send(chunk.map((message, n) => ({ id: `m-${i + n}`, message })));
    const resends = again(previous);
    if (resends.length > 0) await send(resends);
    resent += resends.length;
    previous = chunk;
  }
  const last = again(previous);
  if (last.length > 0) await send(last);
  return { messages, resent: resent + last.length, keyOfMessage };
};
