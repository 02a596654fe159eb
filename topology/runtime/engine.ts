import type { Subscription } from 'rxjs';
import type { Topology } from '../dsl/topology.js';
import type { BatchingOptions, BatchWriter } from '../dsl/sink-contract.js';
import {
  DEFAULT_ERROR_POLICIES,
  DeserializationError,
  FatalTopologyError,
  TopologyError,
  TransientError,
  errorMessage,
  type ErrorClass,
  type ErrorPolicies,
} from '../errors.js';
import { positionLabel, type RawRecord, type StreamRecord } from '../records.js';
import { BatchingSink, DEFAULT_BATCHING, type SinkObserver } from './batching-sink.js';
import { PartitionCapacity } from './capacity.js';
import { backoffMs, sleep, systemClock, type Clock } from './clock.js';
import { EventLoopSlice } from './event-loop-slice.js';
import { CommitTracker, type PartitionInFlight } from './commit-tracker.js';
import { DeadLetterRouter, DlqWriter, type DeadLetter } from './dead-letter.js';
import { silentLogger, type Logger } from './logger.js';
import { materialize, type InputSource } from './materialize.js';
import type { OutputProducer } from './output-producer.js';
import { RecordTicket, type TicketHooks } from './ticket.js';
import { DEFAULT_TOPIC_BATCHING } from './topic-writer.js';
import { CHANGELOG_BATCHING, ChangelogWriter, type RecordChanges } from './changelog-writer.js';
import { TaskManager, type BusyTask } from './task-manager.js';
import type { ChangelogSource } from '../state/changelog-restorer.js';
import type { StateTask } from './state-task.js';
import type { ReadOnlyKeyValueStore } from '../state/key-value-store.js';
import type { WindowStore } from '../processor/store-spec.js';

export interface RuntimeObserver extends SinkObserver {
  received?(topic: string): void;
  handled?(topic: string): void;
  deadLettered?(errorClass: ErrorClass, node: string): void;
  produced?(topic: string, count: number): void;
  /** A processor passed over a record whose effects the restored state already held. */
  skippedApplied?(node: string): void;
}

/** What a query from outside may do with a store: read (the key-value or window store's read methods). */
export type QueryableStore = ReadOnlyKeyValueStore<unknown, unknown> | Pick<WindowStore<unknown, unknown>, 'name' | 'get' | 'fetch' | 'approximateNumEntries'>;

/** Engine.inFlightReport(): where the records and punctuations in flight are. */
export interface InFlightReport {
  readonly records: readonly PartitionInFlight[];
  readonly punctuations: number;
  readonly tasks: readonly BusyTask[];
  readonly sinks: readonly { name: string; buffered: number; writing: number }[];
}

export interface EngineOptions {
  readonly producer: OutputProducer;
  readonly clock?: Clock;
  readonly errorPolicies?: Partial<ErrorPolicies>;
  /** Cap on records read and not yet fully handled, per partition: the memory bound and the backpressure. */
  readonly maxInFlightPerPartition?: number;
  /** Defaults for `sink()` terminals. */
  readonly sinkBatching?: Partial<BatchingOptions>;
  /** Defaults for `to()` terminals and the DLQ: short linger, since a person may be waiting for the output. */
  readonly topicBatching?: Partial<BatchingOptions>;
  readonly observer?: RuntimeObserver;
  readonly logger?: Logger;
  /** Names the changelog topics of state stores, `<applicationId>-<store>-changelog`. Default `tempstream`. */
  readonly applicationId?: string;
  /** Where a task's stores are restored from when it is created; without one, tasks start empty. */
  readonly changelogSource?: ChangelogSource;
  /**
   * Where store changes go; `producer` when absent. A producer of their own (its own connection) keeps
   * a large changelog write from delaying the outputs queued behind it on the same connection.
   */
  readonly changelogProducer?: OutputProducer;
  /** The event loop's time, shared with whatever feeds the engine: state tasks give way when it is spent. */
  readonly slice?: EventLoopSlice;
}

/**
 * Runs a topology over raw records, wherever they come from: the record's way through is decode →
 * push through the operators → complete (every output acknowledged) or fail (dead-letter routing),
 * with the commit tracker told at each end. The Kafka runner and the test driver both drive one.
 * Building the operators and sinks (materialize.ts), dead-letter routing (dead-letter.ts) and
 * backpressure (capacity.ts) live in their own files.
 */
