/**
 * The stateful half of the temperature topology (issue 13) in the TopologyTestDriver: episodes,
 * silent devices and per-minute rollups, from readings piped in to events and rows out.
 */
import { describe, expect, it } from 'vitest';
import { TOPICS, type TemperatureReading } from '../schemas/index.js';
import { buildTemperatureTopology } from './topology.js';
import { TemperatureTestKit } from './testing/temperature-test-kit.js';

const T0 = Date.UTC(2026, 2, 1, 10, 0, 0);
const reading = (deviceId: string, temperature: number, readingTime: number, unit: TemperatureReading['unit'] = 'FAHRENHEIT'): TemperatureReading => ({
  deviceId,
  readingTime,
  temperature,
  unit,
});
const kitAt = (options: ConstructorParameters<typeof TemperatureTestKit>[0] = {}) =>
  new TemperatureTestKit({ minTemp: 40, maxTemp: 120, ...options, driver: { startTime: T0, ...options.driver } });

describe('alert episodes in the topology', () => {
  it('gives one OPENED and one RESOLVED, keyed by device, for a device hot for five readings; every hot reading still alerts', async () => {
    const kit = kitAt();
    for (const [i, t] of [121, 125, 130, 127, 122, 110].entries()) await kit.sendReading(reading('oven-7', t, T0 + i * 60_000));
    const episodes = await kit.episodes();
    expect(episodes.map((e) => [e.key, e.value.event, e.value.episodeId])).toEqual([
      ['oven-7', 'OPENED', `oven-7/${T0}/HIGH`],
      ['oven-7', 'RESOLVED', `oven-7/${T0}/HIGH`],
    ]);
    expect(episodes[1]!.value).toMatchObject({
      peakTemperatureF: 130,
      lastTemperatureF: 110,
      readings: 6,
      durationMs: 5 * 60_000,
      resolvedAt: T0 + 5 * 60_000,
    });
    expect(await kit.alerts()).toHaveLength(5);
    kit.close();
  });

  it('takes no part in readings that break a rule: they are dead-lettered, not episodes', async () => {
    const kit = kitAt();
    await kit.sendReading(reading('oven-7', 140, T0)); // beyond the legal range
    await kit.sendReading(reading('', 125, T0)); // no device id
    expect(await kit.episodes()).toEqual([]);
    expect(kit.deadLetters()).toHaveLength(2);
    kit.close();
  });

  it('uses the configured margin', async () => {
    const kit = kitAt({ hysteresisF: 5 });
    for (const [i, t] of [125, 116, 115].entries()) await kit.sendReading(reading('oven-7', t, T0 + i * 1000));
    expect((await kit.episodes()).map((e) => [e.value.event, e.value.hysteresis, e.value.lastTemperatureF])).toEqual([
      ['OPENED', 5, 125],
      ['RESOLVED', 5, 115],
    ]);
    kit.close();
  });

  it('tracks readings of the JSON input in the same store as the Avro ones', async () => {
    const kit = kitAt({ jsonInput: true });
    await kit.sendReading(reading('oven-7', 125, T0));
    await kit.sendJson(reading('oven-7', 126, T0 + 1000), 'oven-7');
    await kit.sendJson(reading('oven-7', 100, T0 + 2000), 'oven-7');
    expect((await kit.episodes()).map((e) => [e.value.event, e.value.readings])).toEqual([
      ['OPENED', 1],
      ['RESOLVED', 3],
    ]);
    kit.close();
  });
});

describe('silent devices in the topology', () => {
  it('reports a device silent once by the wall clock, never one it has not seen, and back with its next reading', async () => {
    const kit = kitAt({ silenceMs: 60_000 });
    await kit.sendReading(reading('freezer-2', 70, T0));
    await kit.advanceWallClockTime(59_000);
    expect(await kit.silences()).toEqual([]);
    // A second at a time: every check that falls due runs.
    for (let s = 0; s < 10 * 60; s++) await kit.advanceWallClockTime(1_000);
    expect((await kit.silences()).map((s) => [s.key, s.value.event, s.value.lastSeenAt])).toEqual([['freezer-2', 'SILENT', T0]]);
    await kit.sendReading(reading('freezer-2', 71, T0 + 11 * 60_000));
    const events = await kit.silences();
    expect(events.map((s) => s.value.event)).toEqual(['SILENT', 'BACK']);
    expect(events[0]!.value.detectedAt - T0).toBeGreaterThanOrEqual(60_000);
    expect(events[0]!.value.detectedAt - T0).toBeLessThanOrEqual(65_000);
    kit.close();
  });
});

describe('per-minute rollups in the topology', () => {
  it('stores one row per device and minute, when the minute closes, matching its readings', async () => {
    const kit = kitAt({ rollupGraceMs: 5_000 });
    await kit.sendReading(reading('oven-7', 70, T0 + 5_000));
    await kit.sendReading(reading('oven-7', 74, T0 + 30_000));
    await kit.sendReading(reading('oven-7', 21, T0 + 59_000, 'CELSIUS'));
    await kit.sendReading(reading('probe-1', 50, T0 + 10_000));
    expect(kit.rollups()).toEqual([]);
    // Stream time passes 10:01:05 (end + grace): the first minute closes.
    await kit.sendReading(reading('oven-7', 80, T0 + 66_000));
    expect(kit.rollups().map((r) => [r.deviceId, r.windowStart, r.readings, r.minF, r.maxF])).toEqual([
      ['oven-7', T0, 3, 69.8, 74],
      ['probe-1', T0, 1, 50, 50],
    ]);
    expect(kit.rollups()[0]!.meanF).toBeCloseTo((70 + 74 + 69.8) / 3, 9);
    // A quiet partition's last minute closes by the wall clock.
    await kit.advanceWallClockTime(2 * 60_000);
    expect(kit.rollups().map((r) => [r.deviceId, r.windowStart, r.readings])).toContainEqual(['oven-7', T0 + 60_000, 1]);
    kit.close();
  });
});

describe('the stateful switch', () => {
  it('declares the stores and the episode and silence topics only when stateful', () => {
    const kit = new TemperatureTestKit();
    const options = { registry: kit.registry, minTemp: 40, maxTemp: 120, mysqlSink: kit.sink, rollupSink: kit.rollupSink };
    const stateful = buildTemperatureTopology(options);
    expect(stateful.outputTopics).toEqual(expect.arrayContaining([TOPICS.alerts, TOPICS.episodes, TOPICS.silence]));
    expect(stateful.stores.map((s) => s.name).sort()).toEqual(['alert-episodes', 'device-last-seen', 'minute-rollups-avro']);
    const stateless = buildTemperatureTopology({ ...options, stateful: false });
    expect(stateless.outputTopics).toEqual([TOPICS.alerts]);
    expect(stateless.stores).toEqual([]);
    kit.close();
  });

  it('sends no episode when stateless, and the alerts as before', async () => {
    const kit = kitAt({ stateful: false });
    await kit.sendReading(reading('oven-7', 125, T0));
    expect(await kit.episodes()).toEqual([]);
    expect(await kit.alerts()).toHaveLength(1);
    kit.close();
  });

  it('refuses a margin wider than half the gap between the limits, naming it', () => {
    const kit = new TemperatureTestKit();
    expect(() => buildTemperatureTopology({ registry: kit.registry, minTemp: 50, maxTemp: 60, hysteresisF: 6, mysqlSink: kit.sink })).toThrow(/hysteresis 6°F/);
    kit.close();
  });
});
