/**
 * A `process()` node at run time: one processor instance per task, created (and init-ed) on the task's
 * first record, each record run as a step of its task (state-task.ts). The context it gives the
 * processor reaches the task's stores, forwards with the ticket of the record (or punctuation) being
 * processed, and schedules punctuations on the task.
 */
import { Observable } from 'rxjs';
import type { Envelope, GraphNode } from '../dsl/graph.js';
import { classify } from '../errors.js';
import type { ForwardedRecord, Processor, ProcessorContext, ProcessorSupplier } from '../processor/processor.js';
import type { WindowStore } from '../processor/store-spec.js';
import type { StreamRecord } from '../records.js';
import type { KeyValueStore } from '../state/key-value-store.js';
import type { Cancellable, PunctuationType, Punctuator } from '../state/punctuation-scheduler.js';
import { InMemoryKeyValueStore } from '../state/key-value-store.js';
import { InMemoryWindowStore } from '../state/window-store.js';
import type { Clock } from './clock.js';
import type { StateTask, TaskStep } from './state-task.js';
import { ticketOf, type RecordTicket } from './ticket.js';

/** What a processor node needs from the engine's task manager. */
export interface TaskSource {
  /** The live task for a partition, created (and its restore begun) if there is none. */
  taskFor(partition: number): StateTask;
  /** Counts a record a processor passed over because the restored state already held its effects. */
  skipped?(node: string): void;
  /** Whether the record was read in its partition's current generation (false: read before a rebalance, and read again after it). */
  isCurrent(ticket: RecordTicket): boolean;
  /** The record just processed moved the task's stream time: its stream-time punctuations may be due. */
  streamTimeMoved(task: StateTask): void;
  readonly clock: Clock;
}

export function processorNode(
  node: GraphNode,
  supplier: ProcessorSupplier<unknown, unknown, unknown, unknown>,
  upstream: Observable<Envelope<unknown, unknown>>,
  tasks: TaskSource,
): Observable<Envelope<unknown, unknown>> {
  const stores = node.stores ?? [];
  return new Observable<Envelope<unknown, unknown>>((subscriber) => {
    const emit = (env: Envelope<unknown, unknown>) => subscriber.next(env);
    // One processor per task instance: a task revoked and assigned again gets a fresh one.
    const instances = new WeakMap<StateTask, Instance>();
    const instanceFor = (task: StateTask): Instance => {
      let instance = instances.get(task);
      if (!instance) {
        instance = { processor: supplier(), initialized: false, context: new TaskContext(task, node, stores, emit, tasks.clock) };
        instances.set(task, instance);
      }
      return instance;
    };
    /** The end of a record's step at this node, however it went: the task's current step ends, then the ticket is released. */
    const finish = (task: StateTask, ticket: RecordTicket, error?: { readonly cause: unknown }): void => {
      try {
        task.end();
        if (task.takeStreamTimeMoved()) tasks.streamTimeMoved(task);
      } catch (err) {
        error ??= { cause: err };
      }
      if (error) ticket.fail(classify(error.cause), node.name);
      ticket.release();
    };
    /**
     * One record's step: plain code, and a promise only when the processor (or its init) returns one,
     * so that a synchronous processor costs no promise and an asynchronous one a single `then`.
     */
    const step = (task: StateTask, ticket: RecordTicket, record: StreamRecord<unknown, unknown>): void | Promise<void> => {
      let pending: void | Promise<void>;
      let instance: Instance;
      try {
        if (!shouldRun(task, ticket, record)) return ticket.release();
        instance = instanceFor(task);
        task.begin(ticket, record, ticket.raw.offset !== PUNCTUATION_OFFSET);
      } catch (err) {
        ticket.fail(classify(err), node.name);
        return ticket.release();
      }
      try {
        if (!instance.initialized) {
          instance.initialized = true;
          const init = instance.processor.init?.(instance.context);
          pending = init instanceof Promise ? init.then(() => instance.processor.process(record)) : instance.processor.process(record);
        } else {
          pending = instance.processor.process(record);
        }
      } catch (err) {
        return finish(task, ticket, { cause: err });
      }
      if (!(pending instanceof Promise)) return finish(task, ticket);
      return pending.then(
        () => finish(task, ticket),
        (err: unknown) => finish(task, ticket, { cause: err }),
      );
    };
    /** Whether the record is for this task's state at all. */
    const shouldRun = (task: StateTask, ticket: RecordTicket, record: StreamRecord<unknown, unknown>): boolean => {
      if (task.closed) return false;
      if (ticket.raw.offset === PUNCTUATION_OFFSET) return true;
      // Read before a rebalance (its decoding waited past it): the new task's state must not
      // see it, since the partition is read again from the last commit and it comes again.
      if (!tasks.isCurrent(ticket)) return false;
      if (task.alreadyApplied(stores, record.source)) {
        tasks.skipped?.(node.name);
        return false;
      }
      return true;
    };
    const subscription = upstream.subscribe({
      next: (env) => {
        const ticket = ticketOf(env);
        const { record } = env;
        // Read before a rebalance: its partition may have moved away, and a task made for it here would
        // restore (and answer queries for) state this instance does not own. It is read again anyway.
        if (ticket.raw.offset !== PUNCTUATION_OFFSET && !tasks.isCurrent(ticket)) return;
        const task = tasks.taskFor(record.source.partition);
        ticket.retain();
        task.enqueue(new NodeStep(step, task, ticket, record));
      },
      error: (err: unknown) => subscriber.error(err),
      complete: () => subscriber.complete(),
    });
    return () => subscription.unsubscribe();
  });
}