export class Engine {
  readonly tracker = new CommitTracker();
  private readonly clock: Clock;
  private readonly policies: ErrorPolicies;
  private readonly logger: Logger;
  private readonly observer: RuntimeObserver;
  private readonly capacity: PartitionCapacity;
  private readonly abort = new AbortController();
  private readonly sources: ReadonlyMap<string, InputSource>;
  private readonly sinks: BatchingSink<never>[] = [];
  private readonly dlq: BatchingSink<DeadLetter>;
  private readonly changelog: BatchingSink<RecordChanges>;
  private readonly deadLetters: DeadLetterRouter;
  private readonly subscriptions: readonly Subscription[];
  /** Drains waiting for something to happen: woken on every settle, sink hand-over and close. */
  private progressListeners: (() => void)[] = [];
  private failure: FatalTopologyError | undefined;
  private readonly failureListeners: ((error: FatalTopologyError) => void)[] = [];
  private readonly hooks: TicketHooks;
  /** Tasks of `process()` nodes: stores, punctuation, changelog. */
  private readonly tasks: TaskManager;

  constructor(
    readonly topology: Topology,
    private readonly options: EngineOptions,
  ) {
    this.clock = options.clock ?? systemClock;
    this.policies = { ...DEFAULT_ERROR_POLICIES, ...options.errorPolicies };
    this.logger = options.logger ?? silentLogger;
    this.observer = options.observer ?? {};
    // Records waiting only on their changelog write are excused up to one changelog batch's worth.
    this.capacity = new PartitionCapacity(options.maxInFlightPerPartition ?? 2000, CHANGELOG_BATCHING.maxRecords);
    this.hooks = { done: (t) => (t.stateSlot ? this.onSettled(t) : this.onDone(t)), failed: (t, e, n) => this.deadLetters.route(t, e, n) };
    const topicBatching = { ...DEFAULT_TOPIC_BATCHING, ...options.topicBatching };
    this.dlq = this.makeSink(new DlqWriter(options.producer), topicBatching);
    // One write at a time: changes reach each changelog partition in the order the stores made them.
    this.changelog = this.makeSink<RecordChanges>(new ChangelogWriter(options.changelogProducer ?? options.producer), {
      ...topicBatching,
      ...CHANGELOG_BATCHING,
    });
    this.tasks = new TaskManager({
      topology,
      applicationId: options.applicationId ?? 'tempstream',
      changelogSource: options.changelogSource,
      changelog: this.changelog,
      slice: options.slice ?? new EventLoopSlice(),
      clock: this.clock,
      logger: this.logger,
      complete: (t) => this.onDone(t),
      failed: (t, e, n) => this.deadLetters.route(t, e, n),
      fatal: (e) => this.fatal(e),
      progressed: () => this.progressed(),
      skipped: (node) => this.observer.skippedApplied?.(node),
      isCurrent: (t) => t.generation === undefined || this.tracker.isCurrent(t.raw.topic, t.raw.partition, t.generation),
    });
    this.deadLetters = new DeadLetterRouter({
      policies: this.policies,
      sink: this.dlq,
      producer: options.producer,
      clock: this.clock,
      logger: this.logger,
      observer: this.observer,
      dlqTopicOf: (topic) => topology.dlqTopicOf(topic),
      schemaIdOf: (raw) => this.sources.get(raw.topic)?.spec.valueSerde.schemaIdOf?.(raw.value),
      fatal: (error) => this.fatal(error),
      progressed: () => this.progressed(),
    });
    ({ sources: this.sources, subscriptions: this.subscriptions } = materialize(topology, {
      producer: options.producer,
      observer: this.observer,
      sinkBatching: options.sinkBatching,
      topicBatching,
      makeSink: (writer, batching) => this.makeSink(writer, batching),
      handedOver: () => this.progressed(),
      process: (node, supplier, upstream) => this.tasks.operator(node, supplier, upstream),
    }));
  }

  private makeSink<T>(writer: BatchWriter<T>, batching: Partial<BatchingOptions>): BatchingSink<T> {
    const sink = new BatchingSink<T>(writer, { ...DEFAULT_BATCHING, ...batching }, this.clock, this.abort.signal, this.observer, (error) =>
      this.fatal(new FatalTopologyError(`sink ${writer.name} broke: ${errorMessage(error)}`, { cause: error })),
    );
    this.sinks.push(sink as BatchingSink<never>);
    return sink;
  }

