import { ConfigurationError } from '../lib/errors.ts';

/** Reads an environment variable the stack sets, failing at cold start with its name if missing. */
export const env = (name: string): string => {
  const value = process.env[name];
  if (!value)
    throw new ConfigurationError(
      `Environment variable ${name} is not set; deploy with the ReliableEvents stack or set it.`,
    );
  return value;
};
