import type avro from 'avsc';
import { describe, expect, it } from 'vitest';
import { alertRulesOf, constraintsOf, defaultRules, factsOf, findViolation, raiseAlerts, toFahrenheit } from '../../app/index.js';
import { InMemorySchemaRegistry } from '../../schemas/testing/index.js';
import { temperatureReadingSchema, TOPICS, type TemperatureReading } from '../../schemas/index.js';
import { avroRegistrySerde, jsonAvroSerde } from '../../topology/index.js';
import { SimulatedFleet, type FleetOptions, type SimulatedReading } from './fleet.js';
import { seededRandom } from './random.js';
import { readingEncoder } from './encode.js';

const limits = { minTemp: 45, maxTemp: 110 };
const fleet = (overrides: Partial<FleetOptions> = {}) => {
  let now = Date.UTC(2025, 0, 1);
  return new SimulatedFleet({ devices: 20, anomalyRate: 0.05, illegalRate: 0.02, limits, random: seededRandom(1234), now: () => (now += 7), ...overrides });
};
const sample = (f: SimulatedFleet, n: number): SimulatedReading[] => Array.from({ length: n }, () => f.next());

describe('SimulatedFleet', () => {
  it('is deterministic for a seed', () => {
    expect(sample(fleet(), 500)).toEqual(sample(fleet(), 500));
    expect(sample(fleet({ random: seededRandom(1) }), 50)).not.toEqual(sample(fleet(), 50));
  });

  it('names devices and lets them report in turn', () => {
    const f = fleet({ devices: 3 });
    expect(f.deviceIds).toEqual(['sensor-001', 'sensor-002', 'sensor-003']);
    expect(sample(f, 6).map((r) => r.reading.deviceId)).toEqual(['sensor-001', 'sensor-002', 'sensor-003', 'sensor-001', 'sensor-002', 'sensor-003']);
  });

  it('produces anomalies and illegal values at the given rates', () => {
    const readings = sample(fleet({ anomalyRate: 0.1, illegalRate: 0.03 }), 20_000);
    const share = (kind: string) => readings.filter((r) => r.kind === kind).length / readings.length;
    // 20 000 samples: a standard deviation of about 0.2 points; allow 1 point.
    expect(share('anomaly')).toBeGreaterThan(0.09);
    expect(share('anomaly')).toBeLessThan(0.11);
    expect(share('illegal')).toBeGreaterThan(0.02);
    expect(share('illegal')).toBeLessThan(0.04);
  });

  it('classifies every reading as the pipeline rules will', () => {
    const rules = defaultRules(limits);
    const constraints = constraintsOf(rules);
    const alertRules = alertRulesOf(rules);
    for (const { reading, kind } of sample(fleet({ celsiusShare: 0.5 }), 20_000)) {
      const facts = factsOf(reading);
      const verdict = findViolation(constraints, facts) ? 'illegal' : raiseAlerts(alertRules, facts).length > 0 ? 'anomaly' : 'normal';
      expect({ reading, kind: verdict }).toEqual({ reading, kind });
    }
  });

  it('keeps normal readings near a 60–80°F set point, as a random walk', () => {
    const readings = sample(fleet({ devices: 1, anomalyRate: 0, illegalRate: 0, celsiusShare: 0 }), 2000).map((r) => toFahrenheit(r.reading));
    expect(Math.min(...readings)).toBeGreaterThan(limits.minTemp);
    expect(Math.max(...readings)).toBeLessThan(limits.maxTemp);
    const mean = readings.reduce((a, b) => a + b, 0) / readings.length;
    expect(mean).toBeGreaterThan(55);
    expect(mean).toBeLessThan(85);
    // A walk, not white noise: consecutive readings are close.
    const steps = readings.slice(1).map((t, i) => Math.abs(t - readings[i]!));
    expect(Math.max(...steps)).toBeLessThan(3);
  });

  it('gives each device strictly increasing reading times, even within one millisecond', () => {
    const f = fleet({ devices: 2, now: () => 1_000 });
    const times = sample(f, 10)
      .filter((r) => r.reading.deviceId === 'sensor-001')
      .map((r) => r.reading.readingTime);
    expect(times).toEqual([1000, 1001, 1002, 1003, 1004]);
  });

  it('adapts to narrow limits and refuses impossible ones', () => {
    const narrow = sample(fleet({ limits: { minTemp: 40, maxTemp: 50 }, anomalyRate: 0, illegalRate: 0 }), 500);
    expect(narrow.every((r) => toFahrenheit(r.reading) > 40 && toFahrenheit(r.reading) < 50)).toBe(true);
    expect(() => fleet({ limits: { minTemp: 60, maxTemp: 61 } })).toThrow(/no room/);
    expect(() => fleet({ limits: { minTemp: 20, maxTemp: 140 } })).toThrow(/anomalies are impossible/);
    expect(() => fleet({ anomalyRate: 0.8, illegalRate: 0.3 })).toThrow(RangeError);
    expect(() => fleet({ devices: 0 })).toThrow(RangeError);
  });

  it('writes valid Avro and JSON that the pipeline decodes back', async () => {
    const registry = InMemorySchemaRegistry.withPipelineSchemas();
    const avroReader = avroRegistrySerde<TemperatureReading>({ registry, schema: temperatureReadingSchema as avro.Schema });
    const jsonReader = jsonAvroSerde<TemperatureReading>(temperatureReadingSchema as avro.Schema);
    const toAvro = readingEncoder('avro', TOPICS.readings, registry);
    const toJson = readingEncoder('json', TOPICS.readingsJson, registry);
    for (const { reading } of sample(fleet({ celsiusShare: 0.5 }), 300)) {
      expect(await avroReader.deserialize(await toAvro(reading), TOPICS.readings)).toEqual(reading);
      expect(jsonReader.deserialize(await toJson(reading), TOPICS.readingsJson)).toEqual(reading);
    }
  });
});
