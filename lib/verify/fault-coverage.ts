import { type FaultKind, type VerifyOptions, verifyDefaults } from './options.ts';
import type { Check } from './scenario.ts';

/**
 * Which fault kinds the run enabled (a rate above 0) but did not exercise (fewer injections than
 * the minimum), and the check that says so: failed, or — with `allowUnexercised` — not checked.
 * A run whose faults never fired proves nothing about them.
 *
 * @example
 * faultCoverage({ ...verifyDefaults, rates }, { consumerCrash: 0, … }).unexercised; // ['consumerCrash']
 */
export const faultCoverage = (
  options: Pick<VerifyOptions, 'rates' | 'faultMinimum' | 'allowUnexercised'>,
  injected: Record<FaultKind, number>,
): { unexercised: FaultKind[]; faultChecks: Check[] } => {
  const minimum = options.faultMinimum ?? verifyDefaults.faultMinimum;
  const enabled = (Object.keys(options.rates) as FaultKind[]).filter((kind) => options.rates[kind] > 0);
  if (enabled.length === 0) return { unexercised: [], faultChecks: [] };
  const unexercised = enabled.filter((kind) => injected[kind] < minimum);
  const name = `every enabled fault fired at least ${minimum} times`;
  if (unexercised.length === 0)
    return {
      unexercised,
      faultChecks: [{ name, ok: true, detail: `${enabled.length} kinds, each ${minimum}× or more` }],
    };
  const short = unexercised.map((kind) => `${kind} ${injected[kind]}`).join(', ');
  return {
    unexercised,
    faultChecks: [
      options.allowUnexercised
        ? { name, ok: null, detail: `not checked (--allow-unexercised): not exercised: ${short}` }
        : {
            name,
            ok: false,
            detail: `not exercised: ${short} (raise the rate or --messages, or pass --allow-unexercised)`,
          },
    ],
  };
};
