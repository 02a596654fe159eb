/**
 * The tasks of a topology with `process()` nodes, one per input partition number, and what connects
 * them to the engine: restoring a task's stores when it is created, queuing its punctuations, writing
 * each record's state changes to the changelog once the record's other effects are acknowledged (in
 * the task's outbox order), and only then letting the record count as handled.
 */
import type { Observable } from 'rxjs';
import type { Envelope, GraphNode } from '../dsl/graph.js';
import type { Topology } from '../dsl/topology.js';
import { classify, FatalTopologyError, type TopologyError } from '../errors.js';
import type { ProcessorSupplier } from '../processor/processor.js';
import type { RawRecord } from '../records.js';
import { ChangelogRestorer, type ChangelogSource } from '../state/changelog-restorer.js';
import type { BatchingSink, ItemCallbacks } from './batching-sink.js';
import type { Clock } from './clock.js';
import type { EventLoopSlice } from './event-loop-slice.js';
import type { RecordChanges } from './changelog-writer.js';
import type { Logger } from './logger.js';
import { PUNCTUATION_OFFSET, processorNode } from './processor-node.js';
import { StateTask, type TaskWork } from './state-task.js';
import type { OutboxSlot } from './task-outbox.js';
import { RecordTicket, type TicketHooks } from './ticket.js';

export interface TaskManagerOptions {
  readonly topology: Topology;
  /** Names the changelog topics: `<applicationId>-<store>-changelog`. */
  readonly applicationId: string;
  /** Where stores are restored from; without one a new task starts empty (nothing to restore). */
  readonly changelogSource?: ChangelogSource;
  readonly changelog: BatchingSink<RecordChanges>;
  readonly slice: EventLoopSlice;
  readonly clock: Clock;
  readonly logger: Logger;
  /** A record's ticket is done and its changes durable: it counts as handled. */
  complete(ticket: RecordTicket): void;
  /** A punctuation's output failed: route it as a record's would be. */
  failed(ticket: RecordTicket, error: TopologyError, node: string): void;
  fatal(error: FatalTopologyError): void;
  progressed(): void;
  skipped?(node: string): void;
  /** Whether a record's ticket belongs to its partition's current generation. */
  isCurrent(ticket: RecordTicket): boolean;
}

/** A task with work not done, as a drain report shows it. */
export interface BusyTask {
  readonly partition: number;
  /** Steps queued and not yet run. */
  readonly queued: number;
  /** Records' work items whose changes are not yet logged. */
  readonly unlogged: number;
  readonly restoring: boolean;
}

export class TaskManager {
  private readonly tasks = new Map<number, StateTask>();
  /** Per live task: resolves true once its stores are restored, false if it closed first. */
  private readonly restores = new WeakMap<StateTask, Promise<boolean>>();
  private readonly restorer: ChangelogRestorer | undefined;
  private readonly wallClockQueued = new WeakSet<StateTask>();
  private openPunctuations = 0;
  private readonly punctuationHooks: TicketHooks;
  readonly clock: Clock;

  constructor(private readonly options: TaskManagerOptions) {
    this.clock = options.clock;
    this.restorer = options.changelogSource ? new ChangelogRestorer(options.changelogSource, options.clock) : undefined;
    this.punctuationHooks = { done: (t) => this.settle(t), failed: (t, e, n) => options.failed(t, e, n) };
  }

  /** Builds a `process()` node's operator over this manager's tasks. */
  operator(node: GraphNode, supplier: ProcessorSupplier<unknown, unknown, unknown, unknown>, upstream: Observable<Envelope<unknown, unknown>>) {
    return processorNode(node, supplier, upstream, {
      taskFor: (partition) => this.taskFor(partition),
      skipped: (name) => this.options.skipped?.(name),
      isCurrent: (ticket) => this.options.isCurrent(ticket),
      streamTimeMoved: (task) => {
        if (task.scheduler.has('stream-time')) this.punctuate(task, 'stream-time');
      },
      clock: this.clock,
    });
  }

  taskFor(partition: number): StateTask {
    let task = this.tasks.get(partition);
    if (task) return task;
    task = new StateTask({
      partition,
      applicationId: this.options.applicationId,
      stores: this.options.topology.stores,
      slice: this.options.slice,
      clock: this.clock,
      failed: (err) => this.options.fatal(new FatalTopologyError(`task ${partition} failed: ${classify(err).message}`, { cause: err })),
      wake: (t) => this.punctuate(t, 'wall-clock'),
    });
    this.tasks.set(partition, task);
    if (this.restorer && this.options.topology.stores.length > 0) {
      const began = this.clock.now();
      const restoring = task;
      const restored = task
        .restore(this.restorer, () => this.options.changelog.flush())
        .then(
          (completed) => {
            if (completed) this.options.logger.info({ partition, stores: restoring.storeNames(), millis: this.clock.now() - began }, 'task state restored');
            return completed;
          },
          () => false, // reported through failed()
        );
      this.restores.set(task, restored);
    }
    return task;
  }

