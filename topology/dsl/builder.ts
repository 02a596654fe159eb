import { filter, type Observable } from 'rxjs';
import { fanOut } from './fan-out.js';
import type { BatchingOptions, BatchWriter } from './sink-contract.js';
import type { StreamRecord } from '../records.js';
import type { Deserializer, SchemaAwareDeserializer, Serializer } from '../serdes/serde.js';
import type { Envelope, GraphNode, Materializer, NodeKind, SourceSpec, TerminalSpec } from './graph.js';
import {
  filterRecords,
  flatMapRecords,
  mapRecords,
  mapRecordValues,
  peekRecords,
  routeRecords,
  validateRecords,
  type KeyValue,
  type Violation,
} from './operators.js';
import { Topology } from './topology.js';
import type { ProcessorSupplier } from '../processor/processor.js';
import { keyValueStore, windowStore, type StoreSpec } from '../processor/store-spec.js';
import { aggregateProcessor } from '../processor/aggregate-processor.js';
import { windowAggregateProcessor } from '../processor/window-aggregate-processor.js';
import type { Fold } from '../processor/dropped-record.js';
import type { Windowed } from '../serdes/windowed.js';
import type { TimeWindows } from '../state/time-windows.js';
import { resolveAggregation, type AggregationOptions, type WindowedAggregationOptions } from './aggregation-options.js';

type Build<K, V> = (m: Materializer) => Observable<Envelope<K, V>>;

export interface SourceOptions {
  readonly name?: string;
  /** Where records that fail go, with the reason in headers. Default `<topic>-dlq`, one per topic. */
  readonly dlqTopic?: string;
}

/** Describes a topology, as Kafka Streams' `StreamsBuilder` does; `build()` freezes it. */
export class TopologyBuilder {
  private readonly nodes: GraphNode[] = [];
  private readonly sources: SourceSpec[] = [];
  private readonly terminals: TerminalSpec[] = [];
  private readonly names = new Set<string>();
  private readonly streams: { node: GraphNode; build: Build<unknown, unknown> }[] = [];
  private readonly stores: StoreSpec[] = [];

  /** Declares a state store that `process()` nodes can name; one instance per task at run time. */
  addStateStore(spec: StoreSpec): this {
    if (this.stores.some((s) => s.name === spec.name)) throw new Error(`state store ${spec.name} is declared twice`);
    if (!/^[a-zA-Z0-9._-]+$/.test(spec.name))
      throw new Error(`state store name ${spec.name}: use only letters, digits, '.', '_' and '-' (it names a changelog topic)`);
    this.stores.push(spec);
    return this;
  }

  /** @internal */
  hasStore(name: string): boolean {
    return this.stores.some((s) => s.name === name);
  }

  /** Reads one or more topics; records are deserialized with the given serdes before any operator. */
  stream<K, V>(
    topics: string | readonly string[],
    serdes: { key: Deserializer<K>; value: SchemaAwareDeserializer<V> },
    options: SourceOptions = {},
  ): KStream<K, V> {
    const list = typeof topics === 'string' ? [topics] : [...topics];
    if (list.length === 0) throw new Error('stream() needs at least one topic');
    for (const [i, t] of list.entries()) {
      if (this.sources.some((s) => s.topics.includes(t))) throw new Error(`topic ${t} is already read by another source`);
      if (list.indexOf(t) !== i) throw new Error(`topic ${t} is listed twice`);
    }
    const node = this.addNode('source', options.name ?? `source-${list.join(',')}`, `source ${list.join(', ')}`, []);
    this.sources.push({ node, topics: list, keySerde: serdes.key, valueSerde: serdes.value, dlqTopic: options.dlqTopic });
    return this.addStream(new KStream<K, V>(this, node, (m) => m.source(node) as Observable<Envelope<K, V>>));
  }