  /**
   * Takes one record in. Records of a partition must be given in offset order, one at a time (await
   * each result that is a promise). Returns (or resolves) when the record has passed the operators,
   * not when it is fully handled: synchronously when its serdes decode synchronously, the usual case,
   * so a record costs no promise.
   */
  process(raw: RawRecord): void | Promise<void> {
    // Its terminals are unsubscribed: a record taken now would "complete" unwritten and be committed.
    if (this.closed) throw new Error('engine closed: it takes no more records');
    const source = this.sources.get(raw.topic);
    if (!source) throw new Error(`topic ${raw.topic} is not an input of this topology`);
    const offset = BigInt(raw.offset);
    const generation = this.tracker.begin(raw.topic, raw.partition, offset);
    this.observer.received?.(raw.topic);
    const ticket = new RecordTicket(raw, this.hooks, generation, offset);
    const { spec } = source;
    let key: unknown;
    let value: unknown;
    try {
      key = spec.keySerde.deserialize(raw.key, raw.topic);
      try {
        value = spec.valueSerde.deserialize(raw.value, raw.topic);
      } finally {
        if (key instanceof Promise) key.catch(() => undefined); // decoded again below, or refused
      }
    } catch (err) {
      if (!(err instanceof TransientError)) return this.refuseUndecodable(ticket, err, spec.node.name);
      return this.processSlowly(raw, source, ticket, err);
    }
    if (key instanceof Promise || value instanceof Promise) {
      if (value instanceof Promise) value.catch(() => undefined);
      return this.processSlowly(raw, source, ticket);
    }
    this.push(raw, source.subject, ticket, key, value);
  }

  /** A serde that waits (a schema to fetch) or a dependency away: decode again, with backoff, until it answers. */
  private async processSlowly(raw: RawRecord, source: InputSource, ticket: RecordTicket, firstFailure?: TransientError): Promise<void> {
    const { spec } = source;
    let failure = firstFailure;
    for (let failures = failure ? 1 : 0; ; failures++) {
      if (failure) {
        this.logger.warn({ position: positionLabel(raw), attempt: failures - 1, err: failure.message }, 'deserialization waits for a dependency');
        try {
          await sleep(this.clock, backoffMs(failures - 1, 100, 10_000), this.abort.signal);
        } catch {
          return; // stopping: the record stays unhandled and will be read again
        }
      }
      try {
        const key = await spec.keySerde.deserialize(raw.key, raw.topic);
        const value = await spec.valueSerde.deserialize(raw.value, raw.topic);
        this.push(raw, source.subject, ticket, key, value);
        return;
      } catch (err) {
        if (!(err instanceof TransientError)) return this.refuseUndecodable(ticket, err, spec.node.name);
        failure = err;
      }
    }
  }

  private refuseUndecodable(ticket: RecordTicket, err: unknown, node: string): void {
    const error = err instanceof TopologyError ? err : new DeserializationError(errorMessage(err), undefined, { cause: err });
    ticket.fail(error, node);
    ticket.release();
  }

  private push(raw: RawRecord, subject: InputSource['subject'], ticket: RecordTicket, key: unknown, value: unknown): void {
    const record: StreamRecord<unknown, unknown> = {
      key,
      value,
      headers: raw.headers,
      timestamp: raw.timestamp,
      source: { topic: raw.topic, partition: raw.partition, offset: raw.offset },
    };
    subject.next({ record, ticket });
    ticket.release();
  }

  /** Resolves when the partition has room for another record (backpressure), or when stopping. */
  waitForCapacity(topic: string, partition: number): Promise<void> | undefined {
    const wait = this.capacity.waitFor(topic, partition, this.tracker.inFlight(topic, partition));
    // The changelog lingers to gather more changes per key. Records waiting only on it count against
    // their partition once more of them wait than may be excused: then a full partition waits on that
    // write, and the linger ends. (Otherwise the wait is for other sinks, and the linger goes on.)
    if (wait && this.capacity.overExcused) this.changelog.expedite();
    return wait;
  }

  /** A record with state changes met every other obligation: its changes go to the changelog (in its task's order). */
  private onSettled(ticket: RecordTicket): void {
    const { topic, partition } = ticket.raw;
    ticket.awaitingChangelog = true;
    this.capacity.excuse(topic, partition);
    this.wakeIfRoom(topic, partition);
    this.tasks.settle(ticket);
  }

  /** Wakes the partition's readers if it has room now (never while it is full: capacity.ts's invariant). */
  private wakeIfRoom(topic: string, partition: number): void {
    if (this.capacity.hasRoom(topic, partition, this.tracker.inFlight(topic, partition))) this.capacity.wake(topic, partition);
  }

  private onDone(ticket: RecordTicket): void {
    const { topic, partition } = ticket.raw;
    if (ticket.awaitingChangelog) {
      ticket.awaitingChangelog = false;
      this.capacity.unexcuse(topic, partition);
    }
    this.tracker.complete(topic, partition, ticket.offset, ticket.generation);
    this.observer.handled?.(topic);
    this.wakeIfRoom(topic, partition);
    this.progressed();
  }

  /**
   * Forgets partitions taken away (or handed back) by a rebalance. Their records in flight still
   * finish, but no longer move any offset: the consumer reads them again from the last commit.
   */
  revoke(partitions: readonly { topic: string; partition: number }[]): void {
    for (const { topic, partition } of partitions) {
      this.tracker.revoke(topic, partition);
      this.capacity.wake(topic, partition);
    }
    this.tasks.revoke([...new Set(partitions.map((p) => p.partition))]);
  }

