import { type Duration, Token } from 'aws-cdk-lib';
import { ConfigurationError } from '../../lib/errors.ts';

/** How a received value reads in a message: its type, or its class for an object. */
export const describeValue = (value: unknown): string => {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') {
    // aws-cdk-lib's compiled classes carry a numeric suffix (Queue2); the user knows them as Queue.
    const name = (value as object).constructor?.name?.replace(/\d+$/, '');
    if (!name || name === 'Object') return 'an object';
    const path = (value as { node?: { path?: unknown } }).node?.path;
    return `${/^[AEIOU]/.test(name) ? 'an' : 'a'} ${name}${typeof path === 'string' ? ` (${path})` : ''}`;
  }
  if (typeof value === 'string') return `the string ${JSON.stringify(value)}`;
  return `${typeof value} ${String(value)}`;
};

/**
 * The checks a construct runs on its props, each throwing a `ConfigurationError` that starts with
 * the construct and its id, and names the prop, what it must be and what it received — for
 * TypeScript users whose values are out of range, and for JavaScript users whose values are not
 * even of the right type (who would otherwise meet `table.grant is not a function`).
 */
export const propChecks = (owner: string) => {
  const fail = (message: string): never => {
    throw new ConfigurationError(`${owner}: ${message}`);
  };
  const must = (prop: string, expected: string, value: unknown): never =>
    fail(`${prop} must be ${expected}, received ${describeValue(value)}.`);
  return {
    fail,
    must,
    string(prop: string, value: unknown, expected = 'a non-empty string'): void {
      if (typeof value !== 'string' || value === '') must(prop, expected, value);
    },
    integer(prop: string, value: unknown, min: number, max: number, why = ''): void {
      if (Token.isUnresolved(value)) return;
      if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max)
        must(prop, `an integer from ${min} to ${max}${why}`, value);
    },
    /** A `Duration` whose resolved length in seconds lies in [min, max]; unresolved tokens pass. */
    duration(prop: string, value: unknown, min: number, max: number, why = ''): void {
      if (typeof (value as Duration | undefined)?.toSeconds !== 'function')
        must(prop, 'a Duration (Duration.seconds(…))', value);
      const duration = value as Duration;
      if (Token.isUnresolved(duration)) return;
      const seconds = duration.toSeconds({ integral: false });
      if (seconds < min || seconds > max)
        fail(`${prop} must be from ${min} to ${max} seconds${why}, received ${duration.toHumanString()}.`);
    },
    /** A DynamoDB `ITable`: duck-typed, as CDK's own interfaces are, so any copy of aws-cdk-lib passes. */
    table(prop: string, value: unknown): void {
      const table = value as { grant?: unknown; tableName?: unknown; table?: unknown } | undefined;
      if (typeof table?.grant === 'function' && typeof table.tableName === 'string') return;
      const hint =
        typeof table?.table === 'object'
          ? `; pass its .table`
          : typeof value === 'string'
            ? `; for a table by name, pass dynamodb.Table.fromTableName(scope, id, ${JSON.stringify(value)})`
            : '';
      fail(`${prop} must be a DynamoDB table (dynamodb.ITable), received ${describeValue(value)}${hint}.`);
    },
  };
};
