import { GetQueueAttributesCommand, GetQueueUrlCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { StackTemplate } from '../local/template.ts';
import { byType, generatedName, logicalIdOf } from '../local/template-resources.ts';
import { DeadLetterQueueNotFoundError } from './errors.ts';

/** A dead-letter queue found from what the user named. */
export type NamedDeadLetterQueue = { ref: string; url: string; name: string };

export type ResolveOptions = {
  client: SQSClient;
  /** Queue URLs, names, logical ids (or their prefix) or stack output names; none: every DLQ of the templates. */
  refs: readonly string[];
  /** The app's synthesized templates, read only when a ref is not a URL or a live queue name. */
  templates?: () => Promise<StackTemplate[]>;
  /** Name queues the way `reliable-events local` creates them (a stack-prefixed name when the template sets none). */
  local?: boolean;
};

type TemplateQueue = { stackName: string; logicalId: string; name?: string; deadLetterOf?: string };

const nameOfArn = (arn: string) => arn.split(':').at(-1) ?? arn;

const urlOf = async (client: SQSClient, name: string): Promise<string | undefined> => {
  try {
    return (await client.send(new GetQueueUrlCommand({ QueueName: name }))).QueueUrl;
  } catch (error) {
    const code = (error as { name?: string }).name ?? '';
    if (code === 'QueueDoesNotExist' || code.endsWith('NonExistentQueue')) return undefined;
    throw error;
  }
};

// A source queue (it has a redrive policy) stands for its dead-letter queue.
const deadLetterQueueOf = async (client: SQSClient, url: string): Promise<{ url: string; name: string }> => {
  const { Attributes = {} } = await client.send(
    new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['RedrivePolicy'] }),
  );
  if (!Attributes.RedrivePolicy) return { url, name: nameOfArn(url.split('/').at(-1) ?? url) };
  const name = nameOfArn(String(JSON.parse(Attributes.RedrivePolicy).deadLetterTargetArn));
  const dlqUrl = await urlOf(client, name);
  if (!dlqUrl) throw new DeadLetterQueueNotFoundError(`${url} redrives to ${name}, which does not exist.`);
  return { url: dlqUrl, name };
};

const templateQueues = (templates: readonly StackTemplate[], local: boolean): TemplateQueue[] =>
  templates.flatMap((template) => {
    const queues = byType(template, 'AWS::SQS::Queue');
    const targets = new Map(
      queues.flatMap(([id, r]) => {
        const target = logicalIdOf(
          (r.Properties.RedrivePolicy as { deadLetterTargetArn?: unknown })?.deadLetterTargetArn,
        );
        return target ? [[target, id] as const] : [];
      }),
    );
    return queues.map(([logicalId, r]) => {
      const fifo = r.Properties.FifoQueue === true || r.Properties.FifoQueue === 'true';
      const literal = typeof r.Properties.QueueName === 'string' ? r.Properties.QueueName : undefined;
      // deploy-local.ts names a queue without QueueName this way.
      const name =
        literal ??
        (local
          ? generatedName(`${template.stackName}-${logicalId}`, fifo ? 75 : 80) + (fifo ? '.fifo' : '')
          : undefined);
      const deadLetterOf = targets.get(logicalId);
      return {
        stackName: template.stackName,
        logicalId,
        ...(name ? { name } : {}),
        ...(deadLetterOf ? { deadLetterOf } : {}),
      };
    });
  });

const fromTemplate = async (
  client: SQSClient,
  queues: readonly TemplateQueue[],
  templates: readonly StackTemplate[],
  ref: string,
): Promise<{ url: string; name: string } | undefined> => {
  // A stack output holding a queue's Ref or Arn names that queue's logical id.
  const output = templates
    .map((t) => logicalIdOf(t.template.Outputs?.[ref]?.Value))
    .find((id) => id !== undefined);
  const id = output ?? ref;
  const queue =
    queues.find((q) => q.logicalId === id) ??
    queues.find((q) => q.logicalId.startsWith(id) && q.deadLetterOf) ??
    queues.find((q) => q.logicalId.startsWith(id));
  if (!queue) return undefined;
  if (queue.name) {
    const url = await urlOf(client, queue.name);
    if (!url)
      throw new DeadLetterQueueNotFoundError(
        `${ref} is queue ${queue.name}, which does not exist (is the app deployed there?).`,
      );
    return deadLetterQueueOf(client, url);
  }
  // A DLQ whose name CloudFormation generated: found through its source queue's redrive policy.
  const source = queues.find((q) => q.logicalId === queue.deadLetterOf && q.name);
  const sourceUrl = source?.name ? await urlOf(client, source.name) : undefined;
  if (!sourceUrl)
    throw new DeadLetterQueueNotFoundError(
      `${ref} (${queue.logicalId}) has a name CloudFormation generated, and no named source queue leads to it: pass its URL.`,
    );
  return deadLetterQueueOf(client, sourceUrl);
};

/**
 * Finds dead-letter queues from what a user types: a queue URL, a queue name, a CDK logical id (or
 * its prefix) or a stack output. A source queue stands for its dead-letter queue (its redrive policy
 * names it). With no refs, every queue of the templates that is another's dead-letter target.
 *
 * @example
 * const [dlq] = await resolveDeadLetterQueues({ client, refs: ['OrdersQueue'], templates: async () => readAssembly('cdk.out') });
 */
export const resolveDeadLetterQueues = async (options: ResolveOptions): Promise<NamedDeadLetterQueue[]> => {
  const { client } = options;
  let templates: StackTemplate[] | undefined;
  const loadTemplates = async () => {
    if (!options.templates)
      throw new DeadLetterQueueNotFoundError(
        'Name the queue by URL or name, or run this in the CDK project (or pass --assembly cdk.out) to name it by logical id.',
      );
    templates ??= await options.templates();
    return { templates, queues: templateQueues(templates, options.local ?? false) };
  };
  if (options.refs.length === 0) {
    const { queues } = await loadTemplates();
    const dlqs = queues.filter((q) => q.deadLetterOf);
    if (dlqs.length === 0) throw new DeadLetterQueueNotFoundError('The app declares no dead-letter queue.');
    return Promise.all(dlqs.map(async (q) => ({ ref: q.logicalId, ...(await resolveOne(q.logicalId)) })));
  }
  async function resolveOne(ref: string) {
    if (/^https?:\/\//.test(ref)) return deadLetterQueueOf(client, ref);
    const byName = await urlOf(client, ref);
    if (byName) return deadLetterQueueOf(client, byName);
    if (!options.templates)
      throw new DeadLetterQueueNotFoundError(
        `No queue named ${ref}: pass its URL or name, or run in the CDK project (or with --assembly) to use a logical id.`,
      );
    const { templates: all, queues } = await loadTemplates();
    const found = await fromTemplate(client, queues, all, ref);
    if (!found)
      throw new DeadLetterQueueNotFoundError(
        `No queue ${ref}: not a queue name, nor a logical id or output of the app (its queues: ${queues.map((q) => q.logicalId).join(', ')}).`,
      );
    return found;
  }
  return Promise.all(options.refs.map(async (ref) => ({ ref, ...(await resolveOne(ref)) })));
};
