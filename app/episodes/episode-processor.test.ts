import { describe, expect, it } from 'vitest';
import type { TemperatureReading, TempAlertEpisode } from '../../schemas/index.js';
import { AVRO_BINARY_FORMAT, type InMemoryKeyValueStore } from '../../topology/index.js';
import { ProcessorHarness } from '../testing/processor-harness.js';
import { EPISODE_STORE, EpisodeProcessor, episodeStoreSpec } from './episode-processor.js';
import type { OpenEpisode } from './episode-tracker.js';

const T0 = Date.UTC(2026, 2, 1, 8);
const reading = (deviceId: string, temperature: number, minute: number, unit: TemperatureReading['unit'] = 'FAHRENHEIT'): TemperatureReading => ({
  deviceId,
  readingTime: T0 + minute * 60_000,
  temperature,
  unit,
});

async function harness() {
  return new ProcessorHarness<string | null, TemperatureReading, string, TempAlertEpisode>(new EpisodeProcessor({ minTemp: 40, maxTemp: 120, hysteresis: 2 }), [
    episodeStoreSpec(),
  ]).init();
}

describe('EpisodeProcessor', () => {
  it('logs its store values as Avro binary, and continues an episode restored from a changelog logged as JSON before', async () => {
    const h = await harness();
    const store = h.store<string, OpenEpisode>(EPISODE_STORE) as unknown as InMemoryKeyValueStore<string, OpenEpisode>;
    const open: OpenEpisode = {
      direction: 'HIGH',
      openedAt: T0,
      firstTemperatureF: 125,
      peakTemperatureF: 125,
      lastTemperatureF: 125,
      readings: 1,
      latestReadingAt: T0,
    };
    store.restore(Buffer.from('oven-7'), Buffer.from(JSON.stringify(open)));
    await h.process('oven-7', reading('oven-7', 126, 1));
    expect(h.changelog.changes[0]!.value![0]).toBe(AVRO_BINARY_FORMAT);
    expect(await store.get('oven-7')).toMatchObject({ openedAt: T0, peakTemperatureF: 126, readings: 2 });
    await h.process('oven-7', reading('oven-7', 100, 2));
    expect(h.forwarded.map((f) => f.value.event)).toEqual(['RESOLVED']);
  });

  it('runs a reading in one synchronous step, opening, updating and resolving alike', async () => {
    const h = await harness();
    for (const [temperature, minute] of [
      [70, 0],
      [125, 1],
      [126, 2],
      [100, 3],
    ] as const)
      expect(h.processAtOnce('oven-7', reading('oven-7', temperature, minute))).toBeUndefined();
    expect(h.forwarded.map((f) => f.value.event)).toEqual(['OPENED', 'RESOLVED']);
    expect(h.changelog.changes.map((c) => c.value === null)).toEqual([false, false, true]); // opened, updated, deleted
  });

  it('keeps the open episode in its store, keyed by device, and forgets it when resolved', async () => {
    const h = await harness();
    const store = h.store<string, OpenEpisode>(EPISODE_STORE);
    await h.process('oven-7', reading('oven-7', 125, 0));
    expect(await store.get('oven-7')).toMatchObject({ direction: 'HIGH', readings: 1 });
    await h.process('oven-7', reading('oven-7', 100, 1));
    expect(await store.get('oven-7')).toBeUndefined();
    expect(h.forwarded.map((f) => [f.key, f.value.event])).toEqual([
      ['oven-7', 'OPENED'],
      ['oven-7', 'RESOLVED'],
    ]);
  });

  it('writes nothing to its changelog for readings in range with nothing open', async () => {
    const h = await harness();
    for (let i = 0; i < 5; i++) await h.process('oven-7', reading('oven-7', 70 + i, i));
    expect(h.changelog.changes).toEqual([]);
    expect(h.forwarded).toEqual([]);
  });

  it('keys by the reading’s device id, not the record key (the JSON input may have none)', async () => {
    const h = await harness();
    await h.process(null, reading('probe-1', 35, 0));
    expect(h.forwarded).toMatchObject([{ key: 'probe-1', value: { deviceId: 'probe-1', direction: 'LOW', episodeId: `probe-1/${T0}/LOW` } }]);
  });

  it('converts Celsius before comparing: 49°C is 120.2°F, above MAX_TEMP', async () => {
    const h = await harness();
    await h.process('oven-7', reading('oven-7', 49, 0, 'CELSIUS'));
    expect(h.forwarded[0]?.value).toMatchObject({ event: 'OPENED', firstTemperatureF: 120.2 });
  });

  it('takes up an episode restored in its store: no second OPENED after a restart', async () => {
    const before = await harness();
    await before.process('oven-7', reading('oven-7', 125, 0));
    const restored = await harness();
    // What a restore from the changelog does: the same bytes back in the store.
    for (const change of before.changelog.changes)
      (restored.store(EPISODE_STORE) as unknown as { restore(k: Buffer, v: Buffer | null): void }).restore(change.key, change.value);
    await restored.process('oven-7', reading('oven-7', 126, 1));
    await restored.process('oven-7', reading('oven-7', 90, 2));
    expect(restored.forwarded.map((f) => [f.value.event, f.value.episodeId, f.value.readings])).toEqual([['RESOLVED', `oven-7/${T0}/HIGH`, 3]]);
  });
});
