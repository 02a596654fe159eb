/**
 * One task of a stateful topology: the input partition number p, its own instance of every state
 * store (backed by partition p of the store's changelog), its punctuations, and the queue that runs
 * its work.
 *
 * Invariants:
 * - Work runs one item at a time, and a record's whole way through the task's processors (its step at
 *   one node and the steps its forwards cause downstream) runs before the next record's or
 *   punctuation's: so the stores change record by record, as in Kafka Streams' depth-first task.
 * - Every store change is made inside a step and lands in that step's work item; the outbox releases
 *   the items in the order they were opened (task-outbox.ts), which is the order the stores changed.
 * - Nothing runs before the stores are restored; after close() nothing runs and nothing is logged.
 */
import { systemClock, type Clock } from './clock.js';
import { SOURCE_OFFSET_HEADER, SOURCE_TOPIC_HEADER, type ChangelogItem } from './changelog-writer.js';
import type { EventLoopSlice } from './event-loop-slice.js';
import { Fifo } from './fifo.js';
import { TaskOutbox, type OutboxSlot } from './task-outbox.js';
import type { RecordTicket } from './ticket.js';
import { changelogTopicName } from '../state/changelog-topics.js';
import type { ChangeLogger, RestorableStore, StoreContext } from '../state/change-logger.js';
import type { ChangelogRestorer } from '../state/changelog-restorer.js';
import { InMemoryKeyValueStore } from '../state/key-value-store.js';
import { sharedKeyBytes } from '../state/key-bytes-memo.js';
import { PunctuationScheduler } from '../state/punctuation-scheduler.js';
import { InMemoryWindowStore } from '../state/window-store.js';
import type { StoreSpec } from '../processor/store-spec.js';
import type { HeaderMap, SourcePosition } from '../records.js';

/** What one record (or punctuation) did to the task's state: its changes, logged once it is settled. */
export interface TaskWork {
  readonly task: StateTask;
  readonly ticket: RecordTicket;
  /** In the order made. Replaced, not pushed to, while short (see `logChange`). */
  changes: readonly ChangelogItem[];
  /** Set for a record: its position, which its changes carry to the changelog (as headers). */
  readonly source?: SourcePosition;
}

type TaskStore = (InMemoryKeyValueStore<unknown, unknown> | InMemoryWindowStore<unknown, unknown>) & RestorableStore;

/** A unit of a task's work: a record's step at one node, or a punctuation. */
export interface TaskStep {
  readonly ticket: RecordTicket;
  run(): void | Promise<void>;
}

/** What is being processed now: the ticket, its work item, the record's time. Read it during the step; the task reuses it for the next. */
export interface CurrentStep {
  readonly ticket: RecordTicket;
  readonly work: TaskWork;
  /** What a forwarded record gets by default: the record's time, or the punctuation's. */
  readonly timestamp: number;
  /** What a store change carries to the changelog: the record's time, or the task's stream time in a punctuation (a restore takes stream time back from it). */
  readonly changeTimestamp: number;
  readonly headers: HeaderMap;
  readonly source: SourcePosition;
}

export interface StateTaskOptions {
  readonly partition: number;
  readonly applicationId: string;
  readonly stores: readonly StoreSpec[];
  /** The event loop's time, shared with the feeder and the other tasks: the queue gives way when it is spent. */
  readonly slice: EventLoopSlice;
  readonly clock?: Clock;
  /** A step threw outside any processor's own handling: the engine stops. */
  readonly failed: (error: unknown) => void;
  /** A wall-clock punctuation is due: the owner queues it. */
  readonly wake: (task: StateTask) => void;
}

export class StateTask {
  readonly partition: number;
  readonly scheduler: PunctuationScheduler;
  readonly outbox = new TaskOutbox<TaskWork>();
  private readonly stores = new Map<string, TaskStore>();
  private readonly changelogs = new Map<string, string>();
  private readonly queue = new Fifo<TaskStep>();
  private readonly continuations = new Fifo<TaskStep>();
  private running = false;
  private readonly slice: EventLoopSlice;
  private active: RecordTicket | undefined;
  /** Between begin() and end(): the step running now, in `step` (one object per task, filled per step: steps never overlap). */
  private inStep = false;
  private readonly step: Mutable<CurrentStep> = { ticket: undefined!, work: undefined!, timestamp: 0, changeTimestamp: 0, headers: {}, source: undefined! };
  private ready: Promise<void> = Promise.resolve();
  /** Between restore() and the end of its restore: work queued meanwhile waits. */
  private restoringNow = false;
  private readonly abort = new AbortController();
  /** The abort signal's state as a field: asked for every step, and an AbortSignal getter costs more. */
  private isClosed = false;
  /** Per store, per source topic: the highest input offset whose change the restored changelog holds. */
  private readonly restoredUpTo = new Map<string, Map<string, bigint>>();
  /** Per task, as in Kafka Streams: the largest record timestamp seen. */
  private time: number | undefined;
  private streamTimeMoved = false;