  build(): Topology {
    if (this.sources.length === 0) throw new Error('a topology needs at least one source');
    // A stream nothing reads from still runs (a peek at the end of a chain), as in Kafka Streams.
    const hasChild = new Set(this.nodes.flatMap((n) => n.parents));
    const leaves = this.streams.filter((s) => !hasChild.has(s.node.id)).map((s) => s.build);
    const used = new Set(this.nodes.flatMap((n) => n.stores ?? []));
    const unused = this.stores.filter((s) => !used.has(s.name)).map((s) => s.name);
    if (unused.length > 0) throw new Error(`state store(s) ${unused.join(', ')} declared but used by no process() node`);
    return new Topology([...this.nodes], [...this.sources], [...this.terminals], leaves, [...this.stores]);
  }

  /** @internal */
  addNode(kind: NodeKind, name: string, detail: string, parents: readonly number[], stores?: readonly string[]): GraphNode {
    if (this.names.has(name)) throw new Error(`node name ${name} is used twice`);
    this.names.add(name);
    const node: GraphNode = { id: this.nodes.length, name, kind, detail, parents, ...(stores && stores.length > 0 ? { stores } : {}) };
    this.nodes.push(node);
    return node;
  }

  /** @internal */
  addStream<K, V>(stream: KStream<K, V>): KStream<K, V> {
    this.streams.push({ node: stream.node, build: stream.materialize });
    return stream;
  }

  /** @internal */
  addTerminal(terminal: TerminalSpec): void {
    this.terminals.push(terminal);
  }

  /** @internal */
  autoName(kind: string): string {
    return `${kind}-${String(this.nodes.length).padStart(3, '0')}`;
  }
}

/** A stream of typed records, in Kafka Streams' vocabulary. Each method adds a node and returns a new stream. */
export class KStream<K, V> {
  constructor(
    private readonly builder: TopologyBuilder,
    readonly node: GraphNode,
    private readonly build: Build<K, V>,
  ) {}

  /** Not `then`: a stream with a `then` method is a thenable, and an async function returning one never resolves. */
  private addProcessor<K2, V2>(
    kind: string,
    name: string | undefined,
    detail: string,
    op: (src: Observable<Envelope<K, V>>, nodeName: string) => Observable<Envelope<K2, V2>>,
  ): KStream<K2, V2> {
    const node = this.builder.addNode('processor', name ?? this.builder.autoName(kind), detail, [this.node.id]);
    const parent = this.build;
    return this.builder.addStream(new KStream<K2, V2>(this.builder, node, (m) => m.memo(node, () => op(parent(m), node.name).pipe(fanOut()))));
  }

  map<K2, V2>(fn: (record: StreamRecord<K, V>) => KeyValue<K2, V2>, name?: string): KStream<K2, V2> {
    return this.addProcessor('map', name, 'map', (src, n) => src.pipe(mapRecords(n, fn)));
  }

  mapValues<V2>(fn: (value: V, record: StreamRecord<K, V>) => V2, name?: string): KStream<K, V2> {
    return this.addProcessor('mapValues', name, 'mapValues', (src, n) => src.pipe(mapRecordValues(n, fn)));
  }

  filter(predicate: (record: StreamRecord<K, V>) => boolean, name?: string): KStream<K, V> {
    return this.addProcessor('filter', name, 'filter', (src, n) => src.pipe(filterRecords(n, predicate)));
  }

  flatMap<K2, V2>(fn: (record: StreamRecord<K, V>) => Iterable<KeyValue<K2, V2>>, name?: string): KStream<K2, V2> {
    return this.addProcessor('flatMap', name, 'flatMap', (src, n) => src.pipe(flatMapRecords(n, fn)));
  }

  flatMapValues<V2>(fn: (value: V, record: StreamRecord<K, V>) => Iterable<V2>, name?: string): KStream<K, V2> {
    const each = (r: StreamRecord<K, V>) => [...fn(r.value, r)].map((value) => ({ key: r.key, value }));
    return this.addProcessor('flatMapValues', name, 'flatMapValues', (src, n) => src.pipe(flatMapRecords(n, each)));
  }

