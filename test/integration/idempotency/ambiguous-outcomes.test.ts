import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterEach, describe, expect, it } from 'vitest';
import { dynamoDBStore, makeIdempotent } from '../../../lib/idempotency/index.ts';
import type { DeliveryMode } from '../../../lib/idempotency/types.ts';
import {
  type FaultProxy,
  localClientConfig,
  type ProxyFault,
  startFaultProxy,
} from '../../../lib/local/index.ts';
import { createTable, localClients } from '../../support/local.ts';

type Payment = { id: string };
const { stack, dynamodb, documents } = localClients();

/**
 * A DynamoDB client behind the fault proxy whose socket gives up after one second, so a request
 * the proxy holds after forwarding (`hang-after`) lands in the table while the caller sees a
 * timeout, and the SDK's retries (same ClientRequestToken) meet whatever `faults` says next.
 */
const setup = async (faults: { operation: string; plan: ProxyFault[]; rest?: ProxyFault }) => {
  const idempotencyTable = await createTable(dynamodb, 'idempotency');
  const ledgerTable = await createTable(dynamodb, 'ledger');
  const plan = [...faults.plan];
  let faulty = true;
  const proxy = await startFaultProxy({
    target: stack.dynamodb.endpoint,
    decide: (operation) =>
      faulty && operation === faults.operation ? (plan.shift() ?? faults.rest) : undefined,
  });
  const client = new DynamoDBClient({
    ...localClientConfig(stack, proxy.endpoint),
    requestHandler: { socketTimeout: 1000 },
  });
  const store = dynamoDBStore({ tableName: idempotencyTable, client });
  const captures = async (pk: string) =>
    (await documents.send(new GetCommand({ TableName: ledgerTable, Key: { pk }, ConsistentRead: true }))).Item
      ?.captures;
  const record = async (pk: string) =>
    (await documents.send(new GetCommand({ TableName: idempotencyTable, Key: { pk }, ConsistentRead: true })))
      .Item;
  const capture = (mode: DeliveryMode = 'exactly-once') => {
    const runs: string[] = [];
    const fn = makeIdempotent(
      async (payment: Payment, { transaction }) => {
        runs.push(payment.id);
        if (mode === 'exactly-once')
          transaction.update({
            TableName: ledgerTable,
            Key: { pk: payment.id },
            UpdateExpression: 'ADD captures :one',
            ExpressionAttributeValues: { ':one': 1 },
          });
        return { captured: payment.id };
      },
      { store, key: (payment) => payment.id, mode, scope: '' },
    );
    return { fn, runs };
  };
  const heal = () => {
    faulty = false;
  };
  return { proxy, captures, record, capture, heal };
};

describe('an idempotency call whose DynamoDB answer is lost', () => {
  let proxy: FaultProxy | undefined;
  afterEach(async () => {
    await proxy?.stop();
    proxy = undefined;
  });

  it('a commit that landed while the caller saw an error is found, not released: the payment is captured once', async () => {
    const env = await setup({ operation: 'TransactWriteItems', plan: ['hang-after'], rest: 'throttle' });
    proxy = env.proxy;
    const { fn, runs } = env.capture();
    // The first delivery: the commit lands, the caller's socket times out, the retries are throttled.
    const first = await fn({ id: 'p-1' }).then(
      (result) => ({ result }),
      (error: Error) => ({ error: error.name }),
    );
    env.heal();
    // SQS redelivers what it was not told succeeded.
    const second = await fn({ id: 'p-1' }).catch((error: Error) => ({ error: error.name }));
    expect(proxy.faults['hang-after']).toBe(1);
    expect(await env.captures('p-1')).toBe(1);
    expect(runs).toEqual(['p-1']);
    expect(first).toEqual({ result: { captured: 'p-1' } });
    expect(second).toEqual({ captured: 'p-1' });
    expect((await env.record('p-1'))?.status).toBe('COMPLETED');
  });

  it('lease mode: a claim whose response was lost is recognised as ours and runs', async () => {
    const env = await setup({ operation: 'PutItem', plan: ['hang-after'] });
    proxy = env.proxy;
    const { fn, runs } = env.capture();
    expect(await fn({ id: 'p-2' })).toEqual({ captured: 'p-2' });
    expect(proxy.faults['hang-after']).toBe(1);
    expect(runs).toEqual(['p-2']);
    expect(await env.captures('p-2')).toBe(1);
  });

  it('at-most-once: a claim whose response was lost still runs the call, once', async () => {
    const env = await setup({ operation: 'PutItem', plan: ['hang-after'] });
    proxy = env.proxy;
    const { fn, runs } = env.capture('at-most-once');
    expect(await fn({ id: 'p-3' })).toEqual({ captured: 'p-3' });
    expect(await fn({ id: 'p-3' })).toBeUndefined();
    expect(proxy.faults['hang-after']).toBe(1);
    expect(runs).toEqual(['p-3']);
  });
});
