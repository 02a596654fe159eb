import type { HeaderMap } from '../records.js';

/** The engine's output port: the Kafka adapters and the test driver implement it, the engine only calls it. */

/** A message ready for the broker. */
export interface ProducedMessage {
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly headers?: HeaderMap;
  readonly timestamp?: number;
  /** Chosen by the caller (a changelog partition belongs to one task); by the key's hash when absent. */
  readonly partition?: number;
}

/** Where output and DLQ records go: a Kafka producer, or the test driver's in-memory topics. */
export interface OutputProducer {
  /** Resolves once every message is acknowledged (by all in-sync replicas, for Kafka). */
  send(topic: string, messages: readonly ProducedMessage[]): Promise<void>;
  /** A failure worth retrying: the broker away, a leader moving. */
  isTransient?(error: unknown): boolean;
  /** The broker refused a record for its size: the DLQ then retries it without its value. */
  isRecordTooLarge?(error: unknown): boolean;
}
