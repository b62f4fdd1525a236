import type { OutgoingMessage } from '../producer/message.ts';
import type { Scenario, ScenarioMessage } from '../verify/scenario.ts';

/** What `local` sends next: a body and its group, with the scenario's attributes and delay. */
export type LocalMessage = { key: string; group: string; body: string } & Pick<
  ScenarioMessage,
  'attributes' | 'delaySeconds'
>;

/** The message as the producer sends it: its group, body, attributes (an app may route on them) and delay. */
export const outgoing = (message: LocalMessage): OutgoingMessage => ({
  orderingKey: message.group,
  body: message.body,
  ...(message.attributes ? { attributes: message.attributes } : {}),
  ...(message.delaySeconds === undefined ? {} : { delaySeconds: message.delaySeconds }),
});

/**
 * The traffic of `reliable-events local`: each call makes the scenario's next message, except
 * 10% an earlier one again (a duplicate the consumer must absorb) and 2% poison. It remembers the
 * last `remember` messages it sent for the duplicates, not every one: a session runs for hours.
 *
 * @example
 * const next = localTraffic(scenario);
 * await producer.send(outgoing(next()));
 */
export const localTraffic = (
  scenario: Pick<Scenario, 'message' | 'poison'>,
  random: () => number = Math.random,
  remember = 1_000,
) => {
  const earlier: LocalMessage[] = [];
  let next = 0;
  let kept = 0;
  const make = (): LocalMessage => {
    const roll = random();
    const made = scenario.message(next++, { groups: 5, random });
    const body = typeof made.body === 'string' ? made.body : JSON.stringify(made.body);
    const message: LocalMessage = {
      key: made.key,
      group: made.group,
      body,
      ...(made.attributes ? { attributes: made.attributes } : {}),
      ...(made.delaySeconds === undefined ? {} : { delaySeconds: made.delaySeconds }),
    };
    if (roll < 0.1 && earlier.length > 0) return earlier[Math.floor(random() * earlier.length)]!;
    if (roll < 0.12) return { ...message, body: scenario.poison?.(made) ?? `${body.slice(0, -1)}…` };
    earlier[kept++ % remember] = message;
    return message;
  };
  return Object.assign(make, {
    /** How many messages it remembers for duplicates (at most `remember`). */
    remembered: () => earlier.length,
  });
};
