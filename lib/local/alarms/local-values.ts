import type { LocalDeployment } from '../deploy-local.ts';
import type { LocalValue } from '../template.ts';

/**
 * What each queue, table and function of a local deployment is, by logical id — the `Ref` and
 * `Fn::GetAtt` values `readAlarms` resolves dimensions against (a queue's `QueueName` is the
 * local queue's name, suffix included).
 *
 * @example
 * readAlarms(stack, { values: localValuesOf(await deployLocal({ stack: local, assembly: 'cdk.out' })) });
 */
export const localValuesOf = (
  deployment: Pick<LocalDeployment, 'queues' | 'tables' | 'functions'>,
  region = 'us-east-1',
  accountId = '000000000000',
): Map<string, LocalValue> =>
  new Map<string, LocalValue>([
    ...deployment.queues.map((q): [string, LocalValue] => [
      q.logicalId,
      { ref: q.url, attributes: { Arn: q.arn, QueueName: q.name, QueueUrl: q.url } },
    ]),
    ...deployment.tables.map((t): [string, LocalValue] => [
      t.logicalId,
      { ref: t.name, attributes: { Arn: t.arn, ...(t.streamArn ? { StreamArn: t.streamArn } : {}) } },
    ]),
    ...deployment.functions.map((f): [string, LocalValue] => [
      f.logicalId,
      {
        ref: f.logicalId,
        attributes: { Arn: `arn:aws:lambda:${region}:${accountId}:function:${f.logicalId}` },
      },
    ]),
  ]);
