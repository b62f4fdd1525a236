import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve as resolvePath } from 'node:path';
import { HANDLER_METADATA } from '../handler-metadata.ts';
import { runtimeSupport, usesAwsSdkV2 } from './lambda-runtimes.ts';
import type { StackTemplate, TemplateResource } from './template.ts';

export type LocalFunction = {
  logicalId: string;
  /** Absolute path of the module that runs: the synthesized asset's handler file, or the handler's source. */
  entry: string;
  handler: string;
  /** `asset`: the bundle that deploys; `source`: the file named by `ReliableFunction`'s metadata. @default 'source' */
  code?: 'asset' | 'source';
  environment: Record<string, string>;
  timeoutMs: number;
  /** The template's `Runtime` (e.g. `nodejs22.x`). @default the host's Node, callbacks allowed */
  runtime?: string;
  /** The template's `Handler` (e.g. `index.handler`): Lambda's `_HANDLER`. */
  handlerSpec?: string;
  /** The directory of the function's code (the asset): Lambda's `LAMBDA_TASK_ROOT`. */
  taskRoot?: string;
  /** The template's `MemorySize`. @default 128 */
  memoryMb?: number;
};

/** A function of the template that is not run locally, and why. */
export type NotRunFunction = { logicalId: string; reason: string };

type Resource = TemplateResource & { Properties: Record<string, unknown> };

// Lambda looks for the handler's module with these extensions, in this order.
// https://docs.aws.amazon.com/lambda/latest/dg/nodejs-handler.html
const HANDLER_EXTENSIONS = ['.js', '.mjs', '.cjs'];

/** Object key → asset directory, from the assembly's `*.assets.json` manifests. */
export const assetDirectories = (assembly: string | undefined): Map<string, string> => {
  const found = new Map<string, string>();
  if (!assembly || !existsSync(assembly)) return found;
  for (const file of readdirSync(assembly).filter((name) => name.endsWith('.assets.json'))) {
    const manifest = JSON.parse(readFileSync(join(assembly, file), 'utf8')) as {
      files?: Record<
        string,
        {
          source?: { path?: string; packaging?: string };
          destinations?: Record<string, { objectKey?: string }>;
        }
      >;
    };
    for (const asset of Object.values(manifest.files ?? {})) {
      if (!asset.source?.path || asset.source.packaging === 'file') continue;
      for (const destination of Object.values(asset.destinations ?? {}))
        if (destination.objectKey) found.set(destination.objectKey, join(assembly, asset.source.path));
    }
  }
  return found;
};

const assetDirectoryOf = (resource: Resource, assembly: string | undefined, assets: Map<string, string>) => {
  const key = (resource.Properties.Code as { S3Key?: unknown } | undefined)?.S3Key;
  if (typeof key === 'string' && assets.has(key)) return assets.get(key);
  const path = resource.Metadata?.['aws:asset:path'];
  return assembly && typeof path === 'string' ? resolvePath(assembly, path) : undefined;
};

/**
 * Decides how each function of a template runs locally: from its synthesized asset (the bundle
 * that deploys) when the assembly has it, else from the source `ReliableFunction` recorded.
 * A function that cannot run (another runtime, inline code, no code found) is returned with the
 * reason, never dropped.
 */
export const resolveFunctionCode = (
  logicalId: string,
  resource: Resource,
  options: { assembly: string | undefined; assets: Map<string, string>; root: string },
): Omit<LocalFunction, 'environment' | 'timeoutMs'> | NotRunFunction => {
  const runtime = String(resource.Properties.Runtime ?? '');
  const support = runtimeSupport(runtime);
  if (!support.runs) return { logicalId, reason: support.reason };
  const handlerSpec = String(resource.Properties.Handler ?? 'index.handler');
  const dot = handlerSpec.lastIndexOf('.');
  const [modulePath, exportName] = [handlerSpec.slice(0, dot), handlerSpec.slice(dot + 1)];
  const directory = assetDirectoryOf(resource, options.assembly, options.assets);
  const described = { runtime, handlerSpec };
  if (directory && existsSync(directory)) {
    const file = HANDLER_EXTENSIONS.map((ext) => join(directory, `${modulePath}${ext}`)).find(existsSync);
    if (!file)
      return {
        logicalId,
        reason: `handler ${handlerSpec}: no ${modulePath}.js, .mjs or .cjs in ${directory}`,
      };
    if (usesAwsSdkV2(readFileSync(file, 'utf8')))
      return {
        logicalId,
        reason:
          'it uses the AWS SDK for JavaScript v2 (aws-sdk), whose calls would reach real AWS: move to the v3 clients (@aws-sdk/*), which Lambda provides',
      };
    return { logicalId, entry: file, handler: exportName, code: 'asset', taskRoot: directory, ...described };
  }
  const source = resource.Metadata?.[HANDLER_METADATA] as { entry?: string; handler?: string } | undefined;
  if (source?.entry)
    return {
      logicalId,
      entry: resolvePath(options.root, source.entry),
      handler: source.handler ?? 'handler',
      code: 'source',
      ...described,
    };
  if ((resource.Properties.Code as { ZipFile?: unknown } | undefined)?.ZipFile !== undefined)
    return { logicalId, reason: 'inline code (Code.ZipFile) is not run locally' };
  return {
    logicalId,
    reason: 'its code asset is not in the assembly: synthesize with assets staged (cdk synth does)',
  };
};

/** The template's `AWS::Lambda::Function` resources. */
export const functionResources = (template: StackTemplate) =>
  Object.entries(template.template.Resources ?? {}).filter(([, r]) => r.Type === 'AWS::Lambda::Function') as [
    string,
    Resource,
  ][];
