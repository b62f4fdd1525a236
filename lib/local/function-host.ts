import { createInterface } from 'node:readline';
import { Worker } from 'node:worker_threads';
import type { EmfDocument } from '../metrics/sinks.ts';
import type { LocalFunction } from './deploy-local.ts';
import { FunctionLoadError, FunctionTimeoutError } from './errors.ts';
import { heapLimits, lambdaEnvironment } from './lambda-environment.ts';
import { runtimeSupport } from './lambda-runtimes.ts';
import { describeLoadFailure } from './load-failure.ts';

export type FunctionHostOptions = {
  fn: LocalFunction;
  /** Variables every function gets (region, credentials, local endpoints). */
  baseEnvironment: Record<string, string>;
  /** Each EMF document the function printed, as CloudWatch would read it from the log. */
  onMetrics?: (document: EmfDocument) => void;
  /** Every other line the function printed. */
  onLog?: (line: string) => void;
};

type Pending = { resolve: (value: unknown) => void; reject: (error: Error) => void };
type Sandbox = { worker: Worker; ready: Promise<void>; pending: Map<number, Pending>; broken: boolean };

// The worker sits beside this file: .ts when run from source, .js once built.
const WORKER = new URL(
  `./function-worker${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`,
  import.meta.url,
);

/**
 * Hosts one function: a pool of worker threads, each a warm "sandbox" running one invocation
 * at a time with the function's own environment. An invocation past the function's timeout
 * rejects with `FunctionTimeoutError` and its worker is terminated, as Lambda would.
 */
export const createFunctionHost = (options: FunctionHostOptions) => {
  const { fn } = options;
  const idle: Sandbox[] = [];
  const all = new Set<Sandbox>();
  let nextId = 0;

  const readLines = (stream: NodeJS.ReadableStream) => {
    createInterface({ input: stream }).on('line', (line) => {
      if (line.startsWith('{') && line.includes('"_aws"')) {
        try {
          options.onMetrics?.(JSON.parse(line) as EmfDocument);
          return;
        } catch {
          // Not EMF after all: a log line.
        }
      }
      options.onLog?.(line);
    });
  };

  const start = (): Sandbox => {
    const support = fn.runtime ? runtimeSupport(fn.runtime) : undefined;
    const worker = new Worker(WORKER, {
      workerData: {
        entry: fn.entry,
        handler: fn.handler,
        functionName: fn.logicalId,
        ...(fn.taskRoot ? { taskRoot: fn.taskRoot } : {}),
        ...(fn.runtime ? { runtime: fn.runtime } : {}),
        callbacks: support?.runs ? support.callbacks : true,
        detectsModules: support?.runs ? support.detectsModules : true,
      },
      // The flags Lambda runs nodejs20.x and 22.x with: a `.js` file with no "type" is CommonJS
      // whatever its syntax, and require() of an ES module fails.
      // https://docs.aws.amazon.com/lambda/latest/dg/lambda-nodejs.html
      ...(support?.runs && !support.detectsModules
        ? {
            execArgv: [
              ...process.execArgv,
              '--no-experimental-detect-module',
              '--no-experimental-require-module',
            ],
          }
        : {}),
      // The function's own variables, then those Lambda defines (reserved: a function cannot set them).
      env: { ...options.baseEnvironment, ...fn.environment, ...lambdaEnvironment(fn) },
      resourceLimits: heapLimits(fn),
      stdout: true,
      stderr: true,
    });
    readLines(worker.stdout);
    readLines(worker.stderr);
    const pending = new Map<number, Pending>();
    const sandbox: Sandbox = { worker, ready: Promise.resolve(), pending, broken: false };
    sandbox.ready = new Promise<void>((resolve, reject) => {
      worker.on(
        'message',
        (message: {
          ready?: true;
          initError?: { name?: string; message: string; code?: unknown };
          id?: number;
          result?: unknown;
          error?: { name: string; message: string };
        }) => {
          if (message.ready) return resolve();
          if (message.initError) {
            sandbox.broken = true;
            return reject(new FunctionLoadError(describeLoadFailure(fn, message.initError)));
          }
          const waiter = message.id === undefined ? undefined : pending.get(message.id);
          if (!waiter || message.id === undefined) return;
          pending.delete(message.id);
          if (message.error)
            waiter.reject(Object.assign(new Error(message.error.message), { name: message.error.name }));
          else waiter.resolve(message.result);
        },
      );
      worker.on('error', (error) => {
        sandbox.broken = true;
        reject(error);
        for (const waiter of pending.values()) waiter.reject(error);
      });
    });
    sandbox.ready.catch(() => undefined);
    all.add(sandbox);
    return sandbox;
  };

  const discard = (sandbox: Sandbox) => {
    all.delete(sandbox);
    void sandbox.worker.terminate();
  };

  return {
    /** Invokes the function with `event`; resolves with its result or rejects with its error or a timeout. */
    async invoke(event: unknown): Promise<unknown> {
      const sandbox = idle.pop() ?? start();
      let timer: NodeJS.Timeout | undefined;
      try {
        // As in Lambda, loading the module (the init phase) does not count toward the function's timeout.
        await sandbox.ready;
        const deadline = Date.now() + fn.timeoutMs;
        const id = ++nextId;
        const result = await Promise.race([
          new Promise((resolve, reject) => {
            sandbox.pending.set(id, { resolve, reject });
            sandbox.worker.postMessage({ id, event, deadline, requestId: `local-${fn.logicalId}-${id}` });
          }),
          new Promise((_, reject) => {
            timer = setTimeout(
              () => reject(new FunctionTimeoutError(`${fn.logicalId} timed out after ${fn.timeoutMs} ms`)),
              Math.max(0, deadline - Date.now()),
            );
          }),
        ]);
        idle.push(sandbox);
        return result;
      } catch (error) {
        // A timed-out or broken sandbox is not reused; an ordinary handler error leaves it warm.
        if (
          error instanceof FunctionTimeoutError ||
          sandbox.broken ||
          !all.has(sandbox) ||
          sandbox.pending.size > 0
        )
          discard(sandbox);
        else idle.push(sandbox);
        throw error;
      } finally {
        clearTimeout(timer);
      }
    },
    /**
     * Starts sandboxes until `count` are idle and loaded, like provisioned concurrency: the
     * invocations that follow skip the cold start. Rejects if the module fails to load.
     */
    async warm(count: number): Promise<void> {
      const fresh = Array.from({ length: Math.max(0, count - idle.length) }, start);
      await Promise.all(fresh.map((sandbox) => sandbox.ready));
      idle.push(...fresh);
    },
    /** Terminates every worker. */
    async stop(): Promise<void> {
      await Promise.all([...all].map((sandbox) => sandbox.worker.terminate()));
      all.clear();
      idle.length = 0;
    },
  };
};
