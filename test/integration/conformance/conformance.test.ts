import { beforeAll, describe, it } from 'vitest';
import { combinations } from './combinations.ts';
import { createTables, type Tables } from './harness.ts';
import { promises } from './promises.ts';

// The conformance suite: every promise of docs/semantics.md in every combination of mode, group
// commit and queue kind, on DynamoDB Local and the local SQS. A combination a promise does not
// apply to is listed (skipped, with the reason in its name), never left out.
// `npm run conformance` prints the matrix.
describe.each(combinations)('$name', (combination) => {
  let tables: Tables;
  beforeAll(async () => {
    tables = await createTables();
  });
  for (const promise of promises) {
    const reason = promise.notApplicable?.(combination);
    if (reason) it.skip(`[${promise.id}] not applicable: ${reason}`, () => {});
    else it(`[${promise.id}] ${promise.title}`, () => promise.run(combination, tables));
  }
});
