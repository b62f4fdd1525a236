import { AlarmRuleSyntaxError } from './errors.ts';
import type { AlarmRule, AlarmState } from './types.ts';

const TOKEN =
  /\s*(?:(\()|(\))|"([^"]*)"|(ALARM|OK|INSUFFICIENT_DATA)\s*\(\s*(?:"([^"]*)"|([^)\s"]+))\s*\)|([A-Za-z_]+))/y;

type Token = { kind: '(' | ')' | 'word' | 'call'; text: string; argument?: string };

const tokenize = (text: string): Token[] => {
  const tokens: Token[] = [];
  TOKEN.lastIndex = 0;
  while (TOKEN.lastIndex < text.length && text.slice(TOKEN.lastIndex).trim() !== '') {
    const start = TOKEN.lastIndex;
    const match = TOKEN.exec(text);
    if (!match)
      throw new AlarmRuleSyntaxError(`Unexpected "${text.slice(start).trim().slice(0, 30)}" at ${start}`);
    const [, open, close, quoted, fn, quotedArg, bareArg, word] = match;
    if (open) tokens.push({ kind: '(', text: open });
    else if (close) tokens.push({ kind: ')', text: close });
    else if (quoted !== undefined)
      throw new AlarmRuleSyntaxError(`A quoted name outside a function: "${quoted}"`);
    else if (fn) tokens.push({ kind: 'call', text: fn, argument: quotedArg ?? bareArg ?? '' });
    else tokens.push({ kind: 'word', text: word ?? '' });
  }
  return tokens;
};

/**
 * Parses a composite alarm's rule: `ALARM(name)`, `OK(name)`, `INSUFFICIENT_DATA(name)` (the name
 * or ARN of an alarm, quoted or not), `TRUE`, `FALSE`, `NOT`, `AND`, `OR` and parentheses; NOT
 * binds tighter than AND, and AND tighter than OR.
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutCompositeAlarm.html
 *
 * @example
 * parseAlarmRule('ALARM("errors") AND NOT OK(latency)');
 * // { op: 'and', operands: [{ op: 'state', state: 'ALARM', alarm: 'errors' }, { op: 'not', … }] }
 */
export const parseAlarmRule = (text: string): AlarmRule => {
  const tokens = tokenize(text);
  let at = 0;
  const peekWord = (word: string) => tokens[at]?.kind === 'word' && tokens[at]?.text === word;
  const list = (op: 'and' | 'or', word: string, next: () => AlarmRule): AlarmRule => {
    const operands = [next()];
    while (peekWord(word)) {
      at++;
      operands.push(next());
    }
    return operands.length === 1 ? (operands[0] as AlarmRule) : { op, operands };
  };
  const primary = (): AlarmRule => {
    const token = tokens[at++];
    if (!token)
      throw new AlarmRuleSyntaxError('The rule ends where an alarm function or TRUE/FALSE was expected');
    if (token.kind === '(') {
      const inner = or();
      if (tokens[at++]?.kind !== ')') throw new AlarmRuleSyntaxError('A "(" is never closed');
      return inner;
    }
    if (token.kind === 'word' && token.text === 'NOT') return { op: 'not', operand: primary() };
    if (token.kind === 'word' && (token.text === 'TRUE' || token.text === 'FALSE'))
      return { op: 'const', value: token.text === 'TRUE' };
    if (token.kind === 'call') {
      if (!token.argument) throw new AlarmRuleSyntaxError(`${token.text}() names no alarm`);
      return { op: 'state', state: token.text as AlarmState, alarm: token.argument };
    }
    throw new AlarmRuleSyntaxError(
      `Unexpected "${token.text}": expected ALARM(…), OK(…), INSUFFICIENT_DATA(…), TRUE, FALSE, NOT or "("`,
    );
  };
  const and = () => list('and', 'AND', primary);
  const or = (): AlarmRule => list('or', 'OR', and);
  const rule = or();
  if (at < tokens.length)
    throw new AlarmRuleSyntaxError(`Unexpected "${tokens[at]?.text}" after a complete rule`);
  return rule;
};

/** The alarm names or ARNs a rule refers to. */
export const membersOf = (rule: AlarmRule): string[] => {
  switch (rule.op) {
    case 'state':
      return [rule.alarm];
    case 'const':
      return [];
    case 'not':
      return membersOf(rule.operand);
    default:
      return [...new Set(rule.operands.flatMap(membersOf))];
  }
};

/** Whether a rule holds, given each member's state. */
export const ruleHolds = (rule: AlarmRule, stateOf: (alarm: string) => AlarmState): boolean => {
  switch (rule.op) {
    case 'state':
      return stateOf(rule.alarm) === rule.state;
    case 'const':
      return rule.value;
    case 'not':
      return !ruleHolds(rule.operand, stateOf);
    case 'and':
      return rule.operands.every((operand) => ruleHolds(operand, stateOf));
    case 'or':
      return rule.operands.some((operand) => ruleHolds(operand, stateOf));
  }
};

/** The rule with each member renamed, e.g. from ARN to alarm name. */
export const renameMembers = (rule: AlarmRule, to: (alarm: string) => string): AlarmRule => {
  if (rule.op === 'state') return { ...rule, alarm: to(rule.alarm) };
  if (rule.op === 'not') return { op: 'not', operand: renameMembers(rule.operand, to) };
  if (rule.op === 'const') return rule;
  return { op: rule.op, operands: rule.operands.map((operand) => renameMembers(operand, to)) };
};
