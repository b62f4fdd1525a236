import { ReliableEventsError } from '../errors.ts';

/**
 * The scenario module cannot be used: missing, it threw, it exports the wrong shape, or one of
 * its functions threw during the run. The message names the module and what to fix.
 */
export class ScenarioError extends ReliableEventsError {
  static override readonly errorName: string = 'ScenarioError';
}
