import { Subject, type Observable, type Subscription } from 'rxjs';
import type { Envelope, GraphNode, Materializer, SourceSpec, TerminalSpec } from '../dsl/graph.js';
import type { Topology } from '../dsl/topology.js';
import {
  DEFAULT_ERROR_POLICIES,
  DeserializationError,
  FatalTopologyError,
  ProductionError,
  TopologyError,
  TransientError,
  errorMessage,
  type ErrorClass,
  type ErrorPolicies,
} from '../errors.js';
import { positionLabel, type RawRecord, type StreamRecord } from '../records.js';
import type { BatchingOptions, BatchWriter } from '../dsl/sink-contract.js';
import { BatchingSink, DEFAULT_BATCHING, type ItemCallbacks, type SinkObserver } from './batching-sink.js';
import { backoffMs, sleep, systemClock, type Clock } from './clock.js';
import { CommitTracker } from './commit-tracker.js';
import { DLQ_HEADERS, toDlqRecord, type DlqRecord } from './dlq.js';
import { isRecordTooLarge } from './kafka-producer.js';
import { silentLogger, type Logger } from './logger.js';
import type { OutputProducer, ProducedMessage } from './output-producer.js';
import { RecordTicket, ticketOf, type TicketHooks } from './ticket.js';

export interface RuntimeObserver extends SinkObserver {
  received?(topic: string): void;
  handled?(topic: string): void;
  deadLettered?(errorClass: ErrorClass, node: string): void;
  produced?(topic: string, count: number): void;
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
}

const DEFAULT_TOPIC_BATCHING: Partial<BatchingOptions> = { lingerMs: 5, maxRecords: 500 };

/**
 * Runs a topology over raw records, wherever they come from: deserializes, pushes them through the
 * operators, feeds the terminals, routes failures, and tracks which offsets are safe to commit. The
 * Kafka runner and the test driver both drive one of these.
 */
export class Engine {
  readonly tracker = new CommitTracker();
  private readonly clock: Clock;
  private readonly policies: ErrorPolicies;
  private readonly logger: Logger;
  private readonly observer: RuntimeObserver;
  private readonly maxInFlight: number;
  private readonly abort = new AbortController();
  private readonly sources = new Map<string, { spec: SourceSpec; subject: Subject<Envelope<unknown, unknown>> }>();
  private readonly sinks: BatchingSink<never>[] = [];
  private readonly dlq: BatchingSink<{ topic: string; record: DlqRecord }>;
  private readonly subscriptions: Subscription[] = [];
  private readonly waiters = new Map<string, (() => void)[]>();
  /** Drains waiting for something to happen: woken on every settle, sink hand-over and close. */
  private progressListeners: (() => void)[] = [];
  private failure: FatalTopologyError | undefined;
  private readonly failureListeners: ((error: FatalTopologyError) => void)[] = [];
  private readonly hooks: TicketHooks;

  constructor(
    readonly topology: Topology,
    private readonly options: EngineOptions,
  ) {
    this.clock = options.clock ?? systemClock;
    this.policies = { ...DEFAULT_ERROR_POLICIES, ...options.errorPolicies };
    this.logger = options.logger ?? silentLogger;
    this.observer = options.observer ?? {};
    this.maxInFlight = options.maxInFlightPerPartition ?? 2000;
    this.hooks = { done: (t) => this.onDone(t), failed: (t, e, n) => this.onFailed(t, e, n) };
    this.dlq = this.makeSink(new DlqWriter(options.producer), { ...DEFAULT_TOPIC_BATCHING, ...options.topicBatching });
    this.materialize();
  }

  private makeSink<T>(writer: BatchWriter<T>, batching: Partial<BatchingOptions>): BatchingSink<T> {
    const sink = new BatchingSink<T>(writer, { ...DEFAULT_BATCHING, ...batching }, this.clock, this.abort.signal, this.observer, (error) =>
      this.fatal(new FatalTopologyError(`sink ${writer.name} broke: ${errorMessage(error)}`, { cause: error })),
    );
    this.sinks.push(sink as BatchingSink<never>);
    return sink;
  }