  peek(fn: (record: StreamRecord<K, V>) => void, name?: string): KStream<K, V> {
    return this.addProcessor('peek', name, 'peek', (src, n) => src.pipe(peekRecords(n, fn)));
  }

  /**
   * Runs a processor of the low-level API on every record (Kafka Streams' `process()`): one instance
   * per task, with the named stores (declared by `addStateStore`) and punctuation; what it forwards is
   * the new stream. Records of a task reach it one at a time, in order.
   */
  process<K2, V2>(supplier: ProcessorSupplier<K, V, K2, V2>, options: { name?: string; stores?: readonly string[] } = {}): KStream<K2, V2> {
    const stores = [...(options.stores ?? [])];
    return this.addProcess(
      supplier,
      options.name ?? this.builder.autoName('process'),
      stores,
      stores.length > 0 ? `process [${stores.join(', ')}]` : 'process',
    );
  }

  /** @internal `process()` with the node's detail given: what the stateful operators are built on. */
  addProcess<K2, V2>(supplier: ProcessorSupplier<K, V, K2, V2>, name: string, stores: readonly string[], detail: string): KStream<K2, V2> {
    for (const store of stores) if (!this.builder.hasStore(store)) throw new Error(`process(): state store ${store} is not declared (addStateStore)`);
    const node = this.builder.addNode('processor', name, detail, [this.node.id], stores);
    const parent = this.build;
    const untyped = supplier as unknown as ProcessorSupplier<unknown, unknown, unknown, unknown>;
    return this.builder.addStream(
      new KStream<K2, V2>(this.builder, node, (m) =>
        m.memo(node, () => (m.process(node, untyped, parent(m) as Observable<Envelope<unknown, unknown>>) as Observable<Envelope<K2, V2>>).pipe(fanOut())),
      ),
    );
  }

  /**
   * Groups records by their key as it is, for `count`, `reduce`, `aggregate` and `windowedBy` (Kafka
   * Streams' `groupByKey()`). Nothing is repartitioned: state is kept per input partition, so the key
   * must be one whose records all come from one partition, i.e. the input topic's key, not one made
   * by `map`. (Kafka Streams would repartition through a topic; this library does not, yet.)
   */
  groupByKey(): KGroupedStream<K, V> {
    return new KGroupedStream(this.builder, this);
  }

  /** Fails records that break a rule as validation errors (DLQ with the rule's name, by default). */
  validate(check: (record: StreamRecord<K, V>) => Violation | undefined, name?: string): KStream<K, V> {
    return this.addProcessor('validate', name, 'validate', (src, n) => src.pipe(validateRecords(n, check)));
  }

  /** Routes each record to the first branch whose predicate matches (Kafka Streams' `split()`). */
  split(name?: string): BranchedKStream<K, V> {
    return new BranchedKStream(this.builder, this, name ?? this.builder.autoName('split'));
  }

  /** Produces every record to `topic`; it counts as handled once the broker acknowledged it. */
  to(topic: string, serdes: { key: Serializer<K>; value: Serializer<V> }, options: { name?: string; batching?: Partial<BatchingOptions> } = {}): void {
    const node = this.builder.addNode('topic', options.name ?? this.builder.autoName('to'), `to ${topic}`, [this.node.id]);
    this.builder.addTerminal({
      kind: 'topic',
      node,
      topic,
      keySerde: serdes.key,
      valueSerde: serdes.value,
      batching: options.batching,
      stream: this.build,
    });
  }

  /** Writes every record with a batching writer; it counts as handled once its batch committed. */
  sink(writer: BatchWriter<StreamRecord<K, V>>, options: { name?: string; batching?: Partial<BatchingOptions> } = {}): void {
    const node = this.builder.addNode('sink', options.name ?? writer.name, `sink ${writer.name}`, [this.node.id]);
    this.builder.addTerminal({
      kind: 'sink',
      node,
      writer,
      batching: options.batching,
      stream: this.build,
    });
  }

