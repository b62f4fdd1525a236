import { existsSync, readFileSync } from 'node:fs';
// A namespace import: registerHooks (Node 22.15) is absent from older Node, where a named import would fail to link.
import * as nodeModule from 'node:module';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { ScenarioError } from './errors.ts';
import type { Scenario } from './scenario.ts';

/** The file names `verify` looks for in the project when no `--scenario` is given, in this order. */
export const SCENARIO_FILES = [
  'reliable-events.verify.ts',
  'reliable-events.verify.mts',
  'reliable-events.verify.mjs',
  'reliable-events.verify.js',
];

const firstLine = (error: unknown) => String((error as Error)?.message ?? error).split('\n')[0];

/** The scenario file of a project: `explicit` if given, else the first of {@link SCENARIO_FILES} there. */
export const findScenarioFile = (projectRoot: string, explicit?: string): string => {
  if (explicit) {
    const file = resolve(projectRoot, explicit);
    if (!existsSync(file)) throw new ScenarioError(`--scenario ${explicit}: no such file.`);
    return file;
  }
  const found = SCENARIO_FILES.map((name) => join(projectRoot, name)).find(existsSync);
  if (!found)
    throw new ScenarioError(
      `No ${SCENARIO_FILES[0]} in ${projectRoot}: write one (export default defineScenario({ queue, message, effects }) from 'reliable-events/verify'), or pass --scenario FILE.`,
    );
  return found;
};

/** `local`'s scenario: `explicit` as {@link findScenarioFile} finds it, else the project's if present, else none. */
export const localScenarioFile = (projectRoot: string, explicit?: string): string | undefined =>
  explicit
    ? findScenarioFile(projectRoot, explicit)
    : SCENARIO_FILES.map((name) => join(projectRoot, name)).find(existsSync);

const OPTIONAL_FUNCTIONS = ['poison', 'order', 'pending', 'checks'] as const;

/** What is wrong with a module's export, as short phrases; empty when it is a usable scenario. */
const PROMISES = ['exactly-once', 'at-least-once', 'at-most-once'];

// What a workload needs: the first one's fields are the scenario's own.
const workloadProblems = (value: unknown): string[] => {
  if (!value || typeof value !== 'object') return [`is ${typeof value}, not an object`];
  const s = value as Record<string, unknown>;
  const problems: string[] = [];
  if (typeof s.queue !== 'string' || s.queue === '') problems.push('queue must be a non-empty string');
  for (const name of ['message', 'effects'])
    if (typeof s[name] !== 'function') problems.push(`${name} must be a function`);
  for (const name of ['poison', 'order'])
    if (s[name] !== undefined && typeof s[name] !== 'function') problems.push(`${name} must be a function`);
  if (s.promise !== undefined && !PROMISES.includes(s.promise as string))
    problems.push(`promise must be one of ${PROMISES.map((p) => `'${p}'`).join(', ')}`);
  return problems;
};

export const scenarioProblems = (value: unknown): string[] => {
  if (!value || typeof value !== 'object') return [`its default export is ${typeof value}, not an object`];
  const s = value as Record<string, unknown>;
  const problems: string[] = [];
  if (typeof s.queue !== 'string' || s.queue === '') problems.push('queue must be a non-empty string');
  if (typeof s.message !== 'function') problems.push('message must be a function');
  if (typeof s.effects !== 'function') problems.push('effects must be a function');
  for (const name of OPTIONAL_FUNCTIONS)
    if (s[name] !== undefined && typeof s[name] !== 'function') problems.push(`${name} must be a function`);
  const defaults = (s.defaults ?? {}) as Record<string, unknown>;
  for (const name of ['messages', 'groups'])
    if (defaults[name] !== undefined && !(Number.isInteger(defaults[name]) && Number(defaults[name]) >= 1))
      problems.push(`defaults.${name} must be a positive integer`);
  if (s.promise !== undefined && !PROMISES.includes(s.promise as string))
    problems.push(`promise must be one of ${PROMISES.map((p) => `'${p}'`).join(', ')}`);
  if (s.workloads !== undefined && !Array.isArray(s.workloads)) problems.push('workloads must be an array');
  for (const [i, workload] of (Array.isArray(s.workloads) ? s.workloads : []).entries())
    problems.push(...workloadProblems(workload).map((problem) => `workloads[${i}].${problem}`));
  if (
    s.expectedAlarms !== undefined &&
    !(Array.isArray(s.expectedAlarms) && s.expectedAlarms.every((a) => typeof a === 'string' && a !== ''))
  )
    problems.push('expectedAlarms must be an array of alarm logical ids');
  for (const name of ['context', 'variants'])
    if (s[name] !== undefined && (typeof s[name] !== 'object' || s[name] === null))
      problems.push(`${name} must be an object`);
  return problems;
};

