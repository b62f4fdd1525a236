import type { SQSClient, SQSClientConfig } from '@aws-sdk/client-sqs';

type SqsSdk = typeof import('@aws-sdk/client-sqs');
let sdk: Promise<SqsSdk> | undefined;

/**
 * The SQS SDK, loaded on first use: a function that imports only `makeIdempotent` (or never
 * dead-letters) does not pay for loading it at cold start.
 *
 * @example
 * const { SendMessageCommand } = await loadSqsSdk();
 */
export const loadSqsSdk = (): Promise<SqsSdk> => {
  sdk ??= import('@aws-sdk/client-sqs');
  return sdk;
};

/**
 * The caller's client, or one made from the environment on first use (and then kept).
 *
 * @example
 * const client = lazySqsClient(options.sqsClient);
 * await (await client()).send(command);
 */
export const lazySqsClient = (
  given?: SQSClient,
  config: SQSClientConfig = {},
): (() => Promise<SQSClient>) => {
  let client: Promise<SQSClient> | undefined = given && Promise.resolve(given);
  return () => {
    client ??= loadSqsSdk().then(({ SQSClient }) => new SQSClient(config));
    return client;
  };
};
