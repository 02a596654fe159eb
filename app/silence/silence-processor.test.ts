import { describe, expect, it } from 'vitest';
import type { DeviceSilence, TemperatureReading } from '../../schemas/index.js';
import { ProcessorHarness } from '../testing/processor-harness.js';
import { SilenceProcessor, silenceStoreSpec } from './silence-processor.js';

const T0 = Date.UTC(2026, 2, 1, 8);
const reading = (deviceId: string): TemperatureReading => ({ deviceId, readingTime: T0, temperature: 70, unit: 'FAHRENHEIT' });

async function harness(checks = true) {
  return new ProcessorHarness<string | null, TemperatureReading, string, DeviceSilence>(
    new SilenceProcessor({ silenceMs: 60_000, checks }),
    [silenceStoreSpec()],
    {
      wallClock: T0,
    },
  ).init();
}

describe('SilenceProcessor', () => {
  it('records a reading in one synchronous step, a change per reading, and sends BACK in it too', async () => {
    const h = await harness();
    expect(h.processAtOnce('freezer-2', reading('freezer-2'))).toBeUndefined();
    await h.punctuateWallClockAt(T0 + 60_000);
    h.wallClock = T0 + 70_000;
    expect(h.processAtOnce('freezer-2', reading('freezer-2'))).toBeUndefined();
    expect(h.changelog.changes).toHaveLength(3); // seen, reported silent, seen again
    expect(h.forwarded.map((f) => f.value.event)).toEqual(['SILENT', 'BACK']);
  });

  it('checks by the wall clock every quarter of the timeout, at most every 5 s', async () => {
    expect((await harness()).schedules).toEqual([{ intervalMs: 5_000, type: 'wall-clock' }]);
    expect((await harness(false)).schedules).toEqual([]);
  });

  it('reports a device silent once by the wall clock, and back with its next reading', async () => {
    const h = await harness();
    await h.process('freezer-2', reading('freezer-2'));
    await h.punctuateWallClockAt(T0 + 59_999);
    expect(h.forwarded).toEqual([]);
    await h.punctuateWallClockAt(T0 + 60_000);
    await h.punctuateWallClockAt(T0 + 65_000);
    await h.punctuateWallClockAt(T0 + 600_000);
    h.wallClock = T0 + 700_000;
    await h.process('freezer-2', reading('freezer-2'));
    expect(h.forwarded).toEqual([
      {
        key: 'freezer-2',
        timestamp: T0 + 60_000,
        value: { deviceId: 'freezer-2', event: 'SILENT', lastSeenAt: T0, detectedAt: T0 + 60_000, silenceMs: 60_000 },
      },
      {
        key: 'freezer-2',
        timestamp: T0 + 700_000,
        value: { deviceId: 'freezer-2', event: 'BACK', lastSeenAt: T0, detectedAt: T0 + 700_000, silenceMs: 60_000 },
      },
    ]);
  });

  it('reports each silent device of its task, and only those', async () => {
    const h = await harness();
    await h.process('a', reading('a'));
    h.wallClock = T0 + 30_000;
    await h.process('b', reading('b'));
    await h.punctuateWallClockAt(T0 + 60_000);
    expect(h.forwarded.map((f) => f.value.deviceId)).toEqual(['a']);
    await h.punctuateWallClockAt(T0 + 90_000);
    expect(h.forwarded.map((f) => f.value.deviceId)).toEqual(['a', 'b']);
  });
});
