import { relative } from 'node:path';
import type { LocalFunction } from './deploy-functions.ts';

type InitError = { name?: string; message: string; code?: unknown };

const packageOf = (specifier: string) =>
  specifier
    .split('/')
    .slice(0, specifier.startsWith('@') ? 2 : 1)
    .join('/');

/**
 * One line that names the function that cannot load and says what to change: a module its
 * bundle lacks, a handler it does not export, a callback its runtime refuses, or the error's
 * first line.
 *
 * @example
 * describeLoadFailure(fn, { message: "Cannot find module 'zod'" });
 * // "Auditor cannot load asset.1f2e/index.js: it needs "zod", which is not in its asset …"
 */
export const describeLoadFailure = (fn: LocalFunction, error: InitError): string => {
  const where = relative(process.cwd(), fn.entry) || fn.entry;
  const prefix = `${fn.logicalId} cannot load ${where.startsWith('..') ? fn.entry : where}`;
  const missing = /Cannot find (?:module|package) '([^']+)'/.exec(error.message)?.[1];
  if (missing?.startsWith('@aws-sdk/'))
    return `${prefix}: it needs "${missing}", which Lambda provides but this machine does not have: npm i -D ${packageOf(missing)} in the project`;
  if (missing?.startsWith('.') || missing?.startsWith('/'))
    return `${prefix}: it needs ${missing}, a file its asset does not contain: add it to the asset, or bundle it`;
  if (missing)
    return `${prefix}: it needs "${missing}", which is not in its asset, and Lambda provides only the AWS SDK v3 (@aws-sdk/*): bundle it (NodejsFunction bundles what is not in externalModules or nodeModules), or add it to the asset's node_modules`;
  if (/Cannot use import statement outside a module|Unexpected token 'export'/.test(error.message))
    return `${prefix}: it is an ES module in a .js file, which ${fn.runtime ?? 'this runtime'} runs as CommonJS (Lambda detects ES modules only from nodejs24.x): name it .mjs, or put a package.json with "type": "module" in the asset`;
  if (error.code === 'NO_HANDLER')
    return `${prefix}: ${error.message}: check the function's Handler (${fn.handlerSpec ?? fn.handler})`;
  const first = error.message.split('\n')[0] ?? '';
  const named = error.name && error.name !== 'Error' && !first.startsWith(error.name);
  return `${prefix}: ${named ? `${error.name}: ` : ''}${first}`;
};
