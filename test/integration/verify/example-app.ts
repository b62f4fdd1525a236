import { App } from 'aws-cdk-lib';
import { createApp } from '../../../infra/app.ts';
import { type FaultRates, type VerifyOptions, verifyDefaults } from '../../../lib/verify/options.ts';
import { runVerify } from '../../../lib/verify/run.ts';
import scenario from '../../../reliable-events.verify.ts';
import { localClients } from '../../support/local.ts';
import { scratchDir } from '../../support/scratch.ts';

const noFaults = Object.fromEntries(Object.keys(verifyDefaults.rates).map((k) => [k, 0])) as FaultRates;

/** The example app as `npm start` synthesizes it, and the proof's options with only the given faults. */
export const exampleApp = Object.assign(
  (name: string) => {
    const { stack } = localClients();
    const root = scratchDir(name);
    let n = 0;
    // The app as `npm start` synthesizes it, with a scenario variant's context.
    const assembly = (variant?: keyof NonNullable<typeof scenario.variants>) => {
      const outdir = `${root}/${++n}`;
      createApp(new App({ outdir, context: variant ? scenario.variants![variant]!.context : {} })).synth();
      return outdir;
    };
    const options = (
      o: Omit<Partial<VerifyOptions>, 'rates'> & { rates: Partial<FaultRates> },
    ): VerifyOptions => ({
      ...verifyDefaults,
      drainTimeoutSeconds: 300,
      ...o,
      rates: { ...noFaults, ...o.rates },
    });
    return { stack, assembly, options };
  },
  { runVerify },
);
