import type { Context } from 'aws-lambda';

/** A Lambda context for a local invocation whose `getRemainingTimeInMillis` counts down to `deadline` (epoch ms). */
export const localLambdaContext = (
  functionName: string,
  deadline: number,
  requestId: string,
  memoryLimitInMB = '1024',
): Context => ({
  callbackWaitsForEmptyEventLoop: false,
  functionName,
  functionVersion: '$LATEST',
  invokedFunctionArn: `arn:aws:lambda:local:000000000000:function:${functionName}`,
  memoryLimitInMB,
  awsRequestId: requestId,
  logGroupName: `/aws/lambda/${functionName}`,
  logStreamName: 'local',
  getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
  done: () => {},
  fail: () => {},
  succeed: () => {},
});
