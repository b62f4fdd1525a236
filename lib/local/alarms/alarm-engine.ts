import { ConfigurationError } from '../../errors.ts';
import { membersOf, ruleHolds } from './alarm-rule.ts';
import { evaluateDatapoints, evaluationRange } from './evaluate-metric-alarm.ts';
import { createMetricStore } from './metric-store.ts';
import { statisticOf } from './statistics.ts';
import type {
  AlarmReport,
  AlarmState,
  AlarmTransition,
  MetricAlarm,
  MetricId,
  MetricSample,
  TemplateAlarms,
} from './types.ts';

export type AlarmEngineOptions = {
  alarms: TemplateAlarms;
  /** @default 1 */
  periodScale?: number;
  /** Why no local source reports a metric alarm's metric, or `undefined` when one does. */
  missingSource?: (alarm: MetricAlarm) => string | undefined;
  onTransition?: (transition: AlarmTransition) => void;
  /** @default Date.now */
  now?: () => number;
};

const MAX_PERIODS_PER_TICK = 10_000;

type Entry = AlarmReport & { alarm?: MetricAlarm; periodMs: number; lastPeriod: number };

/**
 * The states of a template's alarms over a clock, with no timer and no I/O: `put()` datapoints,
 * `tick()` to evaluate every period that has ended. Periods start at the engine's creation and
 * last `Period / periodScale` seconds. Alarms start in INSUFFICIENT_DATA, as new CloudWatch
 * alarms do; a composite is ALARM when its rule is TRUE and OK otherwise.
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutCompositeAlarm.html
 *
 * @example
 * const engine = createAlarmEngine({ alarms, periodScale: 60 });
 * engine.put(metric, { timestamp: Date.now(), value: 1, count: 1 });
 * engine.tick(); engine.report();
 */
export const createAlarmEngine = (options: AlarmEngineOptions) => {
  const scale = options.periodScale ?? 1;
  if (!(Number.isFinite(scale) && scale > 0))
    throw new ConfigurationError(
      `periodScale must be a positive number, received ${String(options.periodScale)}`,
    );
  const now = options.now ?? Date.now;
  const origin = now();
  const store = createMetricStore();
  const entries = new Map<string, Entry>();
  const add = (
    a: { name: string; logicalId: string; description?: string },
    type: string,
    rest: Partial<Entry>,
  ) =>
    entries.set(a.name, {
      name: a.name,
      logicalId: a.logicalId,
      type,
      ...(a.description ? { description: a.description } : {}),
      evaluated: true,
      state: 'INSUFFICIENT_DATA',
      reason: 'not evaluated yet',
      transitions: [],
      periodMs: 0,
      lastPeriod: 0,
      ...rest,
    });
  for (const alarm of options.alarms.metricAlarms) {
    const missing = options.missingSource?.(alarm);
    add(
      alarm,
      'AWS::CloudWatch::Alarm',
      missing
        ? { evaluated: false, reason: missing }
        : { alarm, periodMs: (alarm.periodSeconds * 1000) / scale },
    );
  }
  for (const u of options.alarms.unsupported) add(u, u.type, { evaluated: false, reason: u.reason });
  const composites = options.alarms.compositeAlarms;
  for (const c of composites) {
    const notEvaluatedMembers = membersOf(c.rule).filter((m) => entries.get(m)?.evaluated === false);
    add(c, 'AWS::CloudWatch::CompositeAlarm', notEvaluatedMembers.length ? { notEvaluatedMembers } : {});
  }
  const timed = [...entries.values()].filter(
    (e): e is Entry & { alarm: MetricAlarm } => e.alarm !== undefined,
  );
  const rangeMs = (e: Entry & { alarm: MetricAlarm }) =>
    evaluationRange(e.alarm.evaluationPeriods) * e.periodMs;
  const window = Math.max(0, ...timed.map(rangeMs));

  const setState = (entry: Entry, state: AlarmState, reason: string, at: number) => {
    entry.reason = reason;
    if (state === entry.state) return;
    const transition = {
      alarm: entry.name,
      logicalId: entry.logicalId,
      from: entry.state,
      to: state,
      at,
      reason,
    };
    entry.state = state;
    entry.transitions.push(transition);
    options.onTransition?.(transition);
  };
  const evaluateComposites = (at: number) => {
    // A composite may name composites: repeat until nothing changes (at most once per composite).
    for (let pass = 0; pass <= composites.length; pass++) {
      let changed = false;
      for (const c of composites) {
        const entry = entries.get(c.name) as Entry;
        const holds = ruleHolds(c.rule, (member) => entries.get(member)?.state ?? 'INSUFFICIENT_DATA');
        const before = entry.state;
        setState(entry, holds ? 'ALARM' : 'OK', `${c.ruleText} is ${holds ? 'TRUE' : 'FALSE'}`, at);
        changed ||= entry.state !== before;
      }
      if (!changed) return;
    }
  };
  const evaluatePeriod = (entry: Entry & { alarm: MetricAlarm }, period: number) => {
    const { alarm, periodMs } = entry;
    const datapoints: (number | undefined)[] = [];
    for (let i = period - evaluationRange(alarm.evaluationPeriods); i < period; i++) {
      const from = origin + i * periodMs;
      const samples = i < 0 ? [] : store.samples(alarm.metric, from, from + periodMs, alarm.unit);
      datapoints.push(statisticOf(samples, alarm.statistic));
    }
    const { state, reason } = evaluateDatapoints(alarm, datapoints, entry.state);
    setState(entry, state, reason, origin + period * periodMs);
  };

  return {
    /** When period 0 began (epoch ms). */
    origin,
    put(metric: MetricId, sample: MetricSample): void {
      store.put(metric, sample);
    },
    /** Evaluates every period that has ended by now, in time order, each composite after its members. */
    tick(): void {
      const at = now();
      const due: { entry: Entry & { alarm: MetricAlarm }; period: number; end: number }[] = [];
      for (const entry of timed) {
        const ended = Math.floor((at - origin) / entry.periodMs);
        // Every period in turn, so each transition has the time it happened even after a pause;
        // bounded, for a clock that jumped.
        const first = Math.max(entry.lastPeriod + 1, ended - MAX_PERIODS_PER_TICK);
        for (let period = first; period <= ended; period++)
          due.push({ entry, period, end: origin + period * entry.periodMs });
        entry.lastPeriod = Math.max(entry.lastPeriod, ended);
      }
      due.sort((a, b) => a.end - b.end);
      due.forEach(({ entry, period, end }, i) => {
        evaluatePeriod(entry, period);
        if (due[i + 1]?.end !== end) evaluateComposites(end);
      });
      evaluateComposites(at);
      store.prune(at - 2 * window);
    },
    /** Every alarm of the template: evaluated or not, its state, reason and transitions. */
    report(): AlarmReport[] {
      return [...entries.values()].map(
        ({ alarm: _a, periodMs: _p, lastPeriod: _l, transitions, ...rest }) => ({
          ...rest,
          transitions: [...transitions],
        }),
      );
    },
  };
};

export type AlarmEngine = ReturnType<typeof createAlarmEngine>;
