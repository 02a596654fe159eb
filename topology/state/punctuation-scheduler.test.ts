import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../testing/manual-clock.js';
import { nextDueTime, PunctuationScheduler } from './punctuation-scheduler.js';

describe('PunctuationScheduler, stream time', () => {
  it('moves only with record timestamps, to the largest seen', async () => {
    const s = new PunctuationScheduler(new ManualClock());
    expect(s.streamTime).toBeUndefined();
    await s.advanceStreamTime(50);
    await s.advanceStreamTime(20);
    expect(s.streamTime).toBe(50);
  });

  it('runs once per advance that crosses one or more interval boundaries, given the new stream time', async () => {
    const s = new PunctuationScheduler(new ManualClock());
    const calls: number[] = [];
    s.schedule(10, 'stream-time', (t) => void calls.push(t));
    for (const t of [3, 7, 12, 15, 19, 45, 40, 50]) await s.advanceStreamTime(t);
    // 3 crosses 0 (the grid starts at 0: the first record fires it); 12 crosses 10; 45 crosses 20, 30, 40: once; 50 crosses 50.
    expect(calls).toEqual([3, 12, 45, 50]);
  });

  it('stops after cancel, even when cancelled by another punctuator of the same round', async () => {
    const s = new PunctuationScheduler(new ManualClock());
    const calls: string[] = [];
    const second = { cancel: () => undefined };
    s.schedule(10, 'stream-time', () => {
      calls.push('first');
      second.cancel();
    });
    Object.assign(
      second,
      s.schedule(10, 'stream-time', () => void calls.push('second')),
    );
    await s.advanceStreamTime(0);
    await s.advanceStreamTime(10);
    expect(calls).toEqual(['first', 'first']);
  });

  it('refuses an interval that is not a positive whole number, naming it', () => {
    const s = new PunctuationScheduler(new ManualClock());
    expect(() => s.schedule(0, 'stream-time', () => undefined)).toThrow(/intervalMs must be/);
    expect(() => s.schedule(1.5, 'wall-clock', () => undefined)).toThrow(/intervalMs must be/);
  });

  it('calls a stream-time punctuator exactly once per advance that crosses its grid (property)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 50 }), fc.array(fc.integer({ min: 0, max: 1000 }), { maxLength: 40 }), async (interval, timestamps) => {
        const s = new PunctuationScheduler(new ManualClock());
        const calls: number[] = [];
        s.schedule(interval, 'stream-time', (t) => void calls.push(t));
        const expected: number[] = [];
        let streamTime: number | undefined;
        for (const t of timestamps) {
          const before = streamTime;
          if (before === undefined || t > before) streamTime = t;
          // Boundaries k * interval in (before, streamTime]; the first record crosses 0.
          const crossed = before === undefined ? true : Math.floor(streamTime! / interval) > Math.floor(before / interval);
          if (streamTime !== before && crossed) expected.push(streamTime!);
          await s.advanceStreamTime(t);
        }
        expect(calls).toEqual(expected);
      }),
    );
  });
});

describe('PunctuationScheduler, wall clock', () => {
  it('wakes the task when due and runs only when the task asks, once however many intervals passed', async () => {
    const clock = new ManualClock(1000);
    let wakes = 0;
    const s = new PunctuationScheduler(clock, () => wakes++);
    const calls: number[] = [];
    const handle = s.schedule(100, 'wall-clock', (t) => void calls.push(t));
    expect(s.nextWallClockDue()).toBe(1100);
    clock.advance(99);
    expect(wakes).toBe(0);
    clock.advance(1);
    expect(wakes).toBe(1);
    expect(calls).toEqual([]);
    await s.punctuateWallClock();
    expect(calls).toEqual([1100]);
    clock.advance(350); // 1450: crosses 1200, 1300, 1400
    await s.punctuateWallClock();
    expect(calls).toEqual([1100, 1450]);
    expect(s.nextWallClockDue()).toBe(1500);
    handle.cancel();
    expect(clock.pendingTimers).toBe(0);
    clock.advance(1000);
    await s.punctuateWallClock();
    expect(calls).toHaveLength(2);
  });

  it('does not run wall-clock punctuators on stream time, nor stream-time ones on the wall clock', async () => {
    const clock = new ManualClock(0);
    const s = new PunctuationScheduler(clock);
    const calls: string[] = [];
    s.schedule(10, 'wall-clock', () => void calls.push('wall'));
    s.schedule(10, 'stream-time', () => void calls.push('stream'));
    await s.advanceStreamTime(1_000);
    clock.advance(5);
    await s.punctuateWallClock();
    expect(calls).toEqual(['stream']);
  });

  it('is not due again at once when a punctuator throws', async () => {
    const clock = new ManualClock(0);
    const s = new PunctuationScheduler(clock);
    s.schedule(10, 'wall-clock', () => {
      throw new Error('boom');
    });
    clock.advance(10);
    await expect(s.punctuateWallClock()).rejects.toThrow('boom');
    expect(await s.punctuateWallClock()).toBe(0);
    expect(s.nextWallClockDue()).toBe(20);
  });

  it('close() cancels everything and its timer', () => {
    const clock = new ManualClock(0);
    const s = new PunctuationScheduler(clock);
    s.schedule(10, 'wall-clock', () => undefined);
    s.close();
    expect(clock.pendingTimers).toBe(0);
    expect(s.nextWallClockDue()).toBeUndefined();
  });
});

describe('nextDueTime', () => {
  it('is the first point of the grid after now, and never before one interval on (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1e9 }), fc.integer({ min: 1, max: 1e6 }), fc.integer({ min: 0, max: 1e9 }), (due, interval, ahead) => {
        const now = due + ahead;
        const next = nextDueTime(due, interval, now);
        expect(next > now).toBe(true);
        expect(next - interval <= now).toBe(true);
        expect((next - due) % interval).toBe(0);
        expect(next >= due + interval).toBe(true);
      }),
    );
  });
});