  private materialize(): void {
    const memo = new Map<number, Observable<unknown>>();
    for (const spec of this.topology.sources) {
      const subject = new Subject<Envelope<unknown, unknown>>();
      for (const topic of spec.topics) this.sources.set(topic, { spec, subject });
    }
    const m: Materializer = {
      source: (node: GraphNode) => {
        const entry = [...this.sources.values()].find((s) => s.spec.node.id === node.id);
        if (!entry) throw new Error(`no source for node ${node.name}`);
        return entry.subject.asObservable();
      },
      memo: <T>(node: GraphNode, build: () => Observable<T>): Observable<T> => {
        let o = memo.get(node.id) as Observable<T> | undefined;
        if (!o) {
          o = build();
          memo.set(node.id, o);
        }
        return o;
      },
    };
    for (const leaf of this.topology.leaves) this.subscriptions.push(leaf(m).subscribe());
    for (const terminal of this.topology.terminals) {
      const sink = this.sinkFor(terminal);
      this.subscriptions.push(
        terminal.stream(m).subscribe((env) => {
          const ticket = ticketOf(env);
          ticket.retain();
          sink.add(env.record, this.callbacksFor(ticket, terminal.node.name));
          this.progressed();
        }),
      );
    }
  }

  private sinkFor(terminal: TerminalSpec): BatchingSink<StreamRecord<unknown, unknown>> {
    if (terminal.kind === 'sink') {
      return this.makeSink(terminal.writer, { ...this.options.sinkBatching, ...terminal.batching });
    }
    const writer = new TopicWriter(terminal.topic, terminal.keySerde, terminal.valueSerde, this.options.producer, this.observer);
    return this.makeSink(writer, { ...DEFAULT_TOPIC_BATCHING, ...this.options.topicBatching, ...terminal.batching });
  }

  private callbacksFor(ticket: RecordTicket, node: string): ItemCallbacks {
    return new TicketCallbacks(ticket, node);
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
  private async processSlowly(
    raw: RawRecord,
    source: { spec: SourceSpec; subject: Subject<Envelope<unknown, unknown>> },
    ticket: RecordTicket,
    firstFailure?: TransientError,
  ): Promise<void> {
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

  private push(raw: RawRecord, subject: Subject<Envelope<unknown, unknown>>, ticket: RecordTicket, key: unknown, value: unknown): void {
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
    if (this.tracker.inFlight(topic, partition) < this.maxInFlight || this.abort.signal.aborted) return undefined;
    return new Promise((resolve) => {
      const k = `${topic}\u0000${partition}`;
      const list = this.waiters.get(k) ?? [];
      list.push(resolve);
      this.waiters.set(k, list);
    });
  }

  private onDone(ticket: RecordTicket): void {
    const { topic, partition } = ticket.raw;
    this.tracker.complete(topic, partition, ticket.offset, ticket.generation);
    this.observer.handled?.(topic);
    if (this.tracker.inFlight(topic, partition) < this.maxInFlight) this.wake(topic, partition);
    this.progressed();
  }

  private wake(topic: string, partition: number): void {
    const k = `${topic}\u0000${partition}`;
    const list = this.waiters.get(k);
    if (list) {
      this.waiters.delete(k);
      for (const w of list) w();
    }
  }

  /**
   * Forgets partitions taken away (or handed back) by a rebalance. Their records in flight still
   * finish, but no longer move any offset: the consumer reads them again from the last commit.
   */
  revoke(partitions: readonly { topic: string; partition: number }[]): void {
    for (const { topic, partition } of partitions) {
      this.tracker.revoke(topic, partition);
      this.wake(topic, partition);
    }
  }

  private onFailed(ticket: RecordTicket, error: TopologyError, node: string): void {
    const position = positionLabel(ticket.raw);
    const policy = this.policies[error.errorClass];
    if (policy === 'fail') {
      this.logger.error({ position, node, errorClass: error.errorClass, err: error.message }, 'record failed; policy is fail: stopping');
      this.fatal(new FatalTopologyError(`${error.errorClass} error at ${node} for ${position}: ${error.message}`, { cause: error }));
      ticket.retain(); // never released: this record must not be committed
      return;
    }
    const schemaId = this.sources.get(ticket.raw.topic)?.spec.valueSerde.schemaIdOf?.(ticket.raw.value);
    const topic = this.topology.dlqTopicOf(ticket.raw.topic);
    this.logger.warn({ position, node, errorClass: error.errorClass, err: error.message, dlq: topic }, 'record sent to the DLQ');
    this.observer.deadLettered?.(error.errorClass, node);
    ticket.retain();
    const giveUp = (dlqError: Error) =>
      // Nowhere left to put it: stop rather than lose it.
      this.fatal(new FatalTopologyError(`cannot write ${position} to DLQ ${topic}: ${dlqError.message}`, { cause: dlqError }));
    this.dlq.add(
      { topic, record: toDlqRecord(ticket.raw, error, node, this.clock.now(), schemaId) },
      {
        written: () => ticket.release(),
        refused: (dlqError) => {
          const value = ticket.raw.value;
          if (value === null || !isRecordTooLarge(dlqError)) return giveUp(dlqError);
          // A value near the broker's limit plus our headers no longer fits: keep the reason and the
          // coordinates (the original stays in the source topic), rather than stopping for good.
          const slim = toDlqRecord({ ...ticket.raw, value: null }, error, node, this.clock.now(), schemaId);
          const headers = { ...slim.headers, [DLQ_HEADERS.valueOmitted]: Buffer.from(`${value.length} bytes, too large for ${topic}`) };
          this.dlq.add({ topic, record: { ...slim, headers } }, { written: () => ticket.release(), refused: giveUp });
          this.progressed();
        },
      },
    );
    this.progressed();
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
      while (this.tracker.totalInFlight() > 0 && !over()) {
        // Listening before the flush: what the flush itself settles wakes the next round.
        const progressed = this.nextProgress();
        await Promise.race([this.flush(), deadline]);
        if (this.tracker.totalInFlight() === 0 || over()) break;
        await Promise.race([progressed, deadline]);
      }
      return this.tracker.totalInFlight() === 0 && !this.failure;
    } finally {
      clearTimeout(timer);
    }
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
    for (const sink of this.sinks) sink.close();
    for (const list of this.waiters.values()) for (const w of list) w();
    this.waiters.clear();
    this.progressed();
  }

  get closed(): boolean {
    return this.abort.signal.aborted;
  }
}

/** A record's fate at one terminal, reported to its ticket: one small object per record and terminal. */
class TicketCallbacks implements ItemCallbacks {
  constructor(
    private readonly ticket: RecordTicket,
    private readonly node: string,
  ) {}

