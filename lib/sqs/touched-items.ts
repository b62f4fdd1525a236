import type { StagedCommit, TransactItem } from '../idempotency/staged-commit.ts';
import { stableKey } from '../idempotency/transaction.ts';

/** What a call's actions touch: items as `table + key`, and tables where a put's key is unknown. */
export type Touched = { items: string[]; unkeyed: string[] };

/**
 * The items a call's actions touch. Updates, deletes and checks name their key; a put's key is
 * known once the table's key attributes were seen (another action's key, a guarded item's). A put
 * on a table never seen keyed counts as touching every item of that table, so it never shares a
 * transaction with another write there: DynamoDB would refuse two actions on one item, and the
 * second record's handler must run again on the committed state.
 */
export const touchedBy = (staged: StagedCommit, keyNames: Map<string, string[]>): Touched => {
  keyNames.set(staged.readBack.TableName, Object.keys(staged.readBack.Key));
  const inputs = staged.actions.map((action: TransactItem) => {
    const input = (action.Put ?? action.Update ?? action.Delete ?? action.ConditionCheck) as {
      TableName: string;
      Key?: Record<string, unknown>;
      Item?: Record<string, unknown>;
    };
    if (input.Key) keyNames.set(input.TableName, Object.keys(input.Key));
    return input;
  });
  const touched: Touched = { items: [], unkeyed: [] };
  for (const { TableName, Key, Item } of inputs) {
    const names = keyNames.get(TableName);
    const key =
      Key ?? (names && Item ? Object.fromEntries(names.map((name) => [name, Item[name]])) : undefined);
    if (key) touched.items.push(`${TableName}\n${stableKey(key)}`);
    else touched.unkeyed.push(TableName);
  }
  return touched;
};