  constructor(private readonly options: StateTaskOptions) {
    this.partition = options.partition;
    this.slice = options.slice;
    this.scheduler = new PunctuationScheduler(options.clock ?? systemClock, () => options.wake(this));
    const keys = sharedKeyBytes();
    for (const spec of options.stores) {
      const changelogTopic = changelogTopicName(options.applicationId, spec.name);
      this.changelogs.set(spec.name, changelogTopic);
      const context: StoreContext = { changeLogger: this.loggerFor(changelogTopic), recordTimestamp: () => this.current.changeTimestamp, sharedKeyBytes: keys };
      const common = { name: spec.name, changelogTopic, keySerde: spec.keySerde, valueSerde: spec.valueSerde, context };
      this.stores.set(
        spec.name,
        spec.kind === 'key-value'
          ? new InMemoryKeyValueStore(common)
          : new InMemoryWindowStore({ ...common, windows: spec.windows, retentionMs: spec.retentionMs }),
      );
    }
  }

  get closed(): boolean {
    return this.isClosed;
  }

  get streamTime(): number | undefined {
    return this.time;
  }

  get current(): CurrentStep {
    if (!this.inStep) throw new Error(`task ${this.partition}: a store was used or a record forwarded outside a record or punctuation step`);
    return this.step;
  }

  store(name: string): TaskStore {
    const store = this.stores.get(name);
    if (!store) throw new Error(`task ${this.partition}: no state store ${name}`);
    return store;
  }

  storeNames(): string[] {
    return [...this.stores.keys()];
  }

  /**
   * Restores every store from its changelog (after `before`, which lets changes still being written
   * land first); work queued meanwhile waits. Resolves false when the task closed first.
   */
  restore(restorer: ChangelogRestorer, before: () => Promise<void>): Promise<boolean> {
    let latest: number | undefined;
    const restoreOne = async (name: string, store: TaskStore): Promise<boolean> => {
      const upTo = new Map<string, bigint>();
      const result = await restorer.restore({
        store,
        topic: this.changelogs.get(name)!,
        partition: this.partition,
        signal: this.abort.signal,
        onEntry: (entry) => {
          if (entry.timestamp !== undefined && (latest === undefined || entry.timestamp > latest)) latest = entry.timestamp;
          const topic = entry.headers?.[SOURCE_TOPIC_HEADER]?.toString();
          const offset = entry.headers?.[SOURCE_OFFSET_HEADER]?.toString();
          if (topic === undefined || offset === undefined) return;
          const o = BigInt(offset);
          if (o > (upTo.get(topic) ?? -1n)) upTo.set(topic, o);
        },
      });
      if (result.completed) this.restoredUpTo.set(name, upTo);
      return result.completed;
    };
    const run = async (): Promise<boolean> => {
      await before();
      if (this.closed) return false;
      // The stores at once: each restore's time is mostly waiting (a group join, its fence, fetches), not work.
      const completed = await Promise.all([...this.stores].map(([name, store]) => restoreOne(name, store)));
      if (completed.includes(false) || this.closed) return false;
      // Stream time goes on from where the changes left it, so a record that was late before a restart
      // is late after it too (it must not reopen a window that was already emitted and dropped).
      if (latest !== undefined && (this.time === undefined || latest > this.time)) this.time = latest;
      return true;
    };
    this.restoringNow = true;
    const restored = run().finally(() => (this.restoringNow = false));
    this.ready = restored.then(
      () => undefined,
      (err: unknown) => {
        this.options.failed(err);
        throw err;
      },
    );
    this.ready.catch(() => undefined);
    return restored;
  }

  /**
   * Whether the restored state already holds the effects of this input record on every one of
   * `stores`: it was processed before a crash or a rebalance, its changes (and, before them, its
   * outputs) became durable, and only its offset was not committed. Such a record must not change the
   * stores a second time.
   */
  alreadyApplied(stores: readonly string[], source: SourcePosition): boolean {
    if (stores.length === 0) return false;
    // The offset is parsed only when every store restored an offset of this topic: after a restore
    // from an empty changelog, and in a task that restored nothing, no record needs it.
    let offset: bigint | undefined;
    for (const name of stores) {
      const upTo = this.restoredUpTo.get(name)?.get(source.topic);
      if (upTo === undefined) return false;
      offset ??= BigInt(source.offset);
      if (offset > upTo) return false;
    }
    return true;
  }

