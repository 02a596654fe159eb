import avro from 'avsc';
import { describe, expect, it } from 'vitest';
import { stringSerde, writeWire } from '../topology/index.js';
import { InMemorySchemaRegistry } from '../schemas/testing/index.js';
import { dlqTopicFor, pipelineTopics, TOPICS, temperatureReadingSchema, valueSubjectFor, type TemperatureReading } from '../schemas/index.js';
import { InMemoryReadingsSink } from '../sinks/testing/index.js';
import { defaultRules, deviceLimits } from './rules/index.js';
import { buildTemperatureTopology } from './topology.js';
import { TemperatureTestKit } from './testing/temperature-test-kit.js';

const T0 = Date.UTC(2026, 0, 1, 10, 0, 0);
const reading = (deviceId: string, temperature: number, unit: TemperatureReading['unit'] = 'FAHRENHEIT', readingTime = T0): TemperatureReading => ({
  deviceId,
  readingTime,
  temperature,
  unit,
});

describe('temperature topology', () => {
  it('sends each record of a mixed batch to exactly its destinations', async () => {
    const kit = new TemperatureTestKit({ minTemp: 40, maxTemp: 120 });
    await kit.sendReading(reading('normal', 70));
    await kit.sendReading(reading('hot', 125.5));
    await kit.sendReading(reading('cold', 35));
    await kit.sendReading(reading('broken', 140));
    await kit.sendRaw(Buffer.from('not avro at all'));

    expect(kit.sink.rows.map((r) => r.device_id)).toEqual(['normal', 'hot', 'cold']);
    const alerts = await kit.alerts();
    expect(alerts.map((a) => [a.key, a.value.direction, a.value.bound])).toEqual([
      ['hot', 'HIGH', 120],
      ['cold', 'LOW', 40],
    ]);
    expect(alerts[0]!.value).toEqual({
      reading: reading('hot', 125.5),
      rule: 'temp-range',
      direction: 'HIGH',
      temperatureFahrenheit: 125.5,
      bound: 120,
      minTemp: 40,
      maxTemp: 120,
      sourceTopic: TOPICS.readings,
      sourcePartition: 0,
      sourceOffset: '1',
    });
    const dead = kit.deadLetters();
    expect(dead.map((d) => [d.topic, d.errorClass, d.rule])).toEqual([
      ['temperature-readings-dlq', 'validation', 'legal-range'],
      ['temperature-readings-dlq', 'deserialization', undefined],
    ]);
    expect(dead[0]!.message).toContain('140°F is outside the legal range 32°F to 132°F');
    expect(dead[1]!.value?.toString()).toBe('not avro at all');
    expect(kit.driver.committedOffset(TOPICS.readings)).toBe('5');
    expect(kit.driver.inFlight).toBe(0);
    kit.close();
  });

  it('stores a reading delivered twice once, and alerts for each delivery (the alert store dedupes)', async () => {
    const kit = new TemperatureTestKit({ maxTemp: 120 });
    await kit.sendReading(reading('hot', 130));
    await kit.sendReading(reading('hot', 130));
    expect(kit.sink.rows).toHaveLength(1);
    expect(kit.sink.counters).toMatchObject({ stored: 1, alreadyPresent: 1 });
    expect((await kit.alerts()).map((a) => a.value.sourceOffset)).toEqual(['0', '1']);
    kit.close();
  });

  it('converts Celsius before checking the legal range and the limits', async () => {
    const kit = new TemperatureTestKit({ minTemp: 40, maxTemp: 120 });
    await kit.sendReading(reading('c-hot', 50, 'CELSIUS')); // 122 °F
    await kit.sendReading(reading('c-ok', 20, 'CELSIUS')); // 68 °F
    await kit.sendReading(reading('c-illegal', 60, 'CELSIUS')); // 140 °F
    const alerts = await kit.alerts();
    expect(alerts.map((a) => [a.key, a.value.temperatureFahrenheit, a.value.reading.unit])).toEqual([['c-hot', 122, 'CELSIUS']]);
    expect(kit.sink.rows.map((r) => [r.device_id, r.temperature, r.unit])).toEqual([
      ['c-hot', 50, 'CELSIUS'],
      ['c-ok', 20, 'CELSIUS'],
    ]);
    expect(kit.deadLetters().map((d) => d.rule)).toEqual(['legal-range']);
    kit.close();
  });

  it('dead-letters NaN and infinite temperatures as legal-range violations', async () => {
    const kit = new TemperatureTestKit();
    await kit.sendReading(reading('nan', Number.NaN));
    await kit.sendReading(reading('inf', Number.POSITIVE_INFINITY));
    expect(kit.deadLetters().map((d) => d.rule)).toEqual(['legal-range', 'legal-range']);
    expect(kit.sink.rows).toHaveLength(0);
    kit.close();
  });

  it('names every broken rule of a reading, whatever the rule order', async () => {
    const kit = new TemperatureTestKit({ rules: [...defaultRules({ minTemp: 40, maxTemp: 120 })].reverse() });
    await kit.sendReading({ deviceId: '', readingTime: -1, temperature: 500, unit: 'FAHRENHEIT' });
    expect(kit.deadLetters().map((d) => d.rule)).toEqual(['device-id,legal-range,reading-time']);
    kit.close();
  });

  it('takes a new kind of rule from the rule list, with no change to the topology', async () => {
    const rules = [...defaultRules({ minTemp: 40, maxTemp: 120 }), deviceLimits({ freezer: { minTemp: 32, maxTemp: 45 } })];
    const kit = new TemperatureTestKit({ rules });
    await kit.sendReading(reading('freezer', 50)); // fine fleet-wide, too warm for a freezer
    await kit.sendReading(reading('oven', 50));
    const alerts = await kit.alerts();
    expect(alerts.map((a) => [a.key, a.value.rule, a.value.direction, a.value.bound, a.value.maxTemp])).toEqual([['freezer', 'device-limit', 'HIGH', 45, 45]]);
    kit.close();
  });

  it('reads the JSON input with the same rules and its own DLQ', async () => {
    const kit = new TemperatureTestKit({ jsonInput: true, maxTemp: 120 });
    await kit.sendJson({ deviceId: 'json-hot', readingTime: T0, temperature: 121 }); // unit left out: FAHRENHEIT
    await kit.sendJson({ deviceId: 'json-bad', readingTime: T0, temperature: 'warm' });
    await kit.sendJson({ deviceId: 'json-illegal', readingTime: T0, temperature: 20 });
    expect(kit.sink.rows.map((r) => [r.device_id, r.unit, r.source_topic])).toEqual([['json-hot', 'FAHRENHEIT', TOPICS.readingsJson]]);
    expect((await kit.alerts()).map((a) => [a.key, a.value.sourceTopic])).toEqual([['json-hot', TOPICS.readingsJson]]);
    expect(kit.deadLetters(TOPICS.readingsJson).map((d) => [d.topic, d.errorClass, d.rule])).toEqual([
      ['temperature-readings-json-dlq', 'deserialization', undefined],
      ['temperature-readings-json-dlq', 'validation', 'legal-range'],
    ]);
    expect(kit.deadLetters(TOPICS.readings)).toEqual([]);
    kit.close();
  });

  it('reads readings written with the older schema that had no unit, as Fahrenheit', async () => {
    const kit = new TemperatureTestKit();
    const older = { ...temperatureReadingSchema, fields: temperatureReadingSchema.fields.filter((f) => f.name !== 'unit') };
    const olderId = kit.registry.register(valueSubjectFor(TOPICS.readings), older);
    const olderType = avro.Type.forSchema(older as avro.Schema);
    await kit.sendRaw(writeWire(olderId, olderType.toBuffer({ deviceId: 'old', readingTime: T0, temperature: 71 })));
    expect(kit.sink.rows.map((r) => [r.device_id, r.unit])).toEqual([['old', 'FAHRENHEIT']]);
    kit.close();
  });

  it('dead-letters a reading whose unit symbol this reader does not know, never reading it as Fahrenheit', async () => {
    const kit = new TemperatureTestKit({ maxTemp: 120 });
    // A newer writer that added a unit: its enum resolves through this reader's enum default.
    const newer = JSON.parse(JSON.stringify(temperatureReadingSchema)) as { fields: { name: string; type: { symbols?: string[] } }[] };
    newer.fields.find((f) => f.name === 'unit')!.type.symbols!.push('KELVIN');
    const newerId = kit.registry.register(valueSubjectFor(TOPICS.readings), newer as unknown as avro.Schema);
    const newerType = avro.Type.forSchema(newer as avro.Schema);
    await kit.sendRaw(writeWire(newerId, newerType.toBuffer({ deviceId: 'kelvin', readingTime: T0, temperature: 300, unit: 'KELVIN' })));
    await kit.sendRaw(writeWire(newerId, newerType.toBuffer({ deviceId: 'kelvin-cool', readingTime: T0, temperature: 70, unit: 'KELVIN' })));
    await kit.sendRaw(writeWire(newerId, newerType.toBuffer({ deviceId: 'celsius', readingTime: T0, temperature: 20, unit: 'CELSIUS' })));
    expect(kit.sink.rows.map((r) => [r.device_id, r.unit])).toEqual([['celsius', 'CELSIUS']]);
    expect(await kit.alerts()).toEqual([]);
    const dead = kit.deadLetters();
    expect(dead.map((d) => [d.errorClass, d.rule])).toEqual([
      ['validation', 'unit'],
      ['validation', 'unit'],
    ]);
    expect(dead[0]!.message).toContain('unit this reader does not know');
    kit.close();
  });

  it('dead-letters a record whose schema id the registry does not know', async () => {
    const kit = new TemperatureTestKit();
    await kit.sendRaw(writeWire(999, Buffer.from([0])));
    expect(kit.deadLetters().map((d) => [d.errorClass, d.message])).toEqual([['deserialization', 'unknown schema id 999']]);
    kit.close();
  });

  it('refuses limits that make no sense and rule lists with two rules of one name', () => {
    const base = { registry: new InMemorySchemaRegistry(), mysqlSink: new InMemoryReadingsSink() };
    expect(() => buildTemperatureTopology({ ...base, minTemp: 120, maxTemp: 40 })).toThrow(/MIN_TEMP 120 is above MAX_TEMP 40/);
    expect(() => buildTemperatureTopology({ ...base, minTemp: Number.NaN, maxTemp: 40 })).toThrow(/finite/);
    const rules = defaultRules({ minTemp: 40, maxTemp: 120 });
    expect(() => buildTemperatureTopology({ ...base, minTemp: 40, maxTemp: 120, rules: [...rules, rules[0]!] })).toThrow(/two rules are named legal-range/);
  });

  it('describes its graph: one source, constraints, a sink and the alert topic', () => {
    const kit = new TemperatureTestKit();
    const topology = buildTemperatureTopology({ registry: kit.registry, minTemp: 40, maxTemp: 120, mysqlSink: kit.sink, jsonInput: true, stateful: false });
    expect(topology.inputTopics).toEqual([TOPICS.readings, TOPICS.readingsJson]);
    expect(topology.outputTopics).toEqual([TOPICS.alerts, TOPICS.alerts]);
    expect(topology.describe()).toContain('check-constraints-avro');
    kit.close();
  });
});

