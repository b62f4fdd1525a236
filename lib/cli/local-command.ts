import { SQSClient } from '@aws-sdk/client-sqs';
import { type Command, InvalidArgumentError } from 'commander';
import { countBatch } from '../local/function-errors.ts';
import type { LocalQueue } from '../local/index.ts';
import { deadLetterQueues } from '../verify/check.ts';
import { queuedIn } from '../verify/drain.ts';
import { loadScenario, localScenarioFile } from '../verify/load-scenario.ts';
import type { Scenario } from '../verify/scenario.ts';
import { type AppOptions, appOptions, prepareApp } from './app-options.ts';
import { onInterrupt } from './interrupt.ts';
import { localTraffic, outgoing } from './local-traffic.ts';
import {
  type Activity,
  describeDeployment,
  drainWindowSeconds,
  renderLine,
  renderTable,
  verdictLine,
} from './local-view.ts';
import { assertPortFree } from './requirements.ts';

type LocalFlags = AppOptions & {
  seconds?: number;
  rate: number;
  scenario?: string;
  verbose?: boolean;
  sqsPort?: number;
  dynamodbPort?: number;
  alarmPeriodScale: number;
};

const positive = (value: string) => {
  const n = Number(value);
  if (!(n > 0)) throw new InvalidArgumentError('must be a number above 0.');
  return n;
};
// Node's timers hold at most 2^31 - 1 ms (24.8 days); a longer one fires after 1 ms. So `--seconds`
// stops within that, and `--rate` sends at most one message a millisecond and at least one in 24 days.
const upTo =
  (max: number, min = 0) =>
  (value: string) => {
    const n = positive(value);
    if (n < min || n > max)
      throw new InvalidArgumentError(
        min > 0 ? `must be a number from ${min} to ${max}.` : `must be a number above 0, at most ${max}.`,
      );
    return n;
  };
const port = (value: string) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 65_535)
    throw new InvalidArgumentError('must be a port from 1 to 65535.');
  return n;
};
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const scenarioFor = async (root: string, explicit?: string): Promise<Scenario | undefined> => {
  const file = localScenarioFile(root, explicit);
  return file ? loadScenario(file) : undefined;
};

