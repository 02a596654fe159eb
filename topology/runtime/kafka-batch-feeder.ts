/**
 * Feeds a KafkaJS batch (`eachBatch`) to an engine, one record after the other in offset order, the
 * one feed loop of the live runner and of a replay.
 *
 * Invariant: an offset is resolved only once its record (and every record before it in the batch)
 * was taken in by the engine, so a batch left early (a stop, a rebalance, a seek) is fetched again
 * from the first record not taken. Resolved once per batch, not per record: KafkaJS parses the offset
 * into a Long on every call, a few percent of the CPU.
 *
 * While the loop waits (backpressure, a record whose decoding waits on a dependency) it heartbeats
 * every second, so a long wait does not cost the group membership; and after any wait it leaves when
 * the consumer or its owner is no longer live.
 */
import type { EachBatchPayload } from 'kafkajs';
import type { RawRecord } from '../records.js';
import { EventLoopSlice } from './event-loop-slice.js';
import { toRawRecord } from './kafka-message.js';

/** The engine as the feeder uses it. */
export interface FedEngine {
  waitForCapacity(topic: string, partition: number): Promise<void> | undefined;
  process(raw: RawRecord): void | Promise<void>;
}

/** What to do with a fetched record: feed it, pass over it (its offset still counts as handled), or end the batch there. */
export type FeedAdmission = 'process' | 'skip' | 'past-end';

export interface BatchFeederOptions {
  /**
   * The event loop's time, shared with the engine's tasks: the loop gives way once the slice is spent
   * (database answers, producer acks and timers wait meanwhile, so this bounds the latency a large
   * batch adds). A slice of its own when absent.
   */
  readonly slice?: EventLoopSlice;
  /** The owner's side of liveness (running, not stopping), asked with the consumer's after every wait. */
  live(): boolean;
  /**
   * Which group join the consumer is in (a count the owner keeps). A batch still being fed when a join
   * comes belongs to the assignment before it: its partition is another member's now, or read again
   * from the last commit (or a seek), so the rest of it is dropped and its offset is not resolved (a
   * resolve would move the new assignment's fetch position past records it never read).
   */
  joins?(): number;
  /** Whether records of the partition may be fed now: false while the owner holds it back (until its state is restored). */
  accepts?(topic: string, partition: number): boolean;
  /** Called before a record is fed; a promise returned is awaited first (a gate held by a checkpoint, a rate limit). */
  beforeRecord?(): Promise<void> | undefined;
  /** Which records of the batch to feed; all of them when absent. */
  admit?(partition: number, offset: string): FeedAdmission;
  /** A record was fed and settled its way through the operators. */
  processed?(partition: number, offset: string): void;
  /** Every record of the batch was seen (fed, skipped, or past the end): not called when the loop left early. */
  batchSeen?(batch: EachBatchPayload['batch']): void;
}

/** Feeds KafkaJS batches to one engine; `feed` is an `eachBatch` handler. */
export class KafkaBatchFeeder {
  private readonly slice: EventLoopSlice;

  constructor(
    private readonly engine: FedEngine,
    private readonly options: BatchFeederOptions,
  ) {
    this.slice = options.slice ?? new EventLoopSlice();
  }

  async feed(payload: EachBatchPayload): Promise<void> {
    let last: string | undefined;
    const join = this.options.joins?.();
    const sameJoin = () => join === undefined || this.options.joins!() === join;
    try {
      await this.feedRecords(payload, sameJoin, (offset) => (last = offset));
    } finally {
      if (last !== undefined && sameJoin()) payload.resolveOffset(last);
    }
  }

  private async feedRecords(payload: EachBatchPayload, sameJoin: () => boolean, handled: (offset: string) => void): Promise<void> {
    const { engine, options } = this;
    const { batch } = payload;
    const { topic, partition } = batch;
    const live = () =>
      payload.isRunning() && !payload.isStale() && options.live() && sameJoin() && (options.accepts === undefined || options.accepts(topic, partition));
    const heartbeat = () => payload.heartbeat();
    // One clock for both the slice and the heartbeat, read once per record.
    let lastBeat = performance.now();
    // Whether the loop gave way since it last asked live(): a stop, a rebalance or a seek can only
    // happen then. Asking per record would cost a JSON.stringify each (KafkaJS's isStale).
    let awaited = true;
    const { messages } = batch;
    // An index loop: across the awaits below, for-of's iterator results are not optimized away.
    for (let i = 0; i < messages.length; i++) {
      const message = messages[i]!;
      const now = performance.now();
      const turn = this.slice.due(now);
      if (turn) {
        // engine.process is synchronous for a decodable record, so without this a whole batch runs as one task.
        await turn;
        awaited = true;
      }
      if (awaited && !live()) return;
      const admission = options.admit?.(partition, message.offset) ?? 'process';
      if (admission === 'past-end') break;
      if (admission === 'skip') {
        handled(message.offset);
        continue;
      }
      const before = options.beforeRecord?.();
      if (before) {
        // A checkpoint or a revocation holds the gate while it drains (up to the shutdown timeout):
        // heartbeat meanwhile, or the group drops this member, which then commits as a zombie
        // (KafkaJS's transactional offset commit carries no generation to refuse it).
        const passed = before.then(() => true);
        while (!(await Promise.race([passed, delay(1000).then(() => false)]))) {
          if (!live()) return;
          await heartbeat();
        }
        lastBeat = performance.now();
        if (!live()) return;
      }
      awaited = false;
      const wait = engine.waitForCapacity(topic, partition);
      if (wait) {
        // Backpressure: this partition's fetch loop waits here until its sinks catch up.
        awaited = true;
        while (!(await Promise.race([wait.then(() => true), delay(1000).then(() => false)]))) {
          if (!live()) return;
          await heartbeat();
        }
        if (!live()) return;
      }
      const pending = engine.process(toRawRecord(topic, partition, message));
      if (pending) {
        // A schema to fetch, a registry away (retried with backoff as long as it takes): heartbeat
        // meanwhile, as the capacity wait does, or a long outage gets this member dropped from the group.
        // A stop or a rebalance does not wait for it: the record stays unresolved and is read again,
        // and the engine counts it in flight until it settles.
        awaited = true;
        const settled = pending.then(() => true);
        while (!(await Promise.race([settled, delay(1000).then(() => false)]))) {
          if (!live()) return;
          await heartbeat();
          lastBeat = performance.now();
        }
      }
      handled(message.offset);
      options.processed?.(partition, message.offset);
      if (now - lastBeat > 1000) {
        await heartbeat();
        lastBeat = performance.now();
        awaited = true;
      }
    }
    options.batchSeen?.(batch);
    await heartbeat();
  }
}

const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref());
