import { writeFileSync } from 'node:fs';
import { type Command, InvalidArgumentError, Option } from 'commander';
import { formatReport } from '../verify/format.ts';
import { renderHtmlReport } from '../verify/html.ts';
import { findScenarioFile, loadScenario } from '../verify/load-scenario.ts';
import {
  type FaultRates,
  RATE_FLAGS,
  TABLES_ON_DISK_FROM,
  tablesOf,
  type VerifyOptions,
  verifyDefaults,
} from '../verify/options.ts';
import type { Progress } from '../verify/run.ts';
import { type AppOptions, appOptions, prepareApp } from './app-options.ts';
import { CliSetupError } from './errors.ts';
import { assertWritable } from './requirements.ts';

const integer = (min: number, max: number) => (value: string) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max)
    throw new InvalidArgumentError(`must be an integer from ${min} to ${max}.`);
  return n;
};
const rate = (value: string) => {
  const n = Number(value);
  if (!(n >= 0 && n <= 1)) throw new InvalidArgumentError('must be a rate from 0 to 1.');
  return n;
};

type VerifyFlags = AppOptions & {
  scenario?: string;
  messages?: number;
  groups?: number;
  seed: number;
  faults: boolean;
  functionTimeout: number;
  drainTimeout: number;
  alarmPeriodScale: number;
  json?: string;
  html?: string;
  quiet?: boolean;
  unorderedRetries?: boolean;
  allowUnexercised?: boolean;
  outage?: number;
  tables?: 'memory' | 'disk';
  replay?: boolean;
} & Record<string, unknown>;

const bar = (fraction: number, width = 30) => {
  const full = Math.round(Math.min(1, Math.max(0, fraction)) * width);
  return `${'█'.repeat(full)}${'░'.repeat(width - full)}`;
};

const progressPrinter = () => {
  let lastLine = 0;
  return (p: Progress) => {
    const line =
      `${bar(p.acked / Math.max(p.expected, 1))} ${String(p.acked).padStart(6)}/${p.expected} acknowledged` +
      ` · sent ${p.sent} · in flight ${p.inFlight} · faults ${p.faults} · ${(p.elapsedMs / 1000).toFixed(0)} s · ${p.phase}`;
    if (process.stdout.isTTY) process.stdout.write(`\r${line}\x1b[K`);
    else if (Date.now() - lastLine >= 5_000) {
      lastLine = Date.now();
      console.log(line);
    }
  };
};

// Variant flags (`--unprotected`) are the scenario's, so they are known only once it is loaded.
const variantsOf = (args: readonly string[], known: Record<string, unknown>) =>
  args.map((arg) => {
    const name = arg.replace(/^--/, '');
    if (!arg.startsWith('--') || !Object.hasOwn(known, name))
      throw new CliSetupError(
        `Unknown option ${arg}: see --help${
          Object.keys(known).length > 0
            ? `; the scenario's variants are ${Object.keys(known)
                .map((m) => `--${m}`)
                .join(', ')}`
            : ''
        }.`,
      );
    return name;
  });