// A top-level import or export statement, where formatted code puts one: at the start of a line.
const ESM_STATEMENT = /^(?:import\s*[\w{*'"]|export\s)/m;

/** Whether a TypeScript file is an ES module by its syntax: it imports or exports at its top level. */
const isModuleSyntax = (url: string): boolean => ESM_STATEMENT.test(readFileSync(fileURLToPath(url), 'utf8'));

/**
 * Imports a module with every `.ts` file of a project whose package.json has no `"type"` (as
 * `cdk init` writes it) loaded as the ES module it is. Node would find that out itself, by parsing
 * it as CommonJS, failing and parsing again, and print MODULE_TYPELESS_PACKAGE_JSON on every run
 * of the command, telling the user to change their package.json. The hook gives Node the format
 * it would detect — ES module for a file that imports or exports at its top level, as the
 * documented scenario does; a CommonJS one is left to Node — and only while importing.
 */
const importTyped = async (url: string): Promise<Record<string, unknown>> => {
  const hooks = nodeModule.registerHooks?.({
    resolve: (specifier, context, nextResolve) => {
      const resolved = nextResolve(specifier, context);
      // Only where Node runs TypeScript itself (22.18 and later by default).
      const typeless =
        Boolean(process.features.typescript) &&
        resolved.format == null &&
        /\.ts$/.test(resolved.url) &&
        resolved.url.startsWith('file:');
      return typeless && !resolved.url.includes('/node_modules/') && isModuleSyntax(resolved.url)
        ? { ...resolved, format: 'module-typescript' }
        : resolved;
    },
  });
  try {
    return (await import(url)) as Record<string, unknown>;
  } finally {
    hooks?.deregister();
  }
};

/** Imports a scenario module and checks its shape; every failure is a `ScenarioError` naming the file. */
export const loadScenario = async (file: string): Promise<Scenario> => {
  let module: Record<string, unknown>;
  try {
    module = await importTyped(pathToFileURL(file).href);
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === 'ERR_UNKNOWN_FILE_EXTENSION')
      throw new ScenarioError(
        `${file}: this Node.js (${process.version}) cannot load TypeScript; use Node 22.18 or newer, or write the scenario as .mjs.`,
        { cause: error },
      );
    throw new ScenarioError(`${file} threw while loading: ${firstLine(error)}`, { cause: error });
  }
  const scenario = module.default ?? module.scenario;
  const problems = scenarioProblems(scenario);
  if (problems.length > 0)
    throw new ScenarioError(
      `${file} must export default defineScenario({ queue, message, effects, … }): ${problems.join('; ')}.`,
    );
  return scenario as Scenario;
};

/** Runs one of the scenario's functions; what it throws becomes a `ScenarioError` naming it. */
export const callScenario = async <T>(name: string, run: () => T | Promise<T>): Promise<T> => {
  try {
    return await run();
  } catch (error) {
    // Already ours, naming what the scenario gave wrong.
    if (error instanceof ScenarioError) throw error;
    throw new ScenarioError(`The scenario's ${name} threw: ${firstLine(error)}`, { cause: error });
  }
};
