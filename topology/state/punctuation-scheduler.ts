/**
 * Punctuations of one task: callbacks run every `interval` of stream time or of wall-clock time.
 *
 * Semantics (Kafka Streams' PunctuationSchedule): each schedule has a grid of due times; when time
 * moves from t0 to t1 and crosses one or more of its points, the callback runs ONCE, given t1, and
 * its next due time becomes the first grid point after t1. Missed intervals (a gap in the data, a
 * stalled event loop) are not made up with a burst of calls. Stream time is the largest record
 * timestamp seen: a late record does not move it back and fires nothing. Stream-time grids are
 * aligned to 0, so the first record fires them; wall-clock grids start one interval after schedule().
 *
 * Callbacks run only when the task calls `advanceStreamTime` or `punctuateWallClock`, never from a
 * timer: the task runs them between records, so a callback never interleaves with a record's store
 * changes. The clock's timer only calls `wake`, to tell an idle task that a wall-clock punctuation is due.
 */
import type { Clock } from '../runtime/clock.js';

export type PunctuationType = 'stream-time' | 'wall-clock';

/** Gets the stream time or the wall-clock time at which it runs. */
export type Punctuator = (timestamp: number) => void | Promise<void>;

export interface Cancellable {
  cancel(): void;
}

interface Schedule {
  readonly id: number;
  readonly type: PunctuationType;
  readonly intervalMs: number;
  readonly fn: Punctuator;
  next: number;
  cancelled: boolean;
}

/** The first point of the schedule's grid after `now` (at least one interval after the point that fired). */
export function nextDueTime(due: number, intervalMs: number, now: number): number {
  const next = due + intervalMs;
  return now < next ? next : due + (Math.floor((now - due) / intervalMs) + 1) * intervalMs;
}

export class PunctuationScheduler {
  private readonly schedules: Schedule[] = [];
  private ids = 0;
  private current: number | undefined;
  private timer: unknown;
  private timerAt: number | undefined;

  constructor(
    private readonly clock: Clock,
    /** Called from a timer when a wall-clock punctuation is due: the task should call punctuateWallClock(). */
    private readonly wake: () => void = () => undefined,
  ) {}

  schedule(intervalMs: number, type: PunctuationType, fn: Punctuator): Cancellable {
    if (!Number.isSafeInteger(intervalMs) || intervalMs < 1)
      throw new RangeError(`schedule: intervalMs must be a whole number of milliseconds, 1 or more; got ${String(intervalMs)}`);
    if (type !== 'stream-time' && type !== 'wall-clock') throw new RangeError(`schedule: type must be 'stream-time' or 'wall-clock'`);
    const s: Schedule = { id: ++this.ids, type, intervalMs, fn, next: type === 'stream-time' ? 0 : this.clock.now() + intervalMs, cancelled: false };
    this.schedules.push(s);
    this.arm();
    return {
      cancel: () => {
        if (s.cancelled) return;
        s.cancelled = true;
        this.schedules.splice(this.schedules.indexOf(s), 1);
        this.arm();
      },
    };
  }

  /** The largest record timestamp seen, or undefined before the first record. */
  get streamTime(): number | undefined {
    return this.current;
  }

  /** Takes a record's timestamp into stream time and runs the stream-time punctuations it makes due. Returns how many ran. */
  async advanceStreamTime(recordTimestamp: number): Promise<number> {
    if (this.current !== undefined && recordTimestamp <= this.current) return 0;
    this.current = recordTimestamp;
    return this.run('stream-time', recordTimestamp);
  }

  /** Runs the wall-clock punctuations due now. Returns how many ran. */
  async punctuateWallClock(): Promise<number> {
    try {
      return await this.run('wall-clock', this.clock.now());
    } finally {
      this.arm();
    }
  }

  /** Whether any punctuation of this type is scheduled. */
  has(type: PunctuationType): boolean {
    return this.schedules.some((s) => s.type === type);
  }

  /** When the next wall-clock punctuation is due, if any is scheduled. */
  nextWallClockDue(): number | undefined {
    let at: number | undefined;
    for (const s of this.schedules) if (s.type === 'wall-clock' && (at === undefined || s.next < at)) at = s.next;
    return at;
  }

  /** Cancels everything (the task closes); the timer goes with it. */
  close(): void {
    for (const s of this.schedules) s.cancelled = true;
    this.schedules.length = 0;
    this.arm();
  }

  private async run(type: PunctuationType, now: number): Promise<number> {
    const due = this.schedules.filter((s) => s.type === type && s.next <= now).sort((a, b) => a.next - b.next || a.id - b.id);
    let ran = 0;
    for (const s of due) {
      // A punctuator may cancel another one of this round: it must not run after that.
      if (s.cancelled) continue;
      // Moved on before the call: a punctuator that throws is not due again at once.
      s.next = nextDueTime(s.next, s.intervalMs, now);
      await s.fn(now);
      ran++;
    }
    return ran;
  }

  /** One clock timer, for the earliest wall-clock due time. */
  private arm(): void {
    const at = this.nextWallClockDue();
    if (at === this.timerAt) return;
    if (this.timer !== undefined) this.clock.clearTimer(this.timer);
    this.timer = undefined;
    this.timerAt = at;
    if (at === undefined) return;
    this.timer = this.clock.setTimer(
      () => {
        this.timer = undefined;
        this.timerAt = undefined;
        this.wake();
      },
      Math.max(0, at - this.clock.now()),
    );
  }
}