  /**
   * Queues work. Work for the ticket being processed right now (what its steps forwarded) runs next,
   * before any other record's: a record's way through the task is not interleaved with another's.
   */
  enqueue(step: TaskStep): void {
    // Queued even when closed: the step itself sees the close and releases its ticket.
    if (step.ticket === this.active) this.continuations.push(step);
    else this.queue.push(step);
    if (!this.running) void this.loop();
  }

  /** Opens (once per ticket) the work item that collects a record's or punctuation's changes, and makes it current. */
  begin(ticket: RecordTicket, position: { timestamp: number; headers: HeaderMap; source: SourcePosition }, record: boolean): void {
    let slot = ticket.stateSlot as OutboxSlot<TaskWork> | undefined;
    if (!slot) {
      slot = this.outbox.open({ task: this, ticket, changes: NO_CHANGES, source: record ? position.source : undefined });
      ticket.stateSlot = slot;
      if (record && (this.time === undefined || position.timestamp > this.time)) {
        this.time = position.timestamp;
        this.streamTimeMoved = true;
      }
    }
    // Filled in place, not a new object per step: a record takes a step at every process() node.
    const step = this.step;
    step.ticket = ticket;
    step.work = slot.item;
    step.timestamp = position.timestamp;
    step.headers = position.headers;
    step.source = position.source;
    step.changeTimestamp = record ? position.timestamp : (this.time ?? position.timestamp);
    this.inStep = true;
  }

  end(): void {
    this.inStep = false;
    // Not kept alive by the task until its next step.
    this.step.ticket = undefined!;
    this.step.work = undefined!;
    this.step.source = undefined!;
  }

  /** Whether stream time moved since the last call: stream-time punctuations are then due a look. */
  takeStreamTimeMoved(): boolean {
    const moved = this.streamTimeMoved;
    this.streamTimeMoved = false;
    return moved;
  }

  /** Runs `run` as the very next item (a stream-time punctuation right after the record that made it due). */
  runNext(step: TaskStep): void {
    this.queue.unshift(step);
    if (!this.running) void this.loop();
  }

  private async loop(): Promise<void> {
    this.running = true;
    try {
      // Always a tick first, restored or not: a step never runs inside the call that queued it (a
      // wall-clock punctuation queued by a timer sees the clock after the timer's caller moved it).
      await this.ready;
      // Steps run after a close too: each sees it and only releases its ticket, so none stays in flight.
      // A step's result is awaited only when it is a promise: a synchronous step costs no tick.
      while (this.queue.length > 0) {
        const step = this.queue.shift()!;
        this.active = step.ticket;
        const ran = step.run();
        if (ran) await ran;
        while (this.continuations.length > 0) {
          const next = this.continuations.shift()!.run();
          if (next) await next;
        }
        this.active = undefined;
        // Steps are synchronous when the stores and serdes are: without this, a queue filled during
        // one feeding slice (enqueueing is cheap, running is not) would run as one long turn.
        if (this.queue.length > 0) {
          const turn = this.slice.due();
          if (turn) await turn;
        }
      }
    } catch (err) {
      this.options.failed(err);
    } finally {
      this.active = undefined;
      this.end();
      this.running = false;
    }
  }

  get restoring(): boolean {
    return this.restoringNow;
  }

  /** Steps queued and not yet run: they belong to records still in flight. */
  get queued(): number {
    return this.queue.length + this.continuations.length;
  }

  /** Stops everything: no more steps, no punctuation, stores dropped. Returns the work that was ready and still waiting in the outbox. */
  close(): TaskWork[] {
    this.isClosed = true;
    this.abort.abort(new Error(`task ${this.partition} closed`));
    this.scheduler.close();
    for (const store of this.stores.values()) store.clear();
    return this.outbox.clear();
  }

  private loggerFor(changelogTopic: string): ChangeLogger {
    return {
      logChange: (key, value, timestamp) => {
        if (this.closed) return;
        const { work } = this.current;
        const change: ChangelogItem = { topic: changelogTopic, partition: this.partition, key, value, timestamp, source: work.source };
        // A record makes a change or two, and its list waits for the changelog write (up to a second):
        // the first two make lists of their exact size, where a push would give room for 17.
        const changes = work.changes;
        if (changes.length === 0) work.changes = [change];
        else if (changes.length === 1) work.changes = [changes[0]!, change];
        else (changes as ChangelogItem[]).push(change);
      },
    };
  }
}

export type { OutboxSlot };

/** The changes of a work item that made none yet: shared, never changed. */
const NO_CHANGES: readonly ChangelogItem[] = Object.freeze([]);

type Mutable<T> = { -readonly [P in keyof T]: T[P] };
