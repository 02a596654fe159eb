import type { Topology } from '../dsl/topology.js';
import type { ErrorPolicies } from '../errors.js';
import type { HeaderMap, RawRecord, SourcePosition } from '../records.js';
import type { BatchingOptions } from '../dsl/sink-contract.js';
import { readDlqHeaders } from '../runtime/dlq.js';
import { Engine, type RuntimeObserver } from '../runtime/engine.js';
import type { OutputProducer, ProducedMessage } from '../runtime/output-producer.js';
import type { Logger } from '../runtime/logger.js';
import type { Deserializer, Serializer } from '../serdes/serde.js';
import { ManualClock } from './manual-clock.js';
import { InMemoryChangelog } from '../state/in-memory-changelog.js';
import type { StateTask } from '../runtime/state-task.js';
import { InMemoryKeyValueStore, type KeyValueStore } from '../state/key-value-store.js';
import { InMemoryWindowStore } from '../state/window-store.js';
import type { WindowStore } from '../processor/store-spec.js';

export interface TestDriverOptions {
  readonly errorPolicies?: Partial<ErrorPolicies>;
  readonly sinkBatching?: Partial<BatchingOptions>;
  readonly topicBatching?: Partial<BatchingOptions>;
  readonly maxInFlightPerPartition?: number;
  /** Epoch millis the driver's clock starts at. */
  readonly startTime?: number;
  /** Flush every sink after each piped record (default), as Kafka Streams' driver processes eagerly. */
  readonly autoFlush?: boolean;
  readonly observer?: RuntimeObserver;
  readonly logger?: Logger;
  /** Names changelog topics (`<applicationId>-<store>-changelog`). Default `test-app`. */
  readonly applicationId?: string;
  /**
   * Changelogs to restore stores from, and to append to: pass `driver.changelog` of an earlier driver
   * to start a new one where that one left its state (a restart). Default: a new, empty one.
   */
  readonly changelog?: InMemoryChangelog;
  /** Input partitions whose tasks exist from the start (their wall-clock punctuations run with no record). Default [0]. */
  readonly assignedPartitions?: readonly number[];
}

export interface StoredMessage extends ProducedMessage {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
}

export interface PipeOptions {
  readonly partition?: number;
  readonly headers?: HeaderMap;
  readonly timestamp?: number;
}

/**
 * Runs a topology in memory, no broker: the same operators, serdes, sinks, DLQ routing and commit
 * tracking as against Kafka. Pipe records into input topics, read output topics and the DLQ, move the
 * clock to fire linger flushes, and read what would have been committed.
 */
export class TopologyTestDriver {
  readonly clock: ManualClock;
  private readonly engine: Engine;
  private readonly topics = new Map<string, StoredMessage[]>();
  private readonly nextOffsets = new Map<string, bigint>();
  private readonly readPositions = new Map<string, number>();
  private readonly autoFlush: boolean;
  /** Every changelog write, by topic and partition: restores a later driver given it. */
  readonly changelog: InMemoryChangelog;

  constructor(topology: Topology, options: TestDriverOptions = {}) {
    this.clock = new ManualClock(options.startTime ?? Date.UTC(2026, 0, 1));
    this.autoFlush = options.autoFlush ?? true;
    this.changelog = options.changelog ?? new InMemoryChangelog();
    const changelogTopics = new Set(topology.stores.map((s) => `${options.applicationId ?? 'test-app'}-${s.name}-changelog`));
    const producer: OutputProducer = {
      send: (topic, messages) => {
        for (const m of messages) {
          this.append(topic, m.partition ?? 0, m);
          if (changelogTopics.has(topic)) this.changelog.append(topic, m.partition ?? 0, m.key, m.value, m.headers, m.timestamp);
        }
        return Promise.resolve();
      },
    };
    this.engine = new Engine(topology, {
      producer,
      clock: this.clock,
      errorPolicies: options.errorPolicies,
      sinkBatching: options.sinkBatching,
      topicBatching: options.topicBatching,
      maxInFlightPerPartition: options.maxInFlightPerPartition,
      observer: options.observer,
      logger: options.logger,
      applicationId: options.applicationId ?? 'test-app',
      changelogSource: this.changelog,
    });
    if (topology.isStateful) this.engine.assign((options.assignedPartitions ?? [0]).map((partition) => ({ topic: topology.inputTopics[0]!, partition })));
  }

  private append(topic: string, partition: number, m: ProducedMessage): StoredMessage {
    const k = `${topic}\u0000${partition}`;
    const offset = this.nextOffsets.get(k) ?? 0n;
    this.nextOffsets.set(k, offset + 1n);
    const stored: StoredMessage = { ...m, headers: m.headers ?? {}, topic, partition, offset: offset.toString(), timestamp: m.timestamp ?? this.clock.now() };
    const list = this.topics.get(topic) ?? [];
    list.push(stored);
    this.topics.set(topic, list);
    return stored;
  }

