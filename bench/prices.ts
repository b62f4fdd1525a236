/**
 * List prices in US East (N. Virginia), USD, used to model a bill per million messages, as
 * published on the AWS pricing pages below (read 2026-11-24; those pages render their figures in
 * the browser, so the figures were taken from copies of them dated March and June 2026). DynamoDB's
 * on-demand prices are those in force since their cut of 1 November 2024. Check before relying on one:
 * - DynamoDB on-demand, https://aws.amazon.com/dynamodb/pricing/on-demand/: $0.625 per million write
 *   request units, $0.125 per million read request units;
 * - SQS, https://aws.amazon.com/sqs/pricing/: FIFO queues $0.50 per million requests (each 64 KB
 *   chunk of a request's payload is one request);
 * - Lambda, https://aws.amazon.com/lambda/pricing/: $0.20 per million requests; duration on arm64
 *   $0.0000133334 per GB-second (first tier; x86_64 is $0.0000166667).
 * Free tiers are left out: they are per account, not per message.
 */
export const prices = {
  writeRequestUnit: 0.625 / 1e6,
  readRequestUnit: 0.125 / 1e6,
  sqsFifoRequest: 0.5 / 1e6,
  lambdaRequest: 0.2 / 1e6,
  lambdaArm64GbSecond: 0.0000133334,
} as const;

/** The Lambda function the bill is modeled for: 512 MB on arm64. */
export const lambdaMemoryGb = 0.5;

export type Usage = {
  messages: number;
  writeUnits: number;
  readUnits: number;
  sqsRequests: number;
  invocations: number;
  handlerMs: number;
};

/** Dollars per million messages, by service. */
export const costPerMillion = (usage: Usage) => {
  const per = 1e6 / usage.messages;
  const dynamodb =
    (usage.writeUnits * prices.writeRequestUnit + usage.readUnits * prices.readRequestUnit) * per;
  const sqs = usage.sqsRequests * prices.sqsFifoRequest * per;
  const lambda =
    (usage.invocations * prices.lambdaRequest +
      (usage.handlerMs / 1000) * lambdaMemoryGb * prices.lambdaArm64GbSecond) *
    per;
  return { dynamodb, sqs, lambda, total: dynamodb + sqs + lambda };
};
