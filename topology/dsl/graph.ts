import type { Observable } from 'rxjs';
import type { BatchingOptions, BatchWriter } from './sink-contract.js';
import type { TopologyError } from '../errors.js';
import type { StreamRecord } from '../records.js';
import type { Deserializer, SchemaAwareDeserializer, Serializer } from '../serdes/serde.js';
import type { ProcessorSupplier } from '../processor/processor.js';

/**
 * All an operator may do to the input record an envelope came from: report that it failed at a node.
 * The runtime decides what follows (the DLQ or a stop, by policy); its ticket implements this.
 */
export interface FailureReporter {
  fail(error: TopologyError, node: string): void;
}

/** A record on its way through the operators, with the ticket of the input record it came from. */
export interface Envelope<K, V> {
  readonly record: StreamRecord<K, V>;
  readonly ticket: FailureReporter;
}

export type NodeKind = 'source' | 'processor' | 'split' | 'branch' | 'topic' | 'sink';

/** One box of the topology's picture. */
export interface GraphNode {
  readonly id: number;
  readonly name: string;
  readonly kind: NodeKind;
  /** What the node does, in a few words (`mapValues`, `filter`, `to out-topic`). */
  readonly detail: string;
  readonly parents: readonly number[];
  /** State stores the node reads and writes (a `process()` node). */
  readonly stores?: readonly string[];
}

export interface SourceSpec {
  readonly node: GraphNode;
  readonly topics: readonly string[];
  readonly keySerde: Deserializer<unknown>;
  readonly valueSerde: SchemaAwareDeserializer<unknown>;
  /** Declared with the source; `Topology.dlqTopicOf` applies the default. */
  readonly dlqTopic?: string;
}

/** Where records leave the topology. */
export type TerminalSpec =
  | {
      readonly kind: 'topic';
      readonly node: GraphNode;
      readonly topic: string;
      readonly keySerde: Serializer<unknown>;
      readonly valueSerde: Serializer<unknown>;
      readonly batching?: Partial<BatchingOptions>;
      readonly stream: (m: Materializer) => Observable<Envelope<unknown, unknown>>;
    }
  | {
      readonly kind: 'sink';
      readonly node: GraphNode;
      readonly writer: BatchWriter<StreamRecord<unknown, unknown>>;
      readonly batching?: Partial<BatchingOptions>;
      readonly stream: (m: Materializer) => Observable<Envelope<unknown, unknown>>;
    };

/** Turns node descriptions into live observables, once per node per run. */
export interface Materializer {
  source(node: GraphNode): Observable<Envelope<unknown, unknown>>;
  memo<T>(node: GraphNode, build: () => Observable<T>): Observable<T>;
  /** Runs a `process()` node: one processor and one set of its stores per task, records of a task in order. */
  process(
    node: GraphNode,
    supplier: ProcessorSupplier<unknown, unknown, unknown, unknown>,
    upstream: Observable<Envelope<unknown, unknown>>,
  ): Observable<Envelope<unknown, unknown>>;
}