  /**
   * The partitions this instance holds after a rebalance. Every task it had is closed first, those of
   * partitions that never had a record included (the consumer restarts every partition from its last
   * commit, so no task's memory may be kept); the assigned partitions' tasks are created now and
   * restore their stores (records wait in the task's queue meanwhile), so wall-clock punctuations run
   * even for a partition that receives nothing.
   */
  assign(partitions: readonly { topic: string; partition: number }[]): void {
    this.tasks.close();
    if (this.topology.isStateful) this.tasks.assign([...new Set(partitions.map((p) => p.partition))]);
  }

  /** Resolves true once the task of partition number `partition` is restored, false if it was closed (revoked) first or none is live. */
  restored(partition: number): Promise<boolean> {
    return this.tasks.restored(partition);
  }

  /** The live tasks holding a store, by partition. */
  tasksHolding(store: string): ReadonlyMap<number, StateTask> {
    if (!this.topology.stores.some((s) => s.name === store)) throw new Error(`no state store ${store} in this topology`);
    return this.tasks.liveTasks;
  }

  /** A store's instances on this engine, by partition, to query state from outside (interactive queries). */
  queryableStore(name: string): ReadonlyMap<number, QueryableStore> {
    const out = new Map<number, QueryableStore>();
    for (const [partition, task] of this.tasksHolding(name)) out.set(partition, task.store(name));
    return out;
  }

  private fatal(error: FatalTopologyError): void {
    if (this.failure) return;
    this.failure = error;
    this.progressed();
    for (const listener of this.failureListeners) listener(error);
  }

  /** The first fatal error, if any: a record whose policy is `fail`, or a DLQ that refuses. */
  get failed(): FatalTopologyError | undefined {
    return this.failure;
  }

  onFatal(listener: (error: FatalTopologyError) => void): void {
    if (this.failure) listener(this.failure);
    else this.failureListeners.push(listener);
  }

  /** Flushes every sink now, ignoring linger. Output sinks first, so their failures reach the DLQ in this pass. */
  async flush(): Promise<void> {
    for (const sink of this.sinks) if (sink !== (this.dlq as BatchingSink<never>)) await sink.flush();
    await this.dlq.flush();
  }

  /**
   * Flushes until nothing is in flight, or `timeoutMs` (real time) passes, or the engine closes or
   * fails. True when drained. Between flushes it waits for something to happen (a record settles or
   * reaches a sink) rather than polling, so a drain that waits on a slow dependency costs nothing and
   * leaves batching intact; once it returns, it flushes no more.
   */
  async drain(timeoutMs: number): Promise<boolean> {
    let timedOut = false;
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<void>((resolve) => {
      timer = setTimeout(() => {
        timedOut = true;
        resolve();
      }, timeoutMs);
    });
    const over = () => timedOut || this.closed || this.failure !== undefined;
    try {
      const busy = () => this.tracker.totalInFlight() > 0 || this.tasks.inFlight > 0;
      while (busy() && !over()) {
        // Listening before the flush: what the flush itself settles wakes the next round.
        const progressed = this.nextProgress();
        await Promise.race([this.flush(), deadline]);
        if (!busy() || over()) break;
        await Promise.race([progressed, deadline]);
      }
      return !busy() && !this.failure;
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * What is in flight right now, for a log line when a drain does not finish: records by partition
   * (the oldest of each), open punctuations, busy tasks, and sinks holding items or writes.
   */
  inFlightReport(): InFlightReport {
    return {
      records: this.tracker.inFlightByPartition(),
      punctuations: this.tasks.inFlight,
      tasks: this.tasks.busyTasks(),
      sinks: this.sinks.filter((s) => s.buffered > 0 || s.writesInFlight > 0).map((s) => ({ name: s.name, buffered: s.buffered, writing: s.writesInFlight })),
    };
  }

  /** Resolves at the next record settled, record handed to a sink, or close. */
  private nextProgress(): Promise<void> {
    return new Promise((resolve) => this.progressListeners.push(resolve));
  }

  private progressed(): void {
    if (this.progressListeners.length === 0) return;
    const listeners = this.progressListeners;
    this.progressListeners = [];
    for (const listener of listeners) listener();
  }

  /** Stops retries and timers. Records still buffered stay unacknowledged, so their offsets stay uncommitted. */
  close(): void {
    this.abort.abort(new Error('engine closed'));
    for (const sub of this.subscriptions) sub.unsubscribe();
    this.tasks.close();
    for (const sink of this.sinks) sink.close();
    this.capacity.close();
    this.progressed();
  }

  get closed(): boolean {
    return this.abort.signal.aborted;
  }
}
