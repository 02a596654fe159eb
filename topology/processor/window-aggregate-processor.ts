/**
 * The processor behind `groupByKey().windowedBy(windows).count() / reduce() / aggregate()`: one
 * aggregate per (key, window) in a window store. Kafka Streams' semantics:
 *
 * - A record updates every window it falls into that is still open at the task's stream time (the
 *   largest record timestamp seen, this record's included). A record whose windows are all closed
 *   (end + grace <= stream time) is late: dropped, reported to `onDrop`, never failed nor counted.
 * - `each-update` forwards (Windowed key, new aggregate) on every change; `on-window-close` forwards
 *   each window once, when stream time passes its end + grace, and then deletes it from the store
 *   (Kafka Streams' `EmitStrategy.onWindowClose()` / `suppress(untilWindowCloses)`). Closed windows go
 *   out oldest close first, then in key byte order, each with the timestamp end - 1.
 * - Stream time moves only with records, so the last windows of a partition that goes quiet would
 *   never close. With `wallClockAdvanceMs`, a wall-clock punctuation lets stream time move on with
 *   the wall clock while no record comes: every `wallClockAdvanceMs` it takes stream time to be at
 *   least the stream time at the last record plus the wall-clock time passed since that record (or,
 *   before any record of this task, since its first punctuation from the stream time restored from
 *   the changelog; without one, nothing moves), closes what that closes, and judges later
 *   records late against it. Relative to the last record, so a replay of old data (records arriving
 *   back to back) is not judged by today's clock; a partition that is quiet for longer than a
 *   window's grace does have its windows closed, and a record with an older timestamp arriving after
 *   that is late.
 */
import type { StreamRecord } from '../records.js';
import type { Windowed } from '../serdes/windowed.js';
import type { TimeWindow, TimeWindows } from '../state/time-windows.js';
import { andThen, type MaybeAsync } from './maybe-async.js';
import { isMissing, type DropObserver, type DropReason, type Fold } from './dropped-record.js';
import type { Processor, ProcessorContext, ProcessorSupplier } from './processor.js';
import type { WindowStore } from './store-spec.js';

/** When a windowed aggregation forwards its results. */
export type EmitStrategy = 'each-update' | 'on-window-close';

export interface WindowAggregateProcessorSpec<K, V, VR> {
  readonly node: string;
  readonly storeName: string;
  readonly windows: TimeWindows;
  readonly fold: Fold<K, V, VR>;
  readonly emit: EmitStrategy;
  /** The interval of the wall-clock punctuation that moves stream time on while a partition is quiet; off when undefined. */
  readonly wallClockAdvanceMs?: number;
  readonly onDrop?: DropObserver;
}

export function windowAggregateProcessor<K, V, VR>(spec: WindowAggregateProcessorSpec<K, V, VR>): ProcessorSupplier<K, V, Windowed<K>, VR> {
  if (spec.wallClockAdvanceMs !== undefined && (!Number.isSafeInteger(spec.wallClockAdvanceMs) || spec.wallClockAdvanceMs < 1))
    throw new RangeError(`${spec.node}: wallClockAdvanceMs must be a whole number of milliseconds, 1 or more; got ${String(spec.wallClockAdvanceMs)}`);
  return () => new WindowAggregateProcessor(spec);
}

class WindowAggregateProcessor<K, V, VR> implements Processor<K, V, Windowed<K>, VR> {
  private context!: ProcessorContext<Windowed<K>, VR>;
  private store!: WindowStore<K, VR>;
  /** Stream time as this node judges it: the task's, raised by the wall clock while the partition is quiet. */
  private time: number | undefined;
  /** The stream time and wall-clock time at the last record: where wall-clock advance starts from. */
  private lastRecord: { streamTime: number; wallClock: number } | undefined;
  /** The stream time up to which closed windows were emitted and expired windows dropped. */
  private closedUpTo = Number.NEGATIVE_INFINITY;

  constructor(private readonly spec: WindowAggregateProcessorSpec<K, V, VR>) {}

