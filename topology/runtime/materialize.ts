import type { Observable, Subscription } from 'rxjs';
import { FanOut } from '../dsl/fan-out.js';
import type { Envelope, GraphNode, Materializer, SourceSpec, TerminalSpec } from '../dsl/graph.js';
import type { BatchingOptions, BatchWriter } from '../dsl/sink-contract.js';
import type { Topology } from '../dsl/topology.js';
import type { TopologyError } from '../errors.js';
import type { StreamRecord } from '../records.js';
import type { BatchingSink, ItemCallbacks } from './batching-sink.js';
import type { OutputProducer } from './output-producer.js';
import { ticketOf, type RecordTicket } from './ticket.js';
import { TopicWriter, type ProducedObserver } from './topic-writer.js';

/** Where the engine pushes a decoded record of an input topic. */
export interface InputSource {
  readonly spec: SourceSpec;
  readonly subject: FanOut<Envelope<unknown, unknown>>;
}

/** A topology made live: its inputs by topic, and the subscriptions that keep its operators running. */
export interface MaterializedTopology {
  readonly sources: ReadonlyMap<string, InputSource>;
  readonly subscriptions: readonly Subscription[];
}

export interface MaterializeOptions {
  readonly producer: OutputProducer;
  readonly observer: ProducedObserver;
  /** Defaults for `sink()` terminals. */
  readonly sinkBatching?: Partial<BatchingOptions>;
  /** Defaults for `to()` terminals. */
  readonly topicBatching: Partial<BatchingOptions>;
  /** Builds a batching sink the caller owns (flushes and closes). */
  makeSink<T>(writer: BatchWriter<T>, batching: Partial<BatchingOptions>): BatchingSink<T>;
  /** A record was handed to a terminal's sink. */
  handedOver(): void;
  /** Builds a `process()` node's operator (the engine's task manager). */
  process: Materializer['process'];
}

/**
 * Subscribes the topology's leaves and terminals once, each shared node built once (memo), and
 * gives every terminal its batching sink: a record reaching a terminal holds its ticket until the
 * sink has written or refused it.
 */
export function materialize(topology: Topology, options: MaterializeOptions): MaterializedTopology {
  const sources = new Map<string, InputSource>();
  const byNode = new Map<number, InputSource>();
  for (const spec of topology.sources) {
    const source = { spec, subject: new FanOut<Envelope<unknown, unknown>>() };
    byNode.set(spec.node.id, source);
    for (const topic of spec.topics) sources.set(topic, source);
  }
  const memo = new Map<number, Observable<unknown>>();
  const m: Materializer = {
    source: (node: GraphNode) => {
      const entry = byNode.get(node.id);
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
    process: (node, supplier, upstream) => options.process(node, supplier, upstream),
  };
  const subscriptions: Subscription[] = [];
  for (const leaf of topology.leaves) subscriptions.push(leaf(m).subscribe());
  for (const terminal of topology.terminals) {
    const sink = sinkFor(terminal, options);
    const node = terminal.node.name;
    subscriptions.push(
      terminal.stream(m).subscribe((env) => {
        const ticket = ticketOf(env);
        ticket.retain();
        sink.add(env.record, new TicketCallbacks(ticket, node));
        options.handedOver();
      }),
    );
  }
  return { sources, subscriptions };
}

function sinkFor(terminal: TerminalSpec, options: MaterializeOptions): BatchingSink<StreamRecord<unknown, unknown>> {
  if (terminal.kind === 'sink') return options.makeSink(terminal.writer, { ...options.sinkBatching, ...terminal.batching });
  const writer = new TopicWriter(terminal.topic, terminal.keySerde, terminal.valueSerde, options.producer, options.observer);
  return options.makeSink(writer, { ...options.topicBatching, ...terminal.batching });
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
