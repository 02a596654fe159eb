import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { DeviceSilence } from '../../schemas/index.js';
import { checkSilenceMs, onCheck, onReading, silenceCheckIntervalMs, type LastSeen } from './silence-tracker.js';

const T0 = Date.UTC(2026, 2, 1, 8);
const MINUTE = 60_000;

describe('silence steps', () => {
  it('reports a device silent once the timeout has passed since its last reading, then back with its next reading', () => {
    const seen = onReading('oven-7', undefined, T0, MINUTE);
    expect(seen.event).toBeUndefined();
    expect(onCheck('oven-7', seen.seen, T0 + MINUTE - 1, MINUTE).event).toBeUndefined();
    const silent = onCheck('oven-7', seen.seen, T0 + MINUTE, MINUTE);
    expect(silent.event).toEqual({ deviceId: 'oven-7', event: 'SILENT', lastSeenAt: T0, detectedAt: T0 + MINUTE, silenceMs: MINUTE });
    expect(onCheck('oven-7', silent.seen, T0 + 10 * MINUTE, MINUTE).event).toBeUndefined();
    expect(onReading('oven-7', silent.seen, T0 + 11 * MINUTE, MINUTE)).toEqual({
      seen: { lastSeenAt: T0 + 11 * MINUTE, silent: false },
      event: { deviceId: 'oven-7', event: 'BACK', lastSeenAt: T0, detectedAt: T0 + 11 * MINUTE, silenceMs: MINUTE },
    });
  });

  it('checks every quarter of the timeout, at most every 5 s', () => {
    expect([silenceCheckIntervalMs(60_000), silenceCheckIntervalMs(8_000), silenceCheckIntervalMs(2)]).toEqual([5_000, 2_000, 1]);
  });

  it.each([0, -1, 1.5, Number.NaN])('refuses a timeout of %s ms', (ms) => {
    expect(() => checkSilenceMs(ms, 'DEVICE_SILENCE_MS')).toThrow(/^DEVICE_SILENCE_MS: /);
  });
});

describe('silence steps, for any interleaving of readings and checks', () => {
  const stepsArb = fc.array(fc.record({ reading: fc.boolean(), gap: fc.integer({ min: 0, max: 3 * MINUTE }) }), { maxLength: 80 });

  /** Runs the steps of one device from `T0`; returns its events and the times of its readings. */
  function run(steps: readonly { reading: boolean; gap: number }[], silenceMs: number) {
    let now = T0;
    let seen: LastSeen | undefined;
    const events: DeviceSilence[] = [];
    const readings: number[] = [];
    /** For each event, the time of the last reading before it (in order, not by time: two may share a time). */
    const lastReadingBefore: (number | undefined)[] = [];
    for (const step of steps) {
      now += step.gap;
      const next = step.reading ? onReading('d', seen, now, silenceMs) : seen && onCheck('d', seen, now, silenceMs);
      const before = readings.at(-1);
      if (step.reading) readings.push(now);
      if (next) {
        seen = next.seen;
        if (next.event) {
          events.push(next.event);
          lastReadingBefore.push(before);
        }
      }
    }
    return { events, readings, lastReadingBefore };
  }

  it('alternates SILENT and BACK, SILENT first, each SILENT at least the timeout after the last reading', () => {
    fc.assert(
      fc.property(stepsArb, fc.integer({ min: 1, max: 2 * MINUTE }), (steps, silenceMs) => {
        const { events, lastReadingBefore } = run(steps, silenceMs);
        events.forEach((e, i) => {
          expect(e.event).toBe(i % 2 === 0 ? 'SILENT' : 'BACK');
          expect(e.lastSeenAt).toBe(lastReadingBefore[i]);
          if (e.event === 'SILENT') expect(e.detectedAt - e.lastSeenAt).toBeGreaterThanOrEqual(silenceMs);
        });
      }),
    );
  });

  it('never reports a device whose readings come more often than the timeout', () => {
    fc.assert(
      fc.property(stepsArb, (steps) => {
        // A reading at least every 3 minutes, a timeout above that: never silent.
        const withReadings = steps.map((s, i) => (i % 2 === 0 ? { ...s, reading: true } : { ...s, gap: 0 }));
        expect(run(withReadings, 6 * MINUTE + 1).events).toEqual([]);
      }),
    );
  });

  it('never reports a device that was never seen', () => {
    fc.assert(
      fc.property(stepsArb, (steps) => {
        expect(
          run(
            steps.map((s) => ({ ...s, reading: false })),
            1,
          ).events,
        ).toEqual([]);
      }),
    );
  });
});