  /** Resolves true once the partition's live task has its stores restored (at once if nothing is restored), false if it closed first or there is none. */
  restored(partition: number): Promise<boolean> {
    const task = this.tasks.get(partition);
    if (!task) return Promise.resolve(false);
    return this.restores.get(task) ?? Promise.resolve(true);
  }

  /** Partitions given to this instance: their tasks are created (and restored) now, so their wall-clock punctuations run even if no record comes. */
  assign(partitions: readonly number[]): void {
    for (const p of partitions) this.taskFor(p);
  }

  /** Partitions taken away: their tasks close and their state is dropped; records of theirs still in flight finish without effect. */
  revoke(partitions: readonly number[]): void {
    for (const p of partitions) {
      const task = this.tasks.get(p);
      if (!task) continue;
      this.tasks.delete(p);
      for (const work of task.close()) this.finish(work.ticket);
    }
  }

  close(): void {
    this.revoke([...this.tasks.keys()]);
  }

  /** Live tasks by partition: to query state from outside (interactive queries). */
  get liveTasks(): ReadonlyMap<number, StateTask> {
    return this.tasks;
  }

  /** Tasks with work not done (queued, or changes not yet logged), and whether each is still restoring: what a drain that does not finish waits for. */
  busyTasks(): BusyTask[] {
    const out: BusyTask[] = [];
    for (const [partition, task] of this.tasks)
      if (task.queued > 0 || task.outbox.size > 0 || task.restoring)
        out.push({ partition, queued: task.queued, unlogged: task.outbox.size, restoring: task.restoring });
    return out;
  }

  /** Punctuations begun and not yet settled: a drain waits for them as for records. */
  get inFlight(): number {
    return this.openPunctuations;
  }

  /** Called when a ticket with state work is done: its changes go to the changelog in outbox order. */
  settle(ticket: RecordTicket): void {
    const slot = ticket.stateSlot as OutboxSlot<TaskWork> | undefined;
    if (!slot) return this.finish(ticket);
    const { task } = slot.item;
    // A closed task's changes are not logged: its records are read again by the partition's next owner.
    if (task.closed) return this.finish(ticket);
    for (const work of task.outbox.ready(slot)) this.log(work);
  }

  private log(work: TaskWork): void {
    const { changes, ticket } = work;
    if (changes.length === 0) return this.finish(ticket);
    // The record's changes as one item: written in one batch, acknowledged together.
    this.options.changelog.add(changes, new ChangelogCallbacks(this, ticket, changes[0]!.topic));
    this.options.progressed();
  }

  /** A changelog refused a change: a store whose change cannot be made durable would diverge from its changelog, so the engine stops. */
  changelogRefused(topic: string, error: TopologyError): void {
    this.options.fatal(new FatalTopologyError(`changelog ${topic} refused a change: ${error.message}`, { cause: error }));
  }

  /** The record (or punctuation) is handled: its changes are durable, or it had none, or its task closed. */
  finish(ticket: RecordTicket): void {
    if (ticket.raw.offset === PUNCTUATION_OFFSET) {
      this.openPunctuations--;
      this.options.progressed();
    } else {
      this.options.complete(ticket);
    }
  }

  /**
   * Queues a punctuation of the task: wall-clock ones when the scheduler's timer wakes, stream-time
   * ones right after the record that moved stream time. It runs as a step of its own, with a ticket
   * of its own whose outputs and changes are settled like a record's.
   */
  punctuate(task: StateTask, type: 'wall-clock' | 'stream-time'): void {
    if (task.closed) return;
    if (type === 'wall-clock') {
      if (this.wallClockQueued.has(task)) return;
      this.wallClockQueued.add(task);
    }
    const now = this.clock.now();
    const raw: RawRecord = {
      topic: this.options.topology.inputTopics[0]!,
      partition: task.partition,
      offset: PUNCTUATION_OFFSET,
      key: null,
      value: null,
      headers: {},
      timestamp: now,
    };
    const ticket = new RecordTicket(raw, this.punctuationHooks, undefined, -1n);
    this.openPunctuations++;
    const run = async () => {
      if (type === 'wall-clock') this.wallClockQueued.delete(task);
      try {
        if (task.closed) return;
        const timestamp = type === 'wall-clock' ? now : (task.streamTime ?? now);
        task.begin(ticket, { timestamp, headers: {}, source: { topic: raw.topic, partition: raw.partition, offset: raw.offset } }, false);
        try {
          if (type === 'wall-clock') await task.scheduler.punctuateWallClock();
          else await task.scheduler.advanceStreamTime(timestamp);
        } finally {
          task.end();
        }
      } catch (err) {
        ticket.fail(classify(err), `${type} punctuation`);
      } finally {
        ticket.release();
      }
    };
    if (type === 'stream-time') task.runNext({ ticket, run });
    else task.enqueue({ ticket, run });
  }
}

/** A record's changes at the changelog sink, reported back: one small object per record, not two closures and their object. */
class ChangelogCallbacks implements ItemCallbacks {
  constructor(
    private readonly manager: TaskManager,
    private readonly ticket: RecordTicket,
    private readonly topic: string,
  ) {}

  written(): void {
    this.manager.finish(this.ticket);
  }

  refused(error: TopologyError): void {
    this.manager.changelogRefused(this.topic, error);
  }
}
