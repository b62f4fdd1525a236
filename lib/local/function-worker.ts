// Runs one Lambda function inside a worker thread: its own process.env (set by the host),
// its module loaded once (a warm container), one invocation at a time.
import { registerHooks } from 'node:module';
import { pathToFileURL } from 'node:url';
import { parentPort, workerData } from 'node:worker_threads';
import { localLambdaContext } from './lambda-context.ts';

type Invocation = { id: number; event: unknown; deadline: number; requestId: string };
const {
  entry,
  handler: exportName,
  functionName,
} = workerData as { entry: string; handler: string; functionName: string };

const describe = (error: unknown) =>
  error instanceof Error
    ? { name: error.name, message: error.message, stack: error.stack }
    : { name: 'Error', message: String(error) };

// Lambda's Node.js runtimes include the AWS SDK for JavaScript v3, so bundles leave `@aws-sdk/*`
// out (NodejsFunction's default). Locally it comes from the project, else from this package's own
// dependencies, wherever the asset lives.
// https://docs.aws.amazon.com/lambda/latest/dg/lambda-nodejs.html
const providedBy = [pathToFileURL(`${process.cwd()}/package.json`).href, import.meta.url];
registerHooks?.({
  resolve(specifier, context, nextResolve) {
    try {
      return nextResolve(specifier, context);
    } catch (error) {
      if (!specifier.startsWith('@aws-sdk/')) throw error;
      for (const parentURL of providedBy) {
        try {
          return nextResolve(specifier, { ...context, parentURL });
        } catch {
          // Not there: the next place.
        }
      }
      throw error;
    }
  },
});

try {
  const module = (await import(pathToFileURL(entry).href)) as Record<string, unknown>;
  const handler = module[exportName];
  if (typeof handler !== 'function') throw new Error(`${entry} exports no function named "${exportName}"`);
  parentPort?.on('message', async ({ id, event, deadline, requestId }: Invocation) => {
    const context = localLambdaContext(functionName, deadline, requestId);
    try {
      const result = await (handler as (event: unknown, context: unknown) => unknown)(event, context);
      parentPort?.postMessage({ id, result });
    } catch (error) {
      parentPort?.postMessage({ id, error: describe(error) });
    }
  });
  parentPort?.postMessage({ ready: true });
} catch (error) {
  parentPort?.postMessage({ initError: describe(error) });
}