/** `reliable-events local`: the app on the laptop with live counters, until Ctrl-C or `--seconds`. */
export const addLocalCommand = (program: Command) =>
  appOptions(
    program
      .command('local')
      .description(
        'Deploy the app onto DynamoDB Local and the SQS emulator, run every function behind its event source, and show live counters.',
      ),
  )
    .option('--seconds <s>', 'stop after S seconds (default: at Ctrl-C)', upTo(2_000_000))
    .option(
      '--rate <n>',
      "messages per second from the scenario's generator, when there is a scenario",
      upTo(1_000, 0.000_001),
      5,
    )
    .option(
      '--scenario <file>',
      'the scenario module whose messages to send (default: reliable-events.verify.ts, if present)',
    )
    .option('--sqs-port <port>', 'the SQS emulator on this port (default: a free one)', port)
    .option('--dynamodb-port <port>', 'DynamoDB Local on this port (default: a free one)', port)
    .option(
      '--alarm-period-scale <n>',
      "how many times shorter the alarms' periods run locally (60: a minute lasts a second)",
      positive,
      60,
    )
    .option('--verbose', "print the functions' logs")
    .addHelpText(
      'after',
      '\nExits 0 when the app drained with nothing lost at the end, 1 otherwise, 2 when it cannot start.',
    )
    .action(async (flags: LocalFlags) => {
      const root = process.cwd();
      if (flags.sqsPort) await assertPortFree(flags.sqsPort, '--sqs-port');
      if (flags.dynamodbPort) await assertPortFree(flags.dynamodbPort, '--dynamodb-port');
      const scenario = await scenarioFor(root, flags.scenario);
      const app = await prepareApp(flags, root, scenario?.context);
      const { deployLocal, localClientConfig, startLocalRuntime, startLocalStack } = await import(
        '../local/index.ts'
      );
      const { createProducer } = await import('../producer/index.ts');
      const { createReliabilityMetrics, memorySink } = await import('../metrics/index.ts');
      const { assertRunnable, findQueue } = await import('../verify/context.ts');
      const { startAlarms } = await import('../verify/alarms.ts');
      const { cliReason } = await import('../verify/alarm-endings.ts');
      const stack = await startLocalStack({
        ...(flags.sqsPort ? { sqsPort: flags.sqsPort } : {}),
        ...(flags.dynamodbPort ? { dynamodbPort: flags.dynamodbPort } : {}),
      });
      const stops: (() => Promise<unknown> | unknown)[] = [() => stack.stop(), app.cleanup];
      let stopping = false;
      const stop = async (code: number) => {
        if (stopping) return;
        stopping = true;
        for (const fn of stops.reverse()) await fn();
        process.exit(code);
      };
      try {
        const deployment = await deployLocal({
          stack,
          assembly: app.assembly,
          projectRoot: root,
          ...(app.stacks ? { stacks: app.stacks } : {}),
        });
        assertRunnable(deployment);
        const activity = new Map<string, Activity>(
          deployment.functions.map((f) => [
            f.logicalId,
            { batches: 0, records: 0, acked: 0, errors: 0, firstErrors: [] },
          ]),
        );
        const transitions: string[] = [];
        const alarms = startAlarms({
          assembly: app.assembly,
          stacks: app.stacks,
          deployment,
          stack,
          periodScale: flags.alarmPeriodScale,
          onTransition: (t) => {
            const reason = t.reason.length > 100 ? `${t.reason.slice(0, 99)}…` : t.reason;
            const line = `alarm ${t.logicalId}: ${t.from} → ${t.to} (${reason})`;
            transitions.push(line);
            if (!process.stdout.isTTY) console.log(line);
          },
        });
        stops.push(() => alarms.evaluator.stop());
        const runtime = startLocalRuntime({
          stack,
          deployment,
          onMetrics: (_, document) => alarms.evaluator.putEmf(document),
          onLog: flags.verbose ? (fn, line) => console.log(`[${fn}] ${line}`) : undefined,
          onBatch: (fn, report) => {
            alarms.evaluator.putBatch(fn, report);
            countBatch(activity.get(fn)!, report);
          },
        });
        stops.push(() => runtime.stop());
        console.log(describeDeployment(stack, deployment));

        const sqs = new SQSClient(localClientConfig(stack, stack.sqs.endpoint));
        const driven: LocalQueue | undefined = scenario ? findQueue(deployment, scenario.queue) : undefined;
        let sent = 0;
        let sending = Promise.resolve();
        const producer = driven
          ? createProducer({
              queueUrl: driven.url,
              client: sqs,
              throwOnFailure: false,
              // Counted here, not printed: the terminal shows the table.
              metrics: createReliabilityMetrics({
                sink: memorySink({ keep: 0 }),
                service: 'reliable-events-local',
              }),
            })
          : undefined;
        const traffic = scenario ? localTraffic(scenario) : undefined;
        const sendOne = () => {
          const message = traffic!();
          sending = sending.then(async () => {
            const { sent: accepted } = await producer!.send(outgoing(message));
            sent += accepted.length;
          });
        };
        const generator = producer ? setInterval(sendOne, 1000 / flags.rate) : undefined;
        if (!producer)
          console.log('\nNo scenario module: send messages with your own tools (the endpoints above).');

        const started = Date.now();
        const view = () => {
          const seconds = (Date.now() - started) / 1000;
          if (!process.stdout.isTTY)
            return console.log(
              renderLine({
                seconds,
                sent,
                activity,
                inFlight: runtime.inFlight(),
                totals: runtime.metrics.totals,
              }),
            );
          const title = `reliable-events local — ${seconds.toFixed(0)} s — in flight: ${runtime.inFlight()} — Ctrl-C to stop`;
          const table = renderTable({ title, deployment, totals: runtime.metrics.totals, activity, sent });
          process.stdout.write(`\x1b[2J\x1b[H${table}\n\n${transitions.slice(-8).join('\n')}\n`);
        };
        const viewer = setInterval(view, process.stdout.isTTY ? 1_000 : 5_000);

        let finishing = false;
        const finish = async () => {
          if (stopping) return;
          // The wait for a drain can be long (a queue's visibility timeout): a second Ctrl-C ends it.
          if (finishing) {
            console.error('reliable-events: stopped by a second Ctrl-C before the verdict.');
            process.exit(130);
          }
          finishing = true;
          clearInterval(generator);
          clearInterval(viewer);
          await sending;
          // Let what was sent drain before the verdict: a retry comes back after its queue's
          // visibility timeout, so wait for the longest of the consumed queues'.
          if (process.stdout.isTTY) console.log('\nWaiting for the app to drain (Ctrl-C again to stop now)…');
          const consumed = new Set(deployment.eventSources.map((s) => s.sourceArn));
          const queues = deployment.queues.filter((q) => consumed.has(q.arn));
          const window = drainWindowSeconds(queues);
          let queued = Number.POSITIVE_INFINITY;
          for (const deadline = Date.now() + window * 1000; Date.now() < deadline; await sleep(500)) {
            queued = await queuedIn(sqs, queues);
            if (queued === 0 && runtime.inFlight() === 0) break;
          }
          const { alarms: states } = await alarms.evaluator.stop();
          const totals = runtime.metrics.totals();
          const drained = queued === 0 && runtime.inFlight() === 0;
          const ok = drained && totals.MessagesLost === 0;
          console.log(
            `\n${renderTable({ title: 'reliable-events local — summary', deployment, totals: runtime.metrics.totals, activity, sent })}`,
          );
          console.log(
            `\nalarms\n${states.map((a) => `  ${a.logicalId.padEnd(40)} ${a.evaluated ? a.state : `not evaluated: ${cliReason(a.reason)}`}`).join('\n')}`,
          );
          console.log(
            `\n${verdictLine({
              drained,
              queued,
              inFlight: runtime.inFlight(),
              waitedSeconds: window,
              deadLettered: await queuedIn(sqs, deadLetterQueues(deployment.queues)),
              errors: [...activity.values()].reduce((n, a) => n + a.errors, 0),
              lost: totals.MessagesLost,
              duplicatesSuppressed: totals.DuplicatesSuppressed,
            })}`,
          );
          await stop(ok ? 0 : 1);
        };
        // Ctrl-C and SIGTERM alike end it with its verdict.
        onInterrupt(finish);
        if (flags.seconds) setTimeout(finish, flags.seconds * 1000);
        await new Promise(() => {});
      } catch (error) {
        for (const fn of stops.reverse()) await fn();
        stops.length = 0;
        throw error;
      }
    });
