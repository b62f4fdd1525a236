// Runs one Lambda function inside a worker thread: its own process.env (set by the host),
// its module loaded once (a warm container), one invocation at a time.
import { existsSync, readFileSync } from 'node:fs';
import { createRequire, registerHooks } from 'node:module';
import { dirname, join, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { compileFunction } from 'node:vm';
import { parentPort, workerData } from 'node:worker_threads';
import { localLambdaContext } from './lambda-context.ts';

type Invocation = { id: number; event: unknown; deadline: number; requestId: string };
type Handler = (
  event: unknown,
  context: unknown,
  callback?: (error: unknown, result?: unknown) => void,
) => unknown;
const {
  entry,
  handler: exportName,
  functionName,
  taskRoot,
  runtime,
  callbacks = true,
  detectsModules = true,
} = workerData as {
  entry: string;
  handler: string;
  functionName: string;
  taskRoot?: string;
  runtime?: string;
  callbacks?: boolean;
  detectsModules?: boolean;
};

const describe = (error: unknown) =>
  error instanceof Error
    ? {
        name: error.name,
        message: error.message,
        stack: error.stack,
        code: (error as { code?: unknown }).code,
      }
    : { name: 'Error', message: String(error) };

// Lambda's Node.js runtimes include the AWS SDK for JavaScript v3, so bundles leave `@aws-sdk/*`
// out (NodejsFunction's default), for `require` and `import` alike. Locally it comes from the
// project, else from this package's own dependencies, wherever the asset lives.
// https://docs.aws.amazon.com/lambda/latest/dg/lambda-nodejs.html
const providers = [`${process.cwd()}/package.json`, fileURLToPath(import.meta.url)];
// Lambda decides whether a `.js` file is CommonJS or an ES module from the nearest package.json
// inside the function's code (/var/task), never from the project the asset was built in: a `.js`
// CommonJS bundle in a `"type": "module"` project's cdk.out is still CommonJS. With no "type", up to
// nodejs22.x it is CommonJS whatever its syntax (Lambda turns Node's module detection off there).
// https://docs.aws.amazon.com/lambda/latest/dg/nodejs-handler.html
// https://docs.aws.amazon.com/lambda/latest/dg/lambda-nodejs.html
const typelessInTaskRoot = (file: string) => {
  if (!taskRoot || !file.startsWith(taskRoot + sep)) return false;
  // From the file's directory up to the task root, never past it (nor past the file system's root).
  for (let dir = dirname(file); dir.length >= taskRoot.length; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return false;
    if (dir === dirname(dir)) break;
  }
  return true;
};
const isCommonJs = (source: string) => {
  try {
    compileFunction(source, ['exports', 'require', 'module', '__filename', '__dirname']);
    return true;
  } catch {
    return false;
  }
};

registerHooks?.({
  resolve(specifier, context, nextResolve) {
    try {
      return nextResolve(specifier, context);
    } catch (error) {
      if (!specifier.startsWith('@aws-sdk/')) throw error;
      const required = context.conditions?.includes('require') === true;
      for (const provider of providers) {
        try {
          // `require` resolves from the provider's node_modules (a parentURL is not enough for it).
          return required
            ? { url: pathToFileURL(createRequire(provider).resolve(specifier)).href, shortCircuit: true }
            : nextResolve(specifier, { ...context, parentURL: pathToFileURL(provider).href });
        } catch {
          // Not there: the next place.
        }
      }
      throw error;
    }
  },
  load(url, context, nextLoad) {
    const result = nextLoad(url, context);
    if (result.format !== 'module' || !url.startsWith('file:') || !url.endsWith('.js')) return result;
    const file = fileURLToPath(url);
    if (!typelessInTaskRoot(file)) return result;
    const source = String(result.source ?? readFileSync(file, 'utf8'));
    return !detectsModules || isCommonJs(source) ? { ...result, format: 'commonjs', source } : result;
  },
});

// As Lambda's runtime does: `.mjs` is imported; `.js` and `.cjs` are required, and an ES module
// among them (which require() refuses up to nodejs22.x, or that awaits at its top level) imported.
const load = async (): Promise<Record<string, unknown>> => {
  if (/\.c?js$/.test(entry)) {
    try {
      return createRequire(entry)(entry) as Record<string, unknown>;
    } catch (error) {
      const code = (error as { code?: string }).code;
      if (code !== 'ERR_REQUIRE_ASYNC_MODULE' && code !== 'ERR_REQUIRE_ESM') throw error;
    }
  }
  return (await import(pathToFileURL(entry).href)) as Record<string, unknown>;
};

// A callback-style handler `(event, context, callback)` answers through the callback, unless it
// returns a promise. https://docs.aws.amazon.com/lambda/latest/dg/nodejs-handler.html
const call = (handler: Handler, event: unknown, context: unknown): Promise<unknown> => {
  if (handler.length < 3) return Promise.resolve(handler(event, context));
  return new Promise((resolve, reject) => {
    const returned = handler(event, context, (error, result) =>
      error === null || error === undefined
        ? resolve(result)
        : reject(error instanceof Error ? error : new Error(String(error))),
    );
    if (typeof (returned as { then?: unknown } | undefined)?.then === 'function')
      (returned as Promise<unknown>).then(resolve, reject);
  });
};

try {
  const module = await load();
  const handler = module[exportName];
  if (typeof handler !== 'function')
    throw Object.assign(new Error(`it exports no function named "${exportName}"`), { code: 'NO_HANDLER' });
  if (!callbacks && handler.length >= 3 && handler.constructor.name !== 'AsyncFunction')
    throw Object.assign(
      new Error(
        `its handler takes a callback, which ${runtime ?? 'this runtime'} does not support: make it async and return the result, or deploy it on nodejs22.x`,
      ),
      { code: 'CALLBACK_HANDLER' },
    );
  parentPort?.on('message', async ({ id, event, deadline, requestId }: Invocation) => {
    const context = localLambdaContext(
      functionName,
      deadline,
      requestId,
      process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
    );
    try {
      const result = await call(handler as Handler, event, context);
      parentPort?.postMessage({ id, result });
    } catch (error) {
      parentPort?.postMessage({ id, error: describe(error) });
    }
  });
  parentPort?.postMessage({ ready: true });
} catch (error) {
  parentPort?.postMessage({ initError: describe(error) });
}
