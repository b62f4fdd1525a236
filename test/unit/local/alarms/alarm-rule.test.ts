import { describe, expect, it } from 'vitest';
import { membersOf, parseAlarmRule, ruleHolds } from '../../../../lib/local/alarms/alarm-rule.ts';
import { AlarmRuleSyntaxError } from '../../../../lib/local/alarms/errors.ts';
import type { AlarmState } from '../../../../lib/local/alarms/types.ts';

const holds = (rule: string, states: Record<string, AlarmState>) =>
  ruleHolds(parseAlarmRule(rule), (name) => states[name] ?? 'INSUFFICIENT_DATA');

// The rule syntax of PutCompositeAlarm and the user guide's examples:
// https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutCompositeAlarm.html
describe('composite alarm rules', () => {
  it('tests each state function, with names quoted or not, and ARNs', () => {
    const arn = 'arn:aws:cloudwatch:us-east-1:000000000000:alarm:Stack-Errors';
    expect(holds(`ALARM("${arn}")`, { [arn]: 'ALARM' })).toBe(true);
    expect(holds('ALARM(CPUUtilizationTooHigh)', { CPUUtilizationTooHigh: 'OK' })).toBe(false);
    expect(holds('OK(a)', { a: 'OK' })).toBe(true);
    expect(holds('INSUFFICIENT_DATA( "a b" )', {})).toBe(true);
    expect(holds('INSUFFICIENT_DATA(a)', { a: 'ALARM' })).toBe(false);
  });

  it('evaluates TRUE, FALSE, AND, OR, NOT and parentheses', () => {
    expect(holds('TRUE', {})).toBe(true);
    expect(holds('FALSE OR FALSE', {})).toBe(false);
    expect(holds('ALARM(a) AND NOT ALARM(b)', { a: 'ALARM', b: 'OK' })).toBe(true);
    expect(holds('ALARM(a) AND NOT ALARM(b)', { a: 'ALARM', b: 'ALARM' })).toBe(false);
    const rule = '(ALARM(a) OR ALARM(b)) AND OK(c)';
    expect(holds(rule, { b: 'ALARM', c: 'OK' })).toBe(true);
    expect(holds(rule, { b: 'ALARM', c: 'ALARM' })).toBe(false);
    expect(holds('NOT (ALARM(a) OR ALARM(b))', { a: 'OK', b: 'OK' })).toBe(true);
  });

  it('binds NOT tighter than AND, and AND tighter than OR', () => {
    expect(holds('ALARM(a) OR ALARM(b) AND FALSE', { a: 'ALARM' })).toBe(true);
    expect(holds('NOT ALARM(a) AND ALARM(b)', { a: 'OK', b: 'OK' })).toBe(false);
  });

  it('nests composites as CDK writes them, and lists their members once', () => {
    const rule = parseAlarmRule(
      '((ALARM("x") OR OK("y") OR ALARM("z")) AND (NOT (INSUFFICIENT_DATA("w")))) OR FALSE',
    );
    expect(membersOf(rule)).toEqual(['x', 'y', 'z', 'w']);
    expect(ruleHolds(rule, (n) => (n === 'y' ? 'OK' : 'ALARM'))).toBe(true);
    expect(ruleHolds(rule, (n) => (n === 'w' ? 'INSUFFICIENT_DATA' : 'ALARM'))).toBe(false);
  });

  it.each([
    ['ALARM(a) AND', /ends where/],
    ['(ALARM(a)', /never closed/],
    ['ALARM(a) ALARM(b)', /after a complete rule/],
    ['ALARMS(a)', /Unexpected "ALARMS"/],
    ['ALARM("")', /names no alarm/],
    ['ALARM(a) XOR ALARM(b)', /Unexpected "XOR"/],
  ])('rejects %s with a named error', (text, message) => {
    expect(() => parseAlarmRule(text)).toThrow(AlarmRuleSyntaxError);
    expect(() => parseAlarmRule(text)).toThrow(message);
  });
});
