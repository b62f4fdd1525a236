import { UnresolvableError } from '../errors.ts';
import { type LocalValue, resolve, type StackTemplate } from '../template.ts';
import { membersOf, parseAlarmRule, renameMembers } from './alarm-rule.ts';
import { AlarmRuleSyntaxError } from './errors.ts';
import { metricAlarmOf, Unsupported } from './metric-alarm-properties.ts';
import type { AlarmRule, TemplateAlarms } from './types.ts';

export type ReadAlarmsOptions = {
  /** What the template's resources are on the local stack, by logical id (see `localValuesOf`). @default none */
  values?: ReadonlyMap<string, LocalValue>;
  /** @default 'us-east-1' */
  region?: string;
  /** @default '000000000000' */
  accountId?: string;
};

/**
 * Reads a synthesized template's `AWS::CloudWatch::Alarm` and `AWS::CloudWatch::CompositeAlarm`
 * resources, resolving `Ref`, `Fn::GetAtt`, `Fn::Join` and `Fn::Sub` against the local values
 * (so a `QueueName` dimension becomes the local queue's name). An alarm that cannot be evaluated
 * locally — metric math, anomaly detection, an extended statistic other than a percentile, an
 * intrinsic that names nothing local, a rule that does not parse — is listed in `unsupported`
 * with the reason, never dropped.
 *
 * @example
 * const { metricAlarms, compositeAlarms, unsupported } = readAlarms(stack, { values: localValuesOf(deployment) });
 */
export const readAlarms = (stack: StackTemplate, options: ReadAlarmsOptions = {}): TemplateAlarms => {
  const region = options.region ?? 'us-east-1';
  const accountId = options.accountId ?? '000000000000';
  const values = new Map(options.values ?? []);
  const context = { region, accountId, stackName: stack.stackName, values };
  const result: TemplateAlarms = { metricAlarms: [], compositeAlarms: [], unsupported: [] };
  const resources = Object.entries(stack.template.Resources ?? {});
  const alarms = resources.filter(([, r]) => /^AWS::CloudWatch::(Composite)?Alarm$/.test(r.Type));
  const resolved = (value: unknown, what: string): unknown => {
    try {
      return resolve(value, context);
    } catch (error) {
      if (error instanceof UnresolvableError)
        throw new Unsupported(`${what}: ${error.message} names nothing on the local stack`);
      throw error;
    }
  };

  const names = new Map<string, string>();
  for (const [logicalId, resource] of alarms) {
    // CloudFormation names an unnamed alarm after its stack and logical id (plus a random tail).
    let name = `${stack.stackName}-${logicalId}`;
    const given = resource.Properties?.AlarmName;
    if (given !== undefined) {
      try {
        name = String(resolved(given, 'AlarmName'));
      } catch (error) {
        if (!(error instanceof Unsupported)) throw error;
        // Keep the generated name: the alarm is still evaluated, and a rule naming it by Ref resolves to it.
      }
    }
    const arn = `arn:aws:cloudwatch:${region}:${accountId}:alarm:${name}`;
    values.set(logicalId, { ref: name, attributes: { Arn: arn } });
    names.set(name, name).set(arn, name);
  }

  for (const [logicalId, resource] of alarms) {
    const props = resource.Properties ?? {};
    const { ref: name, attributes } = values.get(logicalId) as LocalValue;
    const arn = attributes.Arn as string;
    const description =
      typeof props.AlarmDescription === 'string' ? { description: props.AlarmDescription } : {};
    try {
      if (resource.Type === 'AWS::CloudWatch::CompositeAlarm') {
        const ruleText = String(resolved(props.AlarmRule, 'AlarmRule'));
        let parsed: AlarmRule;
        try {
          parsed = parseAlarmRule(ruleText);
        } catch (error) {
          if (error instanceof AlarmRuleSyntaxError)
            throw new Unsupported(`AlarmRule does not parse: ${error.message}`);
          throw error;
        }
        const unknown = membersOf(parsed).filter((member) => !names.has(member));
        if (unknown.length > 0)
          throw new Unsupported(`AlarmRule names alarms the template does not have: ${unknown.join(', ')}`);
        const rule = renameMembers(parsed, (member) => names.get(member) as string);
        result.compositeAlarms.push({
          kind: 'composite',
          logicalId,
          name,
          arn,
          ...description,
          rule,
          ruleText,
        });
        continue;
      }
      result.metricAlarms.push({ ...metricAlarmOf(props, resolved), logicalId, name, arn, ...description });
    } catch (error) {
      if (!(error instanceof Unsupported)) throw error;
      result.unsupported.push({ logicalId, name, type: resource.Type, reason: error.message });
    }
  }
  return result;
};

/** Several stacks' alarms as one list, for one evaluator. */
export const mergeAlarms = (...lists: TemplateAlarms[]): TemplateAlarms => ({
  metricAlarms: lists.flatMap((l) => l.metricAlarms),
  compositeAlarms: lists.flatMap((l) => l.compositeAlarms),
  unsupported: lists.flatMap((l) => l.unsupported),
});
