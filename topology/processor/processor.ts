/**
 * The low-level processor API (Kafka Streams' `Processor` and `ProcessorContext`): what a user
 * writes to keep state per key, forward records and act on time. `KStream.process()` runs one
 * processor instance per task (input partition); its stores are that task's own.
 *
 * Contract the runtime keeps:
 * - `process` is called for one record of a task at a time, in offset order, awaited before the next;
 *   a punctuation of the task never runs in between.
 * - A record is complete only when every store change it made is durable in the store's changelog
 *   and every record it forwarded is acknowledged downstream; its offset is committed after that.
 * - A throw (or rejection) from `process` fails that record at this node (the DLQ, by policy); the
 *   store changes it made before throwing stay (as in Kafka Streams) and are logged.
 */
import type { HeaderMap, StreamRecord } from '../records.js';
import type { KeyValueStore } from '../state/key-value-store.js';
import type { Cancellable, PunctuationType, Punctuator } from '../state/punctuation-scheduler.js';
import type { WindowStore } from './store-spec.js';

export interface ForwardedRecord<K, V> {
  readonly key: K;
  readonly value: V;
  /** Default: the record being processed's, or the punctuation's time. */
  readonly timestamp?: number;
  readonly headers?: HeaderMap;
}

export interface ProcessorContext<KOut, VOut> {
  /** The task: the input partition whose records (of every source topic) this instance processes. */
  readonly partition: number;
  /** The largest record timestamp this task has seen; undefined before its first record. */
  readonly streamTime: number | undefined;
  /** The wall-clock time of the runtime's clock (the test driver's manual clock in tests). */
  wallClockTime(): number;
  /** A store named in the `stores` of `process()`; throws for any other name. */
  getKeyValueStore<K, V>(name: string): KeyValueStore<K, V>;
  getWindowStore<K, V>(name: string): WindowStore<K, V>;
  /** Sends a record to the next nodes. Allowed in `process` and in punctuators, not in `init`. */
  forward(record: ForwardedRecord<KOut, VOut>): void;
  /**
   * Calls `fn` every `intervalMs` of stream time (moved by record timestamps) or of wall-clock time.
   * Wall-clock punctuation runs even when no record arrives: what closes a window or a timer for a key
   * that went quiet. Schedules end with the task (on revoke or stop).
   */
  schedule(intervalMs: number, type: PunctuationType, fn: Punctuator): Cancellable;
}

export interface Processor<KIn, VIn, KOut, VOut> {
  /** Once per task, after its stores were restored, before its first record. */
  init?(context: ProcessorContext<KOut, VOut>): void | Promise<void>;
  process(record: StreamRecord<KIn, VIn>): void | Promise<void>;
  /** The task closes (revoke, stop); its stores are dropped after this. */
  close?(): void;
}

/** Makes one processor per task. */
export type ProcessorSupplier<KIn, VIn, KOut, VOut> = () => Processor<KIn, VIn, KOut, VOut>;