  init(context: ProcessorContext<Windowed<K>, VR>): void {
    this.context = context;
    this.store = context.getWindowStore<K, VR>(this.spec.storeName);
    const every = this.spec.wallClockAdvanceMs;
    if (every !== undefined) context.schedule(every, 'wall-clock', (now) => this.advanceByWallClock(now));
  }

  // No async functions: a record runs in one synchronous step when the store's serdes answer at once
  // (getNow/putNow), with no promise at all; one that waits for a serde goes on after it, in order.
  process(record: StreamRecord<K, V>): MaybeAsync<void> {
    const { key, value, timestamp } = record;
    // The node's own observed stream time (Kafka Streams' observedStreamTime), not the task's: another
    // node of the task may see other timestamps (records this node gets re-timestamped upstream).
    const time = Math.max(timestamp, this.time ?? this.store.latestWindowStart() ?? timestamp);
    this.time = time;
    const wallClock = this.context.wallClockTime();
    // Updated in place: one object for the node's life, not one per record.
    if (this.lastRecord === undefined) this.lastRecord = { streamTime: time, wallClock };
    else {
      this.lastRecord.streamTime = time;
      this.lastRecord.wallClock = wallClock;
    }
    if (isMissing(key) || isMissing(value)) this.drop(isMissing(key) ? 'null-key' : 'null-value', timestamp);
    else if (this.spec.windows.isLate(timestamp, time)) this.drop('late-record', timestamp);
    else return this.updateFrom(key, value, this.spec.windows.openWindowsFor(timestamp, time), 0, time);
    return this.closeWindows(time);
  }

  /** Folds the record into `windows[from..]`, one after the other, then closes what `time` closes. */
  private updateFrom(key: K, value: V, windows: readonly TimeWindow[], from: number, time: number): MaybeAsync<void> {
    for (let i = from; i < windows.length; i++) {
      const window = windows[i]!;
      // A closure only when the read waits: most records take none.
      const current = this.store.getNow(key, window.start);
      const updated = current instanceof Promise ? current.then((c) => this.foldInto(key, value, window, c)) : this.foldInto(key, value, window, current);
      if (updated instanceof Promise) return updated.then(() => this.updateFrom(key, value, windows, i + 1, time));
    }
    return this.closeWindows(time);
  }

  private foldInto(key: K, value: V, window: TimeWindow, current: VR | undefined): MaybeAsync<void> {
    const aggregate = this.spec.fold(key, value, current);
    const put = this.store.putNow(key, window.start, aggregate);
    if (this.spec.emit !== 'each-update') return put;
    return andThen(put, () => this.context.forward({ key: { key, window }, value: aggregate }));
  }

  private advanceByWallClock(now: number): void | Promise<void> {
    // Before this node's first record since the task started: from the newest window its restored
    // store holds (a lower bound of the time it had reached), as of now. A store with none has nothing
    // to close, and must not judge its first records (a backlog) by today's clock.
    const restored = this.lastRecord === undefined ? this.store.latestWindowStart() : undefined;
    if (restored !== undefined) this.lastRecord = { streamTime: restored, wallClock: now };
    const since = this.lastRecord;
    if (since === undefined) return;
    const time = since.streamTime + Math.max(0, now - since.wallClock);
    if (this.time !== undefined && time <= this.time) return;
    this.time = time;
    return this.closeWindows(time);
  }

  /** Emits (on-window-close) and drops the windows closed at `time`, and expires those past retention. */
  private closeWindows(time: number): void | Promise<void> {
    if (time <= this.closedUpTo) return;
    this.closedUpTo = time;
    if (this.spec.emit === 'on-window-close' && this.store.anyClosed(time)) return this.emitClosed(time);
    this.store.expire(time);
  }

  private async emitClosed(time: number): Promise<void> {
    for (const { key, window, value } of await this.store.closedWindows(time)) {
      this.context.forward({ key: { key, window }, value, timestamp: window.end - 1 });
      await this.store.delete(key, window.start);
    }
    this.store.expire(time);
  }

  private drop(reason: DropReason, timestamp: number): void {
    this.spec.onDrop?.({ reason, node: this.spec.node, partition: this.context.partition, timestamp, streamTime: this.time });
  }
}