/** `reliable-events verify`: the proof, on any CDK app, with the workload from the user's scenario. */
export const addVerifyCommand = (program: Command) => {
  const command = appOptions(
    program
      .command('verify')
      .description(
        "Deploy the app locally, send the scenario's workload under injected faults, wait for it to drain, and check that nothing was lost, duplicated or reordered.",
      ),
  )
    .option('--scenario <file>', 'the scenario module (default: reliable-events.verify.ts in the project)')
    .option(
      '--messages <n>',
      `messages to send (the scenario's default, else ${verifyDefaults.messages})`,
      integer(1, 1_000_000),
    )
    .option(
      '--groups <n>',
      `message groups (the scenario's default, else ${verifyDefaults.groups})`,
      integer(1, 1_000_000),
    )
    .option(
      '--seed <n>',
      'seed of the workload and the fault decisions',
      integer(0, 2 ** 32 - 1),
      verifyDefaults.seed,
    );
  for (const [flag, kind] of Object.entries(RATE_FLAGS))
    command.addOption(
      new Option(`--${flag} <rate>`, `rate of ${kind} (${verifyDefaults.rates[kind]})`).argParser(rate),
    );
  command
    .option('--no-faults', 'every rate 0 but those given by name')
    .option(
      '--allow-unexercised',
      `a fault kind with a rate that fired fewer than ${verifyDefaults.faultMinimum} times is listed, but does not fail the run`,
    )
    .option(
      '--function-timeout <s>',
      "every function's timeout; queues' visibility timeouts scale with it",
      integer(1, 900),
      verifyDefaults.functionTimeoutSeconds,
    )
    .option(
      '--drain-timeout <s>',
      'give up waiting for the app to drain after S seconds',
      integer(1, 86_400),
      verifyDefaults.drainTimeoutSeconds,
    )
    .option(
      '--alarm-period-scale <n>',
      "how many times shorter the alarms' periods run locally (60: a minute lasts a second)",
      integer(1, 3_600),
      verifyDefaults.alarmPeriodScale,
    )
    .option(
      '--outage <s>',
      "a downstream outage: the driven queue's consumers' DynamoDB requests fail for S seconds from the first send",
      integer(1, 3_600),
    )
    .option(
      '--replay',
      'after the app drained, replay its dead-letter queue (all but the poison) and drain again',
    )
    .option(
      '--unordered-retries',
      "mutation: the workload's producer retries after later messages of the same group (the proof must fail)",
    )
    .addOption(
      new Option(
        '--tables <where>',
        `where DynamoDB Local keeps the tables: memory (faster) or disk (Java's memory bounded whatever the message count; the default from ${TABLES_ON_DISK_FROM.toLocaleString('en-US')} messages)`,
      ).choices(['memory', 'disk']),
    )
    .option('--json <file>', 'write the report as JSON')
    .option('--html <file>', 'write the report as a page with charts')
    .option('--quiet', 'no progress bar')
    .allowUnknownOption()
    .allowExcessArguments()
    .addHelpText(
      'after',
      "\nThe scenario's variants (e.g. --unprotected) are flags too.\nExits 0 when every invariant holds, 1 when one breaks, 2 when the run cannot start.",
    )
    .action(async (flags: VerifyFlags, cmd: Command) => {
      const projectRoot = process.cwd();
      // Before the run, not after it: a report that cannot be written would lose a long run's verdict.
      if (flags.json) assertWritable(flags.json, '--json');
      if (flags.html) assertWritable(flags.html, '--html');
      const scenarioFile = findScenarioFile(projectRoot, flags.scenario);
      const scenario = await loadScenario(scenarioFile);
      const taken = Object.keys(scenario.variants ?? {}).find((name) =>
        cmd.options.some((o) => o.long === `--${name}`),
      );
      if (taken)
        throw new CliSetupError(
          `The scenario's variant ${taken} is also verify's own --${taken}, which takes it: rename the variant.`,
        );
      const variants = variantsOf(cmd.args, scenario.variants ?? {});
      const rates = { ...verifyDefaults.rates } as FaultRates;
      for (const [flag, kind] of Object.entries(RATE_FLAGS)) {
        const named = flags[flag.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase())] as
          | number
          | undefined;
        if (named !== undefined) rates[kind] = named;
        else if (!flags.faults) rates[kind] = 0;
      }
      const options: VerifyOptions = {
        messages: flags.messages ?? scenario.defaults?.messages ?? verifyDefaults.messages,
        groups: flags.groups ?? scenario.defaults?.groups ?? verifyDefaults.groups,
        seed: flags.seed,
        rates,
        functionTimeoutSeconds: flags.functionTimeout,
        drainTimeoutSeconds: flags.drainTimeout,
        alarmPeriodScale: flags.alarmPeriodScale,
        faultMinimum: verifyDefaults.faultMinimum,
        allowUnexercised: flags.allowUnexercised === true,
        ...(flags.outage ? { outageSeconds: flags.outage } : {}),
        ...(flags.replay ? { replay: true } : {}),
        ...(flags.tables ? { tables: flags.tables } : {}),
      };
      const context = {
        ...scenario.context,
        ...Object.assign({}, ...variants.map((m) => scenario.variants![m]!.context)),
      };
      const app = await prepareApp(flags, projectRoot, context);
      console.log(
        `Deploying the app locally; then ${options.messages} messages in ${options.groups} groups under injected faults (seed ${options.seed}, tables ${tablesOf(options) === 'disk' ? 'on disk' : 'in memory'})${variants.length > 0 ? `, variant: ${variants.join(', ')}` : ''}…`,
      );
      const { runVerify } = await import('../verify/run.ts');
      try {
        const report = await runVerify({
          assembly: app.assembly,
          stacks: app.stacks,
          scenario,
          options,
          projectRoot,
          unorderedRetries: flags.unorderedRetries === true,
          ...(flags.quiet ? {} : { onProgress: progressPrinter() }),
        });
        if (process.stdout.isTTY && !flags.quiet) process.stdout.write('\n');
        console.log(formatReport(report));
        if (flags.json) {
          writeFileSync(flags.json, `${JSON.stringify(report, null, 2)}\n`);
          console.log(`report: ${flags.json}`);
        }
        if (flags.html) {
          writeFileSync(flags.html, renderHtmlReport(report));
          console.log(`page: ${flags.html}`);
        }
        process.exitCode = report.ok ? 0 : 1;
      } finally {
        app.cleanup();
      }
    });
};
