import type { TopologyError } from '../errors.js';

/**
 * The contract of `KStream.sink()` and `to()`: what a user implements and how its batches are cut.
 * The DSL owns it because users write against it; the runtime's batching sink implements the other
 * side, so the DSL never needs the runtime.
 */

/**
 * What a user implements: write one batch, all or nothing (one transaction). Throwing means nothing
 * of the batch was written. Items that can be refused on their own before writing (they do not fit
 * the target) are returned in `rejected`, by index; the rest of the batch is then written.
 */
export interface BatchWriter<T> {
  readonly name: string;
  write(batch: readonly T[]): Promise<BatchOutcome | void>;
  /** Whether a failed write may succeed if retried as it is (a lost connection, a deadlock). */
  isTransient?(error: unknown): boolean;
  /** Approximate bytes of an item, for the byte trigger. */
  sizeOf?(item: T): number;
}

export interface BatchOutcome {
  readonly rejected?: ReadonlyMap<number, TopologyError>;
}

export interface BatchingOptions {
  /** Flush when this many items wait. */
  readonly maxRecords: number;
  /** Flush when the items waiting reach this many bytes (needs `sizeOf`). */
  readonly maxBytes: number;
  /** Flush this long after the first item of a batch arrived, however few there are. */
  readonly lingerMs: number;
  readonly retryInitialMs: number;
  readonly retryMaxMs: number;
  /**
   * Batches written at once. 1 keeps the items' order (an output topic needs it); more lets a
   * database work on one transaction while the next is built and sent, for writers whose batches
   * commute (idempotent upserts). Each write takes its own connection.
   */
  readonly maxConcurrentWrites: number;
}
