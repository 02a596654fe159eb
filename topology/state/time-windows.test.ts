import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TimeWindows } from './time-windows.js';

const config = fc
  .tuple(fc.integer({ min: 1, max: 10_000 }), fc.integer({ min: 1, max: 10_000 }), fc.integer({ min: 0, max: 10_000 }))
  .map(([size, advanceSeed, grace]) =>
    TimeWindows.of(size)
      .advanceBy(1 + (advanceSeed % size))
      .grace(grace),
  );
const timestamp = fc.integer({ min: 0, max: 10_000_000 });

describe('TimeWindows', () => {
  it('puts a timestamp in one tumbling window, [start, start + size)', () => {
    const w = TimeWindows.of(60_000);
    expect(w.isTumbling).toBe(true);
    expect(w.windowsFor(125_000)).toEqual([{ start: 120_000, end: 180_000 }]);
    expect(w.windowsFor(120_000)).toEqual([{ start: 120_000, end: 180_000 }]);
    expect(w.windowsFor(179_999)).toEqual([{ start: 120_000, end: 180_000 }]);
  });

  it('puts a timestamp in size/advance hopping windows, oldest first, none starting before 0', () => {
    const w = TimeWindows.of(10).advanceBy(5);
    expect(w.windowsFor(12)).toEqual([
      { start: 5, end: 15 },
      { start: 10, end: 20 },
    ]);
    expect(w.windowsFor(3)).toEqual([{ start: 0, end: 10 }]);
  });

  it('closes a window when stream time reaches end + grace, and calls a record late only when all its windows closed', () => {
    const w = TimeWindows.of(10).advanceBy(5).grace(2);
    expect(w.isClosed({ start: 0, end: 10 }, 11)).toBe(false);
    expect(w.isClosed({ start: 0, end: 10 }, 12)).toBe(true);
    // 7 is in [0,10) and [5,15): at stream time 12 the first is closed, the second open.
    expect(w.openWindowsFor(7, 12)).toEqual([{ start: 5, end: 15 }]);
    expect(w.isLate(7, 12)).toBe(false);
    expect(w.isLate(7, 17)).toBe(true);
  });

  it.each([
    [() => TimeWindows.of(0), /size must be/],
    [() => TimeWindows.of(1.5), /size must be/],
    [() => TimeWindows.of(10).advanceBy(0), /advance must be/],
    [() => TimeWindows.of(10).advanceBy(11), /advance must be at most the size/],
    [() => TimeWindows.of(10).grace(-1), /grace must be/],
    [() => TimeWindows.of(10).windowsFor(-1), /timestamp must be/],
  ])('refuses a bad setting, naming it (%#)', (build, message) => {
    expect(build).toThrow(message);
  });

  it('puts every timestamp in exactly size/advance windows when advance divides size, away from epoch 0 (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 500 }), fc.integer({ min: 1, max: 20 }), timestamp, (advance, ratio, t) => {
        const w = TimeWindows.of(advance * ratio).advanceBy(advance);
        fc.pre(t >= w.sizeMs - advance);
        expect(w.windowsFor(t)).toHaveLength(ratio);
      }),
    );
  });

  it('gives windows that contain the timestamp, are aligned, distinct and ascending, and misses none (property)', () => {
    fc.assert(
      fc.property(config, timestamp, (w, t) => {
        const windows = w.windowsFor(t);
        for (const win of windows) {
          expect(win.start % w.advanceMs).toBe(0);
          expect(win.end - win.start).toBe(w.sizeMs);
          expect(win.start <= t && t < win.end).toBe(true);
        }
        for (let i = 1; i < windows.length; i++) expect(windows[i]!.start - windows[i - 1]!.start).toBe(w.advanceMs);
        // None missed: the aligned windows just before the first and after the last do not contain t.
        const first = windows[0]!.start - w.advanceMs;
        const last = windows[windows.length - 1]!.start + w.advanceMs;
        expect(first < 0 || t >= first + w.sizeMs).toBe(true);
        expect(last > t).toBe(true);
        expect(windows.length).toBeLessThanOrEqual(Math.ceil(w.sizeMs / w.advanceMs));
      }),
    );
  });

  it('is tumbling exactly when advance equals size, with one window per timestamp (property)', () => {
    fc.assert(
      fc.property(config, timestamp, (w, t) => {
        expect(w.isTumbling).toBe(w.advanceMs === w.sizeMs);
        if (w.isTumbling) expect(w.windowsFor(t)).toHaveLength(1);
      }),
    );
  });

  it('never reopens a window or un-lates a record as stream time grows (property)', () => {
    fc.assert(
      fc.property(config, timestamp, fc.integer({ min: 0, max: 20_000_000 }), fc.integer({ min: 0, max: 1_000_000 }), (w, t, s1, step) => {
        const s2 = s1 + step;
        for (const win of w.windowsFor(t)) if (w.isClosed(win, s1)) expect(w.isClosed(win, s2)).toBe(true);
        if (w.isLate(t, s1)) expect(w.isLate(t, s2)).toBe(true);
        expect(w.openWindowsFor(t, s2).length).toBeLessThanOrEqual(w.openWindowsFor(t, s1).length);
      }),
    );
  });

  it('gives as open the windows of the timestamp not closed, and calls a record late when all are closed (property)', () => {
    fc.assert(
      fc.property(config, timestamp, fc.integer({ min: 0, max: 20_000_000 }), (w, t, s) => {
        const open = w.windowsFor(t).filter((win) => !w.isClosed(win, s));
        expect(w.openWindowsFor(t, s)).toEqual(open);
        expect(w.isLate(t, s)).toBe(open.length === 0);
      }),
    );
    expect(() => TimeWindows.of(10).isLate(-1, 0)).toThrow(/timestamp must be/);
    expect(() => TimeWindows.of(10).openWindowsFor(1.5, 0)).toThrow(/timestamp must be/);
  });

  it('gives the same open windows in any order of calls on one instance: its memory of the last answer never leaks (property)', () => {
    const call = fc.record({ t: timestamp, s: fc.integer({ min: 0, max: 20_000_000 }), repeat: fc.boolean() });
    fc.assert(
      fc.property(config, fc.array(call, { minLength: 1, maxLength: 30 }), (w, calls) => {
        let previous = calls[0]!;
        for (const c of calls) {
          // Often the same timestamp, or stream time, as the call before: the memo's case.
          const { t, s } = c.repeat ? { t: previous.t, s: Math.max(previous.s, c.s) } : c;
          expect(w.openWindowsFor(t, s)).toEqual(w.windowsFor(t).filter((win) => !w.isClosed(win, s)));
          previous = { ...c, t, s };
        }
      }),
    );
  });

  it('never calls a record late at the stream time it sets itself (property)', () => {
    fc.assert(
      fc.property(config, timestamp, (w, t) => {
        expect(w.isLate(t, t)).toBe(false);
      }),
    );
  });
});
