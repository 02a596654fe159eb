import { describe, expect, it } from 'vitest';
import { RateLimiter, type PacingClock } from './rate-limiter.js';

/** Time passes only when someone sleeps. */
function fakeClock(): PacingClock & { slept: number[] } {
  let now = 0;
  const slept: number[] = [];
  return {
    slept,
    now: () => now,
    sleep: (ms) => {
      slept.push(ms);
      now += ms;
      return Promise.resolve();
    },
  };
}

describe('RateLimiter', () => {
  it('lets the first record through at once and spaces the rest evenly', async () => {
    const clock = fakeClock();
    const limiter = new RateLimiter(10, clock);
    for (let i = 0; i < 5; i++) await limiter.take();
    expect(clock.slept).toEqual([100, 100, 100, 100]);
    expect(clock.now()).toBe(400);
  });

  it('holds a high rate on average, sleeping in slices timers can keep', async () => {
    const clock = fakeClock();
    const limiter = new RateLimiter(1000, clock);
    for (let i = 0; i < 1001; i++) await limiter.take();
    expect(clock.now()).toBeGreaterThanOrEqual(996);
    expect(clock.now()).toBeLessThanOrEqual(1000);
    expect(Math.min(...clock.slept)).toBeGreaterThanOrEqual(4);
  });

  it('gives no credit for idle time', async () => {
    const clock = fakeClock();
    const limiter = new RateLimiter(10, clock);
    await limiter.take();
    await clock.sleep(10_000);
    clock.slept.length = 0;
    await limiter.take();
    await limiter.take();
    expect(clock.slept).toEqual([100]);
  });

  it('refuses a rate that is not positive', () => {
    expect(() => new RateLimiter(0)).toThrow(RangeError);
    expect(() => new RateLimiter(Number.NaN)).toThrow(RangeError);
  });
});
