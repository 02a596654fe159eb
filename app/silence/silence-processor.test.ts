import { describe, expect, it } from 'vitest';
import type { DeviceSilence, TemperatureReading } from '../../schemas/index.js';
import { ProcessorHarness } from '../testing/processor-harness.js';
import { AVRO_BINARY_FORMAT, type InMemoryKeyValueStore } from '../../topology/index.js';
import { SILENCE_STORE, SilenceProcessor, silenceStoreSpec } from './silence-processor.js';
import type { LastSeen } from './silence-tracker.js';

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
  it('logs when a device was seen as Avro binary, and reads what was logged as JSON before (BACK after a restore)', async () => {
    const h = await harness();
    const store = h.store<string, LastSeen>(SILENCE_STORE) as unknown as InMemoryKeyValueStore<string, LastSeen>;
    store.restore(Buffer.from('freezer-2'), Buffer.from(JSON.stringify({ lastSeenAt: T0 - 120_000, silent: true })));
    await h.process('freezer-2', reading('freezer-2'));
    expect(h.forwarded.map((f) => f.value.event)).toEqual(['BACK']);
    expect(h.changelog.changes[0]!.value![0]).toBe(AVRO_BINARY_FORMAT);
    expect(await store.get('freezer-2')).toStrictEqual({ lastSeenAt: T0, silent: false });
  });

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