  /** @internal used by BranchedKStream */
  get materialize(): Build<K, V> {
    return this.build;
  }
}

/** The branches of a `split()`; `defaultBranch()` or `noDefaultBranch()` closes it and returns the streams by name. */
export class BranchedKStream<K, V> {
  private readonly branches: { name: string; predicate: (r: StreamRecord<K, V>) => boolean }[] = [];

  constructor(
    private readonly builder: TopologyBuilder,
    private readonly parent: KStream<K, V>,
    private readonly name: string,
  ) {}

  branch(name: string, predicate: (record: StreamRecord<K, V>) => boolean): this {
    if (this.branches.some((b) => b.name === name)) throw new Error(`branch ${name} is declared twice in ${this.name}`);
    this.branches.push({ name, predicate });
    return this;
  }

  defaultBranch(name = 'default'): Record<string, KStream<K, V>> {
    return this.close(name);
  }

  noDefaultBranch(): Record<string, KStream<K, V>> {
    return this.close(undefined);
  }

  private close(defaultName: string | undefined): Record<string, KStream<K, V>> {
    const predicates = this.branches.map((b) => b.predicate);
    const names = [...this.branches.map((b) => b.name), ...(defaultName === undefined ? [] : [defaultName])];
    const splitNode = this.builder.addNode('split', this.name, `split into ${names.join(', ')}`, [this.parent.node.id]);
    const parent = this.parent.materialize;
    const routed = (m: Materializer) => m.memo(splitNode, () => parent(m).pipe(routeRecords(splitNode.name, predicates, defaultName !== undefined), fanOut()));
    const out: Record<string, KStream<K, V>> = {};
    names.forEach((branchName, index) => {
      const node = this.builder.addNode('branch', `${this.name}-${branchName}`, `branch ${branchName}`, [splitNode.id]);
      out[branchName] = this.builder.addStream(
        new KStream<K, V>(this.builder, node, (m) =>
          m.memo(node, () =>
            routed(m).pipe(
              // The routed envelope goes on as it is: no one downstream reads its `branch`.
              filter((e) => e.branch === index),
              fanOut(),
            ),
          ),
        ),
      );
    });
    return out;
  }
}

// The grouped and windowed views and the table live here, beside KStream, because their types and
// KStream's refer to each other (groupByKey() returns one, toStream() returns a KStream): the house
// lint forbids that cycle across files. Their logic is in processor/ and aggregation-options.ts.

const countFold = <K, V>(_key: K, _value: V, previous: number | undefined): number => (previous ?? 0) + 1;
const reduceFold =
  <K, V>(reducer: (aggregate: V, value: V) => V): Fold<K, V, V> =>
  (_key, value, previous) =>
    previous === undefined ? value : reducer(previous, value);
const aggregateFold =
  <K, V, VR>(initializer: () => VR, aggregator: (key: K, value: V, aggregate: VR) => VR): Fold<K, V, VR> =>
  (key, value, previous) =>
    aggregator(key, value, previous === undefined ? initializer() : previous);

/**
 * A stream grouped by key (Kafka Streams' `KGroupedStream`): its aggregations keep one value per key in
 * a key-value store (backed by a changelog) and return the table of it.
 */
export class KGroupedStream<K, V> {
  constructor(
    private readonly builder: TopologyBuilder,
    private readonly stream: KStream<K, V>,
  ) {}

  /** The number of records of each key. */
  count(options: AggregationOptions<K, number> = {}): KTable<K, number> {
    return this.fold('count', countFold, options);
  }

  /** Combines the values of a key: the first value is the aggregate, each next one is `reducer(aggregate, value)`. */
  reduce(reducer: (aggregate: V, value: V) => V, options: AggregationOptions<K, V> = {}): KTable<K, V> {
    return this.fold('reduce', reduceFold(reducer), options);
  }

