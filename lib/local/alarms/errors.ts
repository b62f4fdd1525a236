import { ReliableEventsError } from '../../errors.ts';

/** A composite alarm's `AlarmRule` that is not valid rule syntax. */
export class AlarmRuleSyntaxError extends ReliableEventsError {
  static override readonly errorName: string = 'AlarmRuleSyntaxError';
}

/** A document that claims to be Embedded Metric Format (it has `_aws`) but breaks the specification. */
export class MetricDocumentError extends ReliableEventsError {
  static override readonly errorName: string = 'MetricDocumentError';
  /** What is wrong, one entry per problem. */
  readonly problems: readonly string[];

  constructor(problems: string[]) {
    super(`Not a valid EMF document: ${problems.join('; ')}`);
    this.problems = problems;
  }
}

/** The local SQS emulator did not answer a metrics sample. */
export class SqsMetricsError extends ReliableEventsError {
  static override readonly errorName: string = 'SqsMetricsError';
}