/** A record's step at this node, queued on its task: one object, where a closure would be three. */
class NodeStep implements TaskStep {
  constructor(
    private readonly runStep: (task: StateTask, ticket: RecordTicket, record: StreamRecord<unknown, unknown>) => void | Promise<void>,
    private readonly task: StateTask,
    readonly ticket: RecordTicket,
    private readonly record: StreamRecord<unknown, unknown>,
  ) {}

  run(): void | Promise<void> {
    return this.runStep(this.task, this.ticket, this.record);
  }
}

interface Instance {
  readonly processor: Processor<unknown, unknown, unknown, unknown>;
  initialized: boolean;
  readonly context: TaskContext;
}

/** The offset a punctuation's ticket carries: no input record has it. */
export const PUNCTUATION_OFFSET = '-1';

class TaskContext implements ProcessorContext<unknown, unknown> {
  constructor(
    private readonly task: StateTask,
    private readonly node: GraphNode,
    private readonly stores: readonly string[],
    private readonly emit: (env: Envelope<unknown, unknown>) => void,
    private readonly clock: Clock,
  ) {}

  get partition(): number {
    return this.task.partition;
  }

  get streamTime(): number | undefined {
    return this.task.streamTime;
  }

  wallClockTime(): number {
    return this.clock.now();
  }

  getKeyValueStore<K, V>(name: string): KeyValueStore<K, V> {
    const store = this.named(name);
    if (!(store instanceof InMemoryKeyValueStore)) throw new Error(`node ${this.node.name}: store ${name} is not a key-value store`);
    return store as KeyValueStore<K, V>;
  }

  getWindowStore<K, V>(name: string): WindowStore<K, V> {
    const store = this.named(name);
    if (!(store instanceof InMemoryWindowStore)) throw new Error(`node ${this.node.name}: store ${name} is not a window store`);
    return store as WindowStore<K, V>;
  }

  forward(out: ForwardedRecord<unknown, unknown>): void {
    const current = this.task.current;
    const record: StreamRecord<unknown, unknown> = {
      key: out.key,
      value: out.value,
      headers: out.headers ?? current.headers,
      timestamp: out.timestamp ?? current.timestamp,
      source: current.source,
    };
    this.emit({ record, ticket: current.ticket });
  }

  schedule(intervalMs: number, type: PunctuationType, fn: Punctuator): Cancellable {
    // Runs inside the task's punctuation step, which makes this node's context current for it.
    return this.task.scheduler.schedule(intervalMs, type, fn);
  }

  private named(name: string) {
    if (!this.stores.includes(name)) throw new Error(`node ${this.node.name} did not name store ${name} in process({ stores })`);
    return this.task.store(name);
  }
}
