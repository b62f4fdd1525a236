import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { adaptFifoQueue, assertFauxqsShape } from '../../../lib/local/fifo-receive.ts';
import { importFauxqsStore } from '../../../lib/local/sqs-emulator.ts';

// The local SQS's FIFO receive replaces three methods of fauxqs's queue class and reads its
// internal maps. These tests fail loudly when a fauxqs upgrade moves what the adapter relies on.

const ownPackage = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as {
  devDependencies: Record<string, string>;
  peerDependencies: Record<string, string>;
};
// fauxqs's export map hides its package.json from require: read it where npm put it.
const installed = (
  JSON.parse(readFileSync(new URL('../../../node_modules/fauxqs/package.json', import.meta.url), 'utf8')) as {
    version: string;
  }
).version;

const fifoQueue = async () => {
  const { SqsQueue } = await importFauxqsStore();
  return new SqsQueue(
    'q.fifo',
    'http://127.0.0.1/000000000000/q.fifo',
    'arn:aws:sqs:us-east-1:000000000000:q.fifo',
    {
      FifoQueue: 'true',
    },
  ) as Record<string, unknown>;
};

describe('the fauxqs internals the local FIFO receive relies on', () => {
  it('fauxqs is tested at one exact version, the one installed, and a user may have any from there within its major', () => {
    expect(ownPackage.devDependencies.fauxqs).toMatch(/^\d+\.\d+\.\d+$/);
    expect(installed).toBe(ownPackage.devDependencies.fauxqs);
    // A range, so `npm i -D fauxqs` does not conflict once a newer one is published; a later
    // version without the internals adapted here fails at start with assertFauxqsShape's message.
    expect(ownPackage.peerDependencies.fauxqs).toBe(`^${ownPackage.devDependencies.fauxqs}`);
  });

  it('the installed fauxqs queue has every map and method the adapter uses, and routes FIFO receives through dequeueFifo', async () => {
    const queue = await fifoQueue();
    expect(() => assertFauxqsShape(queue)).not.toThrow();
    for (const name of ['fifoMessages', 'fifoDelayed', 'fifoLockedGroups', 'inflightMessages']) {
      expect(queue[name], name).toBeInstanceOf(Map);
    }
    expect(String(queue.dequeue)).toContain('this.dequeueFifo(');
  });

  it('a FIFO queue gets the adapted methods; a standard queue keeps fauxqs its own', async () => {
    const { SqsQueue } = await importFauxqsStore();
    const queue = await fifoQueue();
    adaptFifoQueue(queue);
    const prototype = SqsQueue.prototype as Record<string, unknown>;
    for (const name of ['dequeueFifo', 'processTimers', 'changeVisibility']) {
      expect(queue[name], name).not.toBe(prototype[name]);
    }
    const standard = new SqsQueue(
      's',
      'http://127.0.0.1/000000000000/s',
      'arn:aws:sqs:us-east-1:000000000000:s',
    ) as Record<string, unknown>;
    adaptFifoQueue(standard);
    expect(standard.processTimers).toBe(prototype.processTimers);
  });

  it.each(['fifoLockedGroups', 'processTimers'])(
    'a queue without %s is refused with an error naming it',
    async (name) => {
      const queue = await fifoQueue();
      Object.defineProperty(queue, name, { value: undefined });
      expect(() => adaptFifoQueue(queue)).toThrow(new RegExp(`no longer has the FIFO internals.*${name}`));
    },
  );
});
