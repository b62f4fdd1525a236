import { createHash } from 'node:crypto';
import type { LocalValue, StackTemplate, TemplateResource } from './template.ts';

// What the local deploy reads off a synthesized template before it creates anything: logical ids
// behind intrinsics, resources by type, the consumers' timeouts per queue, and local queue names.

// The logical id named by `{ Ref: id }` or `{ 'Fn::GetAtt': [id, attribute] }`, before resolving.
export const logicalIdOf = (value: unknown): string | undefined => {
  if (!value || typeof value !== 'object') return undefined;
  const { Ref, 'Fn::GetAtt': getAtt } = value as { Ref?: unknown; 'Fn::GetAtt'?: unknown };
  if (typeof Ref === 'string') return Ref;
  if (Array.isArray(getAtt)) return String(getAtt[0]);
  return typeof getAtt === 'string' ? getAtt.split('.')[0] : undefined;
};

/**
 * A function's `Timeout` in seconds: Lambda's default of 3 when it has none, `undefined` when it
 * is not a number of seconds from 1 to 900 (a token of a parameter or a condition, left unresolved).
 */
export const timeoutSecondsOf = (timeout: unknown): number | undefined => {
  const seconds = timeout === undefined ? 3 : Number(timeout);
  // Lambda's limits: 1 to 900 s (https://docs.aws.amazon.com/lambda/latest/dg/configuration-timeout.html).
  return Number.isInteger(seconds) && seconds >= 1 && seconds <= 900 ? seconds : undefined;
};

/**
 * A function's timeout in seconds — `override`, or its `Timeout` resolved, or Lambda's 3 s — or,
 * when its `Timeout` cannot be read, why it does not run locally and what to do.
 */
export const functionTimeout = (
  { Timeout: timeout }: { Timeout?: unknown },
  resolveValue: (value: unknown) => unknown,
  override?: number,
): number | { reason: string } => {
  if (override !== undefined) return override;
  if (timeout === undefined) return 3;
  // A token resolves to its value, or to undefined when it names what the local stack lacks.
  const resolved = typeof timeout === 'object' && timeout !== null ? resolveValue(timeout) : timeout;
  return (
    (resolved === undefined ? undefined : timeoutSecondsOf(resolved)) ?? {
      reason: `its Timeout (${JSON.stringify(timeout)}) is not a number of seconds from 1 to 900 that the local deployment can read (a parameter, a condition): give the function a number, or run verify with --function-timeout`,
    }
  );
};

/**
 * What each parameter with a `Default` resolves to, as a deploy without overrides would give it
 * (`Ref` of a parameter is its value). An SSM-typed parameter's default names an SSM parameter,
 * not a value, so it stays unresolved.
 */
export const parameterDefaults = (template: StackTemplate): [string, LocalValue][] =>
  Object.entries(template.template.Parameters ?? {}).flatMap(([name, parameter]) =>
    parameter.Default === undefined || parameter.Type?.startsWith('AWS::SSM::Parameter::')
      ? []
      : [[name, { ref: String(parameter.Default), attributes: {} }] as [string, LocalValue]],
  );

// Per queue, the longest timeout among the functions it feeds (Lambda's default: 3 s); a timeout
// it cannot read (a token) leaves the queue out.
export const queueConsumerTimeouts = (template: StackTemplate) => {
  const resources = template.template.Resources ?? {};
  const timeouts = new Map<string, number>();
  for (const resource of Object.values(resources)) {
    if (resource.Type !== 'AWS::Lambda::EventSourceMapping') continue;
    const queue = logicalIdOf(resource.Properties?.EventSourceArn);
    const fn = resources[logicalIdOf(resource.Properties?.FunctionName) ?? ''];
    if (!queue || resources[queue]?.Type !== 'AWS::SQS::Queue' || !fn) continue;
    const timeout = timeoutSecondsOf(fn.Properties?.Timeout);
    if (timeout === undefined) continue;
    timeouts.set(queue, Math.max(timeouts.get(queue) ?? 0, timeout));
  }
  return timeouts;
};

export const byType = (template: StackTemplate, type: string) =>
  Object.entries(template.template.Resources ?? {}).filter(([, r]) => r.Type === type) as [
    string,
    TemplateResource & { Properties: Record<string, unknown> },
  ][];

// A name cut to `max` keeps a hash of the whole, so two long names that share a prefix stay apart.
export const generatedName = (full: string, max: number) =>
  full.length <= max
    ? full
    : `${full.slice(0, max - 9)}-${createHash('sha256').update(full).digest('hex').slice(0, 8)}`;

// SQS queue names: at most 80 characters, ".fifo" included.
// https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_CreateQueue.html
export const withSuffix = (template: StackTemplate, suffix: string): StackTemplate => {
  const resources = Object.fromEntries(
    Object.entries(template.template.Resources ?? {}).map(([id, resource]) => {
      const name = resource.Properties?.QueueName;
      if (resource.Type !== 'AWS::SQS::Queue' || typeof name !== 'string') return [id, resource];
      const fifo = name.endsWith('.fifo') ? '.fifo' : '';
      const base = generatedName(
        name.slice(0, name.length - fifo.length),
        80 - fifo.length - suffix.length - 1,
      );
      return [
        id,
        { ...resource, Properties: { ...resource.Properties, QueueName: `${base}-${suffix}${fifo}` } },
      ];
    }),
  );
  return {
    ...template,
    stackName: `${template.stackName}-${suffix}`,
    template: { ...template.template, Resources: resources },
  };
};
