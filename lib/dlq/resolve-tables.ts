import type { StackTemplate } from '../local/template.ts';
import { byType, logicalIdOf } from '../local/template-resources.ts';
import { IDEMPOTENCY_TABLE_ENV } from '../sqs/environment.ts';

/** The idempotency tables of an app's SQS consumers, by name, and the ones whose name is not known before deployment. */
export type AppIdempotencyTables = { tables: string[]; unresolved: string[] };

/**
 * The tables named by `IDEMPOTENCY_TABLE` in the environment of every function an SQS queue feeds
 * (what `ReliableConsumer` sets), as `reliable-events local` names them (`local`) or as the template
 * does. A table whose name CloudFormation generates cannot be known from the template: it is listed
 * in `unresolved` (by logical id), for the caller to name with `--idempotency-table`.
 *
 * @example
 * const { tables } = idempotencyTablesOf(readAssembly('cdk.out'), { local: true });
 */
export const idempotencyTablesOf = (
  templates: readonly StackTemplate[],
  options: { local: boolean },
): AppIdempotencyTables => {
  const tables = new Set<string>();
  const unresolved = new Set<string>();
  for (const template of templates) {
    const resources = template.template.Resources ?? {};
    const consumers = new Set(
      byType(template, 'AWS::Lambda::EventSourceMapping')
        .filter(
          ([, mapping]) =>
            resources[logicalIdOf(mapping.Properties.EventSourceArn) ?? '']?.Type === 'AWS::SQS::Queue',
        )
        .map(([, mapping]) => logicalIdOf(mapping.Properties.FunctionName) ?? ''),
    );
    for (const [id, fn] of byType(template, 'AWS::Lambda::Function')) {
      if (!consumers.has(id)) continue;
      const variables = (fn.Properties.Environment as { Variables?: Record<string, unknown> } | undefined)
        ?.Variables;
      const value = variables?.[IDEMPOTENCY_TABLE_ENV];
      if (typeof value === 'string') {
        tables.add(value);
        continue;
      }
      const tableId = logicalIdOf(value);
      const table = tableId ? resources[tableId] : undefined;
      if (!tableId || table?.Type !== 'AWS::DynamoDB::Table') continue;
      const name = table.Properties?.TableName;
      // deploy-local.ts names a table without TableName this way.
      if (typeof name === 'string') tables.add(name);
      else if (options.local) tables.add(`${template.stackName}-${tableId}`);
      else unresolved.add(tableId);
    }
  }
  return { tables: [...tables], unresolved: [...unresolved] };
};
