/**
 * Paces a loop to at most `perSecond` iterations a second, evenly: each `take()` books the next slot
 * on a schedule and sleeps until it. Idle time earns no credit, so a pause is not followed by a burst.
 */

export interface PacingClock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const realClock: PacingClock = {
  now: () => performance.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

/** Sleeps shorter than this are saved up: timers cannot wait well under a few milliseconds. */
const MIN_SLEEP_MS = 4;

export class RateLimiter {
  private nextSlot = Number.NEGATIVE_INFINITY;
  private readonly interval: number;

  constructor(
    perSecond: number,
    private readonly clock: PacingClock = realClock,
  ) {
    if (!(perSecond > 0) || !Number.isFinite(perSecond)) throw new RangeError(`rate must be a positive number, got ${perSecond}`);
    this.interval = 1000 / perSecond;
  }

  async take(): Promise<void> {
    const now = this.clock.now();
    this.nextSlot = Math.max(this.nextSlot, now) + this.interval;
    // The slot just booked starts one interval from now; the first record goes at once.
    const wait = this.nextSlot - this.interval - now;
    if (wait >= MIN_SLEEP_MS) await this.clock.sleep(wait);
  }
}
