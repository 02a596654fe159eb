/**
 * The port through which a store reports each of its changes, serialized, so that the runtime can
 * write it to the store's changelog topic. The store calls it in the same synchronous step in which
 * it changes its memory, so the order of the changelog is the order of the changes: replaying the
 * changelog rebuilds exactly the state the store had.
 */
import type { SharedKeyBytes } from './key-bytes-memo.js';
export interface ChangeLogger {
  /** `value === null` is a tombstone: the key was deleted. `timestamp` is the changing record's. */
  logChange(key: Buffer, value: Buffer | null, timestamp: number): void;
}

/** One change as the changelog carries it. */
export interface StateChange {
  readonly key: Buffer;
  readonly value: Buffer | null;
  readonly timestamp: number;
}

/** Where a store's changes go, and the timestamp they carry. */
export interface StoreContext {
  readonly changeLogger: ChangeLogger;
  /** The timestamp of the record being processed (Kafka Streams' record context); the engine binds it. */
  recordTimestamp(): number;
  /** The task's shared memory of the last key a topic-independent serializer made (key-bytes-memo.ts); none: each store keeps its own. */
  readonly sharedKeyBytes?: SharedKeyBytes;
}

/** A store that can be rebuilt from its changelog and dropped when its partition goes away. */
export interface RestorableStore {
  readonly name: string;
  /** Applies one changelog entry without logging it again. */
  restore(key: Buffer, value: Buffer | null): void;
  /** Forgets everything (the partition was revoked, or a restore was abandoned). */
  clear(): void;
}

/** Keeps every change in memory, in order: for tests and the test driver. */
export class RecordingChangeLogger implements ChangeLogger {
  readonly changes: StateChange[] = [];

  logChange(key: Buffer, value: Buffer | null, timestamp: number): void {
    this.changes.push({ key, value, timestamp });
  }
}