  /** Folds the values of a key into an aggregate that starts as `initializer()`. */
  aggregate<VR>(initializer: () => VR, aggregator: (key: K, value: V, aggregate: VR) => VR, options: AggregationOptions<K, VR> = {}): KTable<K, VR> {
    return this.fold('aggregate', aggregateFold(initializer, aggregator), options);
  }

  /** Aggregates per key and time window instead (tumbling or hopping, with grace). */
  windowedBy(windows: TimeWindows): TimeWindowedKStream<K, V> {
    return new TimeWindowedKStream(this.builder, this.stream, windows);
  }

  private fold<VR>(kind: string, fold: Fold<K, V, VR>, options: AggregationOptions<K, VR>): KTable<K, VR> {
    const { nodeName, storeName, keySerde, valueSerde } = resolveAggregation(options, this.builder.autoName(kind));
    this.builder.addStateStore(keyValueStore(storeName, { key: keySerde, value: valueSerde }));
    const supplier = aggregateProcessor<K, V, VR>({ node: nodeName, storeName, fold, onDrop: options.onDrop });
    return new KTable(storeName, this.stream.addProcess(supplier, nodeName, [storeName], `${kind} [${storeName}]`));
  }
}

/** A grouped stream cut into time windows (Kafka Streams' `TimeWindowedKStream`): one aggregate per key and window, in a window store. */
export class TimeWindowedKStream<K, V> {
  constructor(
    private readonly builder: TopologyBuilder,
    private readonly stream: KStream<K, V>,
    private readonly windows: TimeWindows,
  ) {}

  count(options: WindowedAggregationOptions<K, number> = {}): KTable<Windowed<K>, number> {
    return this.fold('count', countFold, options);
  }

  reduce(reducer: (aggregate: V, value: V) => V, options: WindowedAggregationOptions<K, V> = {}): KTable<Windowed<K>, V> {
    return this.fold('reduce', reduceFold(reducer), options);
  }

  aggregate<VR>(
    initializer: () => VR,
    aggregator: (key: K, value: V, aggregate: VR) => VR,
    options: WindowedAggregationOptions<K, VR> = {},
  ): KTable<Windowed<K>, VR> {
    return this.fold('aggregate', aggregateFold(initializer, aggregator), options);
  }

  private fold<VR>(kind: string, fold: Fold<K, V, VR>, options: WindowedAggregationOptions<K, VR>): KTable<Windowed<K>, VR> {
    const { nodeName, storeName, keySerde, valueSerde } = resolveAggregation(options, this.builder.autoName(`windowed-${kind}`));
    const emit = options.emit ?? 'each-update';
    const supplier = windowAggregateProcessor<K, V, VR>({
      node: nodeName,
      storeName,
      windows: this.windows,
      fold,
      emit,
      wallClockAdvanceMs: options.wallClockAdvanceMs,
      onDrop: options.onDrop,
    });
    this.builder.addStateStore(windowStore(storeName, { key: keySerde, value: valueSerde }, this.windows));
    const { sizeMs, advanceMs, graceMs } = this.windows;
    const detail = `windowed ${kind} [${storeName}] size ${sizeMs} ms, advance ${advanceMs} ms, grace ${graceMs} ms, ${emit}`;
    return new KTable(storeName, this.stream.addProcess(supplier, nodeName, [storeName], detail));
  }
}

/**
 * The result of an aggregation (Kafka Streams' `KTable`, reduced to what it offers here): the state
 * store that holds it and the stream of its changes.
 */
export class KTable<K, V> {
  constructor(
    /** The store holding the table, one instance per task. */
    readonly storeName: string,
    private readonly changes: KStream<K, V>,
  ) {}

  /** Each update as a record (key, new value), in the order it happened; for `on-window-close`, each window's final value. */
  toStream(): KStream<K, V> {
    return this.changes;
  }
}