describe('reading-time-plausible in the topology', () => {
  const window = { maxAgeMs: 7 * 86_400_000, maxFutureMs: 300_000 };

  it('dead-letters a reading sent in epoch seconds (January 1970) with its rule, stores nothing, raises nothing', async () => {
    const kit = new TemperatureTestKit({ minTemp: 40, maxTemp: 120, readingWindow: window, driver: { startTime: T0 } });
    await kit.sendReading(reading('pi-seconds', 125, 'FAHRENHEIT', Math.floor(T0 / 1000)));
    await kit.sendReading(reading('pi-millis', 70, 'FAHRENHEIT', T0 - 60_000));
    expect(kit.sink.rows.map((r) => r.device_id)).toEqual(['pi-millis']);
    expect(await kit.alerts()).toEqual([]);
    const dead = kit.deadLetters();
    expect(dead.map((d) => [d.errorClass, d.rule])).toEqual([['validation', 'reading-time-plausible']]);
    expect(dead[0]!.message).toContain('looks like seconds, not milliseconds');
    expect(kit.driver.committedOffset(TOPICS.readings)).toBe('2');
    kit.close();
  });

  it('judges by when the record was sent, so an old record replayed today is still stored', async () => {
    const kit = new TemperatureTestKit({ readingWindow: window, driver: { startTime: T0 + 365 * 86_400_000 } });
    await kit.driver.inputTopic(TOPICS.readings, stringSerde, kit.readingSerde).pipe('old', reading('old', 70), { timestamp: T0 + 1000 });
    expect(kit.sink.rows.map((r) => r.device_id)).toEqual(['old']);
    kit.close();
  });
});

