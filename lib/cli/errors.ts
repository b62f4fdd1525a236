import { ReliableEventsError } from '../errors.ts';

/**
 * The command cannot run as asked: no CDK app found, the app failed to synthesize, a package
 * or a port it needs is missing or taken. The message says what to do; the command exits 2.
 */
export class CliSetupError extends ReliableEventsError {
  static override readonly errorName: string = 'CliSetupError';
}