  written(): void {
    this.ticket.release();
  }

  refused(error: TopologyError): void {
    this.ticket.fail(error, this.node);
    this.ticket.release();
  }
}

/** Serializes records for one output topic and produces them in one request. */
class TopicWriter implements BatchWriter<StreamRecord<unknown, unknown>> {
  readonly name: string;
  constructor(
    private readonly topic: string,
    private readonly keySerde: TerminalTopicSerdes['key'],
    private readonly valueSerde: TerminalTopicSerdes['value'],
    private readonly producer: OutputProducer,
    private readonly observer: RuntimeObserver,
  ) {
    this.name = `topic ${topic}`;
  }

  sizeOf(record: StreamRecord<unknown, unknown>): number {
    return 256 + (Buffer.isBuffer(record.value) ? record.value.length : 0);
  }

  async write(batch: readonly StreamRecord<unknown, unknown>[]) {
    const rejected = new Map<number, TopologyError>();
    const messages: ProducedMessage[] = [];
    for (const [index, record] of batch.entries()) {
      try {
        messages.push({
          key: await this.keySerde.serialize(record.key, this.topic),
          value: await this.valueSerde.serialize(record.value, this.topic),
          headers: record.headers,
          timestamp: record.timestamp,
        });
      } catch (err) {
        if (err instanceof TransientError) throw err;
        rejected.set(
          index,
          err instanceof TopologyError ? err : new ProductionError(`cannot serialize for ${this.topic}: ${errorMessage(err)}`, { cause: err }),
        );
      }
    }
    if (messages.length > 0) {
      try {
        await this.producer.send(this.topic, messages);
      } catch (err) {
        if (this.producer.isTransient?.(err)) throw new TransientError(`producing to ${this.topic}: ${errorMessage(err)}`, { cause: err });
        throw new ProductionError(`producing to ${this.topic}: ${errorMessage(err)}`, { cause: err });
      }
      this.observer.produced?.(this.topic, messages.length);
    }
    return { rejected };
  }
}

type TerminalTopicSerdes = { key: Extract<TerminalSpec, { kind: 'topic' }>['keySerde']; value: Extract<TerminalSpec, { kind: 'topic' }>['valueSerde'] };

/** Produces DLQ records, grouped by DLQ topic. Its failures cannot be dead-lettered: they are retried or fatal. */
class DlqWriter implements BatchWriter<{ topic: string; record: DlqRecord }> {
  readonly name = 'dlq';
  constructor(private readonly producer: OutputProducer) {}

  isTransient(error: unknown): boolean {
    return error instanceof TransientError || (this.producer.isTransient?.(error) ?? false);
  }

  async write(batch: readonly { topic: string; record: DlqRecord }[]): Promise<void> {
    const byTopic = new Map<string, DlqRecord[]>();
    for (const { topic, record } of batch) {
      const list = byTopic.get(topic) ?? [];
      list.push(record);
      byTopic.set(topic, list);
    }
    for (const [topic, records] of byTopic) await this.producer.send(topic, records);
  }
}