describe('the JSON input', () => {
  it('stores a reading whose time is an ISO-8601 string, as epoch milliseconds', async () => {
    const kit = new TemperatureTestKit({ jsonInput: true, readingWindow: { maxAgeMs: 86_400_000, maxFutureMs: 300_000 }, driver: { startTime: T0 } });
    await kit.sendJson({ deviceId: 'pi-iso', readingTime: '2026-01-01T11:00:00+01:00', temperature: 70, unit: 'FAHRENHEIT' });
    expect(kit.sink.rows.map((r) => [r.device_id, r.reading_time])).toEqual([['pi-iso', '2026-01-01 10:00:00.000']]);
    expect(kit.deadLetters(TOPICS.readingsJson)).toEqual([]);
    kit.close();
  });
});

describe('pipelineTopics', () => {
  it('lists every topic to create, DLQs included', () => {
    expect(pipelineTopics()).toEqual([
      'temperature-readings',
      'TempRangeAlert',
      'TempAlertEpisode',
      'DeviceSilence',
      'temperature-readings-dlq',
      'TempRangeAlert-dlq',
      'TempAlertEpisode-dlq',
      'DeviceSilence-dlq',
    ]);
    expect(pipelineTopics({ jsonInput: true })).toHaveLength(10);
  });
});

describe('dlqTopicFor', () => {
  it('gives each input its own DLQ and falls back to <topic>-dlq', () => {
    expect(dlqTopicFor(TOPICS.readings)).toBe('temperature-readings-dlq');
    expect(dlqTopicFor(TOPICS.readingsJson)).toBe('temperature-readings-json-dlq');
    expect(dlqTopicFor(TOPICS.alerts)).toBe('TempRangeAlert-dlq');
    expect(dlqTopicFor('other')).toBe('other-dlq');
  });
});
