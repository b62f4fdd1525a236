export type RecordStatus = 'IN_PROGRESS' | 'COMPLETED';

/** One idempotency record, as a store holds it. Times: `leaseExpiresAt` in epoch ms, `expiresAt` in epoch s (TTL). */
export type IdempotencyRecord = {
  key: string;
  status: RecordStatus;
  /** Token of the invocation that holds (or held) the lease. */
  owner: string;
  leaseExpiresAt: number;
  expiresAt: number;
  fingerprint?: string;
  /** The function's result as JSON; absent when the result was `undefined` or not stored. */
  result?: string;
  /** At-most-once: the error the call failed with, so a redelivery can still dead-letter it. */
  failure?: { name: string; message: string };
};
