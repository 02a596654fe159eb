/**
 * Tumbling and hopping time windows, as Kafka Streams defines them: a window is [start, start + size)
 * with starts on multiples of `advance` from epoch 0 (none before 0); tumbling is advance == size.
 * A window closes when stream time reaches its end plus the grace period; a record is late when
 * every window it falls into is closed, and is then dropped rather than reopening a result that was
 * already emitted. Immutable; every method is a pure function of its arguments.
 */
export interface TimeWindow {
  /** Inclusive, epoch milliseconds. */
  readonly start: number;
  /** Exclusive. */
  readonly end: number;
}

function wholeMs(value: number, parameter: string, atLeast: number): void {
  if (!Number.isSafeInteger(value) || value < atLeast) {
    const bound = atLeast === 0 ? '0 or more' : `${atLeast} or more`;
    throw new RangeError(`TimeWindows: ${parameter} must be a whole number of milliseconds, ${bound}; got ${String(value)}`);
  }
}

export class TimeWindows {
  /** openWindowsFor's last answer: a memo of a pure function, so sharing one TimeWindows among tasks is safe. */
  private lastOpen: readonly TimeWindow[] | undefined;

  private constructor(
    readonly sizeMs: number,
    readonly advanceMs: number,
    readonly graceMs: number,
  ) {}

  /** Tumbling windows of `sizeMs`, no grace: add `.advanceBy()` for hopping, `.grace()` for late records. */
  static of(sizeMs: number): TimeWindows {
    wholeMs(sizeMs, 'size', 1);
    return new TimeWindows(sizeMs, sizeMs, 0);
  }

  advanceBy(advanceMs: number): TimeWindows {
    wholeMs(advanceMs, 'advance', 1);
    if (advanceMs > this.sizeMs) throw new RangeError(`TimeWindows: advance must be at most the size (${this.sizeMs} ms); got ${advanceMs}`);
    return new TimeWindows(this.sizeMs, advanceMs, this.graceMs);
  }

  grace(graceMs: number): TimeWindows {
    wholeMs(graceMs, 'grace', 0);
    return new TimeWindows(this.sizeMs, this.advanceMs, graceMs);
  }

  get isTumbling(): boolean {
    return this.advanceMs === this.sizeMs;
  }

  /** The windows `timestamp` falls into, oldest first: ceil(size/advance) or floor(size/advance) of them, fewer near epoch 0. */
  windowsFor(timestamp: number): TimeWindow[] {
    wholeMs(timestamp, 'timestamp', 0);
    const out: TimeWindow[] = [];
    const first = Math.max(0, Math.floor((timestamp - this.sizeMs) / this.advanceMs + 1) * this.advanceMs);
    for (let start = first; start <= timestamp; start += this.advanceMs) {
      if (timestamp < start + this.sizeMs) out.push({ start, end: start + this.sizeMs });
    }
    return out;
  }

  windowEnd(start: number): number {
    return start + this.sizeMs;
  }

  /** The stream time at which the window closes. */
  closeTime(window: TimeWindow): number {
    return window.end + this.graceMs;
  }

  isClosed(window: TimeWindow, streamTime: number): boolean {
    return this.closeTime(window) <= streamTime;
  }

  /**
   * The windows of `timestamp` that still accept it at `streamTime` (which should already include this
   * record): windowsFor(timestamp) without the closed ones, oldest first. Asked for every record, and
   * consecutive records mostly fall into the same windows (the same minute): the last answer is kept,
   * frozen, and given again while it is the same, so most records cost no array and no window object.
   */
  openWindowsFor(timestamp: number, streamTime: number): readonly TimeWindow[] {
    wholeMs(timestamp, 'timestamp', 0);
    // Every start from `first` to the timestamp makes a window holding it; a later start ends later, so
    // the open ones (end + grace after stream time) are the last `count` of them.
    const first = Math.max(0, Math.floor((timestamp - this.sizeMs) / this.advanceMs + 1) * this.advanceMs);
    let firstOpen = 0;
    let count = 0;
    for (let start = first; start <= timestamp; start += this.advanceMs) {
      if (start + this.sizeMs + this.graceMs > streamTime && count++ === 0) firstOpen = start;
    }
    const last = this.lastOpen;
    if (last !== undefined && last.length === count && (count === 0 || last[0]!.start === firstOpen)) return last;
    const windows: TimeWindow[] = [];
    for (let i = 0; i < count; i++) {
      const start = firstOpen + i * this.advanceMs;
      windows.push(Object.freeze({ start, end: start + this.sizeMs }));
    }
    return (this.lastOpen = Object.freeze(windows));
  }

  /** True when every window of the record is closed: it changes nothing and is reported as late. */
  isLate(timestamp: number, streamTime: number): boolean {
    wholeMs(timestamp, 'timestamp', 0);
    // The window with the latest start closes last: the one starting at the last multiple of the
    // advance at or before the timestamp (it holds the timestamp, since advance <= size).
    const lastStart = Math.floor(timestamp / this.advanceMs) * this.advanceMs;
    return lastStart + this.sizeMs + this.graceMs <= streamTime;
  }
}
