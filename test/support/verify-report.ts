import { verifyDefaults } from '../../lib/verify/options.ts';
import type { VerifyReport } from '../../lib/verify/report.ts';

/** A verify report as a run of 60 s would produce it, for the report's renderers. */
export const sampleReport = (ok = true): VerifyReport => {
  const start = 1_700_000_000_000;
  const timeline = Array.from({ length: 60 }, (_, i) => ({
    t: i + 1,
    sent: Math.min(1_000, (i + 1) * 40),
    acked: Math.min(1_010, (i + 1) * 18),
    inFlight: i < 55 ? 20 + (i % 7) : 0,
    retried: Math.floor(i / 3),
    deadLettered: i > 10 ? 5 : 0,
  }));
  const check = (name: string, good = true, detail = 'detail') => ({ name, ok: good, detail });
  return {
    ok,
    promise: 'exactly-once',
    workloads: [],
    queue: 'OrdersQueue',
    sent: 1_010,
    messages: 1_000,
    processed: 995,
    effects: 995,
    lost: 0,
    duplicateEffects: ok ? 0 : 12,
    orderViolations: 0,
    deadLettered: 5,
    poison: 5,
    duplicatesSuppressed: 40,
    lateCommitsFenced: 0,
    redriven: [],
    faultsInjected: {
      ...verifyDefaults.rates,
      producerResend: 10,
      poison: 5,
      consumerCrash: 2,
      lambdaTimeout: 1,
      ddbThrottle: 30,
      concurrentDuplicate: 3,
      visibilityRedelivery: 4,
    },
    unexercised: [],
    faultChecks: [check('every enabled fault fired at least 3 times', true, '9 kinds, each 3× or more')],
    throughputPerSec: 16.8,
    wallSeconds: 75,
    pipelineSeconds: 60,
    ddbRequestsPerMessage: 2.04,
    ddbRequests: { CapturePayment: { PutItem: 1_000, TransactWriteItems: 1_040 } },
    drained: true,
    invariants: [
      check('the app drained', true, 'in 60.0 s'),
      check(
        'every non-poison message has exactly one effect',
        ok,
        `995 effects, 0 lost, ${ok ? 0 : 12} duplicate`,
      ),
    ],
    reconciliation: [check('MessagesLost', true, '0 = 0 (messages with no effect)')],
    scenarioChecks: [check('every payment relayed and notified', true, '0 unrelayed, 0 unnotified')],
    alarms: {
      problems: [],
      alarms: [
        {
          name: 'app-DeadLettered',
          logicalId: 'ReliabilityDeadLettered0ABCDEF12',
          type: 'AWS::CloudWatch::Alarm',
          evaluated: true,
          state: 'OK',
          reason: 'no datapoints',
          transitions: [
            {
              alarm: 'app-DeadLettered',
              logicalId: 'ReliabilityDeadLettered0ABCDEF12',
              from: 'INSUFFICIENT_DATA',
              to: 'OK',
              at: start + 1_000,
              reason: 'r',
            },
            {
              alarm: 'app-DeadLettered',
              logicalId: 'ReliabilityDeadLettered0ABCDEF12',
              from: 'OK',
              to: 'ALARM',
              at: start + 12_500,
              reason: 'r',
            },
            {
              alarm: 'app-DeadLettered',
              logicalId: 'ReliabilityDeadLettered0ABCDEF12',
              from: 'ALARM',
              to: 'OK',
              at: start + 16_000,
              reason: 'r',
            },
          ],
        },
        {
          name: 'app-Throttles',
          logicalId: 'ReliabilityThrottles0ABCDEF12',
          type: 'AWS::CloudWatch::Alarm',
          evaluated: false,
          state: 'INSUFFICIENT_DATA',
          reason: 'no local source reports AWS/Lambda Throttles',
          transitions: [],
        },
      ],
    },
    alarmChecks: [check('ReliabilityDeadLettered0ABCDEF12 fired after poison', true, 'went to ALARM')],
    functions: [
      {
        logicalId: 'CaptureFn',
        service: 'CapturePayment',
        code: 'asset',
        batches: 120,
        records: 1_050,
        acked: 1_010,
        retried: 40,
        timedOut: 0,
        errors: 2,
        firstErrors: [
          { name: 'RangeError', message: 'amount out of range', messageId: 'msg-1', records: 10 },
          { name: 'TypeError', message: 'body is not an order', messageId: 'msg-2', records: 1 },
        ],
      },
    ],
    notRun: [{ logicalId: 'LogRetentionFn', reason: 'no SQS or DynamoDB-stream event source' }],
    groundTruth: {} as VerifyReport['groundTruth'],
    metrics: {},
    options: { ...verifyDefaults, messages: 1_000, groups: 10 },
    timelineStartedAt: start,
    timeline,
  };
};
