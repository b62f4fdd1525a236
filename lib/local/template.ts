import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigurationError } from '../errors.ts';
import { UnresolvableError } from './errors.ts';

/** A CloudFormation resource as CDK synthesizes it. */
export type TemplateResource = {
  Type: string;
  Properties?: Record<string, unknown>;
  Metadata?: Record<string, unknown>;
  DependsOn?: string | string[];
};

export type CloudFormationTemplate = {
  /** The template's parameters: a deploy without overrides uses each one's `Default`. */
  Parameters?: Record<string, { Type?: string; Default?: unknown }>;
  Resources?: Record<string, TemplateResource>;
  Outputs?: Record<string, { Value: unknown }>;
};

export type StackTemplate = { stackName: string; template: CloudFormationTemplate };

/** What a logical id resolves to on the local stack: its `Ref` and its `Fn::GetAtt` attributes. */
export type LocalValue = { ref: string; attributes: Record<string, string> };

export type ResolveContext = {
  region: string;
  accountId: string;
  stackName: string;
  values: ReadonlyMap<string, LocalValue>;
};

/** Reads every `*.template.json` of a synthesized cloud assembly directory (`cdk.out`). */
export const readAssembly = (directory: string): StackTemplate[] => {
  const files = readdirSync(directory).filter((name) => name.endsWith('.template.json'));
  if (files.length === 0) {
    throw new ConfigurationError(
      `No *.template.json in ${directory}: run "npx cdk synth" first, or pass the templates.`,
    );
  }
  return files.map((file) => ({
    stackName: file.replace(/\.template\.json$/, ''),
    template: JSON.parse(readFileSync(join(directory, file), 'utf8')) as CloudFormationTemplate,
  }));
};

/**
 * Resolves CloudFormation intrinsics (`Ref`, `Fn::GetAtt`, `Fn::Join`, `Fn::Select`,
 * `Fn::Split`, `Fn::Sub`, pseudo parameters) against the resources created locally.
 */
export const resolve = (value: unknown, context: ResolveContext): unknown => {
  if (Array.isArray(value)) return value.map((item) => resolve(item, context));
  if (!value || typeof value !== 'object') return value;
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.length !== 1) return Object.fromEntries(entries.map(([k, v]) => [k, resolve(v, context)]));
  const [[key, argument]] = entries as [[string, unknown]];
  const pseudo: Record<string, string> = {
    'AWS::Region': context.region,
    'AWS::AccountId': context.accountId,
    'AWS::Partition': 'aws',
    'AWS::URLSuffix': 'amazonaws.com',
    'AWS::StackName': context.stackName,
  };
  switch (key) {
    case 'Ref': {
      const name = argument as string;
      const found = pseudo[name] ?? context.values.get(name)?.ref;
      if (found === undefined) throw new UnresolvableError(`Ref ${name}`);
      return found;
    }
    case 'Fn::GetAtt': {
      const [id, attribute] = (typeof argument === 'string' ? argument.split('.') : argument) as [
        string,
        string,
      ];
      const found = context.values.get(id)?.attributes[attribute];
      if (found === undefined) throw new UnresolvableError(`Fn::GetAtt ${id}.${attribute}`);
      return found;
    }
    case 'Fn::Join': {
      const [separator, parts] = argument as [string, unknown[]];
      return (resolve(parts, context) as unknown[]).join(separator);
    }
    case 'Fn::Select': {
      const [index, list] = argument as [unknown, unknown];
      return (resolve(list, context) as unknown[])[Number(resolve(index, context))];
    }
    case 'Fn::Split': {
      const [separator, source] = argument as [string, unknown];
      return String(resolve(source, context)).split(separator);
    }
    case 'Fn::Sub': {
      const [text, variables] = (typeof argument === 'string' ? [argument, {}] : argument) as [
        string,
        Record<string, unknown>,
      ];
      return text.replace(/\$\{([^}]+)\}/g, (_, name: string) => {
        if (name in variables) return String(resolve(variables[name], context));
        const [id, attribute] = name.split('.') as [string, string | undefined];
        return String(resolve(attribute ? { 'Fn::GetAtt': [id, attribute] } : { Ref: id }, context));
      });
    }
    default:
      return { [key]: resolve(argument, context) };
  }
};

/** `resolve`, or undefined when the value names what the local stack lacks (`UnresolvableError`). */
export const tryResolve = (value: unknown, context: ResolveContext): unknown => {
  try {
    return resolve(value, context);
  } catch (error) {
    if (error instanceof UnresolvableError) return undefined;
    throw error;
  }
};