  /** Pipes raw bytes, as a producer that skipped the serdes would. */
  async pipeRaw(topic: string, key: Buffer | null, value: Buffer | null, options: PipeOptions = {}): Promise<SourcePosition> {
    const stored = this.append(topic, options.partition ?? 0, { key, value, headers: options.headers ?? {}, timestamp: options.timestamp ?? this.clock.now() });
    const raw: RawRecord = { ...stored, headers: stored.headers ?? {}, timestamp: stored.timestamp ?? this.clock.now() };
    await this.engine.process(raw);
    if (this.autoFlush) await this.flush();
    else await this.settle();
    return { topic, partition: stored.partition, offset: stored.offset };
  }

  /** An input topic with serializers, like Kafka Streams' `TestInputTopic`. */
  inputTopic<K, V>(topic: string, key: Serializer<K>, value: Serializer<V>) {
    return {
      pipe: async (k: K, v: V, options: PipeOptions = {}) => this.pipeRaw(topic, await key.serialize(k, topic), await value.serialize(v, topic), options),
    };
  }

  /** An output topic with deserializers, like Kafka Streams' `TestOutputTopic`; reads what it has not read yet. */
  outputTopic<K, V>(topic: string, key: Deserializer<K>, value: Deserializer<V>) {
    return {
      readKeyValues: async (): Promise<{ key: K; value: V; headers: HeaderMap }[]> => {
        const out: { key: K; value: V; headers: HeaderMap }[] = [];
        for (const m of this.unread(topic))
          out.push({ key: await key.deserialize(m.key, topic), value: await value.deserialize(m.value, topic), headers: m.headers ?? {} });
        return out;
      },
    };
  }

  private unread(topic: string): StoredMessage[] {
    const all = this.topics.get(topic) ?? [];
    const from = this.readPositions.get(topic) ?? 0;
    this.readPositions.set(topic, all.length);
    return all.slice(from);
  }

  /** Everything ever produced to a topic (inputs included), without moving any read position. */
  messages(topic: string): readonly StoredMessage[] {
    return this.topics.get(topic) ?? [];
  }

  /** The DLQ records for a source topic (in the DLQ topic its source declared, unless given), with their headers decoded. */
  deadLetters(sourceTopic: string, dlqTopic = this.engine.topology.dlqTopicOf(sourceTopic)) {
    return this.messages(dlqTopic).map((m) => ({ key: m.key, value: m.value, reason: readDlqHeaders(m.headers ?? {}) }));
  }

  /** Writes every buffered batch now, again while writing made more to write (outputs first, then their state changes). */
  async flush(): Promise<void> {
    for (let round = 0; round < 10; round++) {
      await this.settle();
      await this.engine.flush();
      await this.settle();
      if (this.engine.tracker.totalInFlight() === 0) return;
    }
  }

  /** Moves the driver's clock; linger timers that fall due flush their sinks. */
  async advanceTime(ms: number): Promise<void> {
    this.clock.advance(ms);
    await this.settle();
  }

  /**
   * Moves wall-clock time, as Kafka Streams' driver does: wall-clock punctuations that fall due run
   * (once per due time, with what they forward written out when auto-flushing), and linger timers fire.
   */
  async advanceWallClockTime(ms: number): Promise<void> {
    this.clock.advance(ms);
    if (this.autoFlush) await this.flush();
    else await this.settle();
  }

  /** Lets pending promise chains (in-memory writes, task steps) run to their end. */
  async settle(): Promise<void> {
    for (let i = 0; i < 20; i++) await new Promise((resolve) => setImmediate(resolve));
  }

  /** A key-value store of a task (input partition), for assertions; reads are live. Don't write to it. */
  keyValueStore<K, V>(name: string, partition = 0): KeyValueStore<K, V> {
    const store = this.taskStore(name, partition);
    if (!(store instanceof InMemoryKeyValueStore)) throw new Error(`store ${name} is not a key-value store`);
    return store as KeyValueStore<K, V>;
  }

  /** A window store of a task (input partition), for assertions; reads are live. Don't write to it. */
  windowStore<K, V>(name: string, partition = 0): WindowStore<K, V> {
    const store = this.taskStore(name, partition);
    if (!(store instanceof InMemoryWindowStore)) throw new Error(`store ${name} is not a window store`);
    return store as WindowStore<K, V>;
  }

  private taskStore(name: string, partition: number): ReturnType<StateTask['store']> {
    const task = this.engine.tasksHolding(name).get(partition);
    if (!task) throw new Error(`no task for partition ${partition} holds store ${name}: has a record of that partition been piped, or is it assigned?`);
    return task.store(name);
  }

  /** The offset that would be committed now for a partition (the next one to read), if any. */
  committedOffset(topic: string, partition = 0): string | undefined {
    const due = this.engine.tracker.due().find((o) => o.topic === topic && o.partition === partition);
    return due?.offset;
  }

  /** Records read and not yet fully handled. */
  get inFlight(): number {
    return this.engine.tracker.totalInFlight();
  }

  /** The fatal error that stopped processing (an error class whose policy is `fail`), if any. */
  get fatalError(): Error | undefined {
    return this.engine.failed;
  }

  close(): void {
    this.engine.close();
  }
}
