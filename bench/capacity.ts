import type { AttributeValue, DynamoDBClient } from '@aws-sdk/client-dynamodb';

/**
 * DynamoDB capacity units modeled from the requests a client actually sent, by AWS's published
 * rules, for items of at most 1 KB (the bench checks its largest item against that):
 * - PutItem, UpdateItem, DeleteItem: 1 write unit per 1 KB, a failed condition included ("If a
 *   ConditionExpression evaluates to false during a conditional write, DynamoDB still consumes write
 *   capacity", https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/WorkingWithItems.html);
 * - TransactWriteItems: 2 write units per item per 1 KB, ConditionCheck items included ("DynamoDB
 *   performs two underlying reads or writes of every item in the transaction",
 *   https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/transaction-apis.html). AWS
 *   documents nothing for a cancelled transaction: it is counted like a committed one;
 * - GetItem: 1 read unit per 4 KB strongly consistent, 0.5 eventually consistent; TransactGetItems
 *   2 per item (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/read-write-operations.html);
 * - a throttled or rejected request consumes nothing.
 * On-demand tables bill the same counts as write and read request units.
 */
export type Units = { write: number; read: number };

type Input = Record<string, unknown>;
type Outcome = 'ok' | 'condition-failed' | 'cancelled' | 'rejected';

const count = (value: unknown) => (Array.isArray(value) ? value.length : 0);
const batchKeys = (requests: unknown) =>
  Object.values((requests ?? {}) as Record<string, unknown>).reduce<number>(
    (sum, entry) => sum + (Array.isArray(entry) ? entry.length : count((entry as { Keys?: unknown }).Keys)),
    0,
  );

/** Units one request consumed, by operation, input and outcome; undefined for operations the model leaves out (Query, Scan). */
export const modelUnits = (operation: string, input: Input, outcome: Outcome): Units | undefined => {
  if (outcome === 'rejected') return { write: 0, read: 0 };
  switch (operation) {
    case 'PutItem':
    case 'UpdateItem':
    case 'DeleteItem':
      return { write: 1, read: 0 };
    case 'TransactWriteItems':
      return { write: 2 * count(input.TransactItems), read: 0 };
    case 'BatchWriteItem':
      return { write: batchKeys(input.RequestItems), read: 0 };
    case 'GetItem':
      return { write: 0, read: input.ConsistentRead ? 1 : 0.5 };
    case 'TransactGetItems':
      return { write: 0, read: 2 * count(input.TransactItems) };
    default:
      return undefined;
  }
};

const outcomeOf = (error: unknown): Outcome => {
  const name = (error as Error)?.name;
  if (name === 'ConditionalCheckFailedException') return 'condition-failed';
  if (name === 'TransactionCanceledException') return 'cancelled';
  return 'rejected';
};

const SINGLE_ITEM = new Set(['PutItem', 'UpdateItem', 'DeleteItem', 'GetItem']);

/** What a metered client sent since its last reset. */
export type CapacityTally = Units & {
  /** Requests by operation (commands; the SDK's retries of one command are one entry). */
  requests: Record<string, number>;
  /** Requests the model leaves out, whose units are taken from what DynamoDB Local reported. */
  unmodeled: number;
  /** Successful single-item requests where DynamoDB Local reported capacity, and how many agree with the model. */
  checked: number;
  agreed: number;
  /** What DynamoDB Local reported for transactions, beside the modeled units. */
  transactions: { modeled: number; reported: number };
};

const emptyTally = (): CapacityTally => ({
  write: 0,
  read: 0,
  requests: {},
  unmodeled: 0,
  checked: 0,
  agreed: 0,
  transactions: { modeled: 0, reported: 0 },
});

type Consumed = { CapacityUnits?: number } | { CapacityUnits?: number }[] | undefined;
const reportedUnits = (consumed: Consumed) =>
  [consumed ?? []].flat().reduce((sum, entry) => sum + (entry.CapacityUnits ?? 0), 0);

/**
 * Meters every command `client` sends (Document client commands on it included): asks DynamoDB for
 * `ReturnConsumedCapacity: 'TOTAL'`, models each request's units from its input and outcome, and
 * compares the model with the units DynamoDB Local reports where Local reports them truthfully.
 * DynamoDB Local reports single-item writes and reads by AWS's rules (item size rounding and the
 * larger of the old and new item included), but not transactions (measured: ten small puts in one
 * TransactWriteItems reported as 2 units, where AWS bills 20), and nothing for a failed request.
 */
export const meterCapacity = (client: DynamoDBClient) => {
  let tally = emptyTally();
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const operation = String(context.commandName).replace(/Command$/, '');
      const input = { ...(args.input as Input), ReturnConsumedCapacity: 'TOTAL' };
      tally.requests[operation] = (tally.requests[operation] ?? 0) + 1;
      let outcome: Outcome = 'ok';
      let consumed: Consumed;
      try {
        const result = await next({ ...args, input });
        consumed = (result.output as { ConsumedCapacity?: Consumed }).ConsumedCapacity;
        return result;
      } catch (error) {
        outcome = outcomeOf(error);
        throw error;
      } finally {
        const reported = reportedUnits(consumed);
        const units = modelUnits(operation, input, outcome);
        if (units === undefined) {
          tally.unmodeled += 1;
          tally.read += reported; // Query and Scan read; the bench's contenders send neither
        } else {
          tally.write += units.write;
          tally.read += units.read;
          if (operation === 'TransactWriteItems') {
            tally.transactions.modeled += units.write;
            tally.transactions.reported += reported;
          }
          if (outcome === 'ok' && consumed !== undefined && SINGLE_ITEM.has(operation)) {
            tally.checked += 1;
            if (reported === units.write + units.read) tally.agreed += 1;
          }
        }
      }
    },
    { step: 'initialize', name: 'meterCapacity' },
  );
  return {
    /** The tally since the last `take()`; starts a new one. */
    take(): CapacityTally {
      const taken = tally;
      tally = emptyTally();
      return taken;
    },
  };
};

// Item size: attribute names and values in bytes, by DynamoDB's rules
// (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/CapacityUnitCalculations.html);
// numbers are counted at their upper bound of 21 bytes.
const valueSize = (value: AttributeValue): number => {
  if (value.S !== undefined) return Buffer.byteLength(value.S);
  if (value.N !== undefined) return 21;
  if (value.B !== undefined) return value.B.length;
  if (value.BOOL !== undefined || value.NULL !== undefined) return 1;
  if (value.SS) return value.SS.reduce((sum, s) => sum + Buffer.byteLength(s), 0);
  if (value.NS) return value.NS.length * 21;
  if (value.BS) return value.BS.reduce((sum, b) => sum + b.length, 0);
  if (value.L) return 3 + value.L.reduce((sum, v) => sum + 1 + valueSize(v), 0);
  if (value.M) return 3 + itemSize(value.M) + Object.keys(value.M).length;
  return 0;
};

/** An item's size in bytes for capacity purposes (an upper bound where numbers are involved). */
export const itemSize = (item: Record<string, AttributeValue>): number =>
  Object.entries(item).reduce((sum, [name, value]) => sum + Buffer.byteLength(name) + valueSize(value), 0);
