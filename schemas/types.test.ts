import avro from 'avsc';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { deviceSilenceSchema, temperatureReadingSchema, tempAlertEpisodeSchema, tempRangeAlertSchema, TOPIC_SCHEMAS } from './avro-schemas.js';
import {
  ALERT_DIRECTIONS,
  TEMP_RANGE_ALERT_FIELDS,
  TEMPERATURE_READING_FIELDS,
  TEMPERATURE_UNITS,
  DEVICE_SILENCE_FIELDS,
  TEMP_ALERT_EPISODE_FIELDS,
  type DeviceSilence,
  type TempAlertEpisode,
  type TempRangeAlert,
  type TemperatureReading,
} from './types.js';

/**
 * Compile time: each field list names every key of its interface (`satisfies` in types.ts already
 * proves the reverse: every name is a key). Together with the run-time check that the lists equal the
 * .avsc fields, a field added on one side only fails the build or this test.
 */
type Missing<T, List extends readonly unknown[]> = Exclude<keyof T, List[number]>;
expectTypeOf<Missing<TemperatureReading, typeof TEMPERATURE_READING_FIELDS>>().toEqualTypeOf<never>();
expectTypeOf<Missing<TempRangeAlert, typeof TEMP_RANGE_ALERT_FIELDS>>().toEqualTypeOf<never>();
expectTypeOf<Missing<TempAlertEpisode, typeof TEMP_ALERT_EPISODE_FIELDS>>().toEqualTypeOf<never>();
expectTypeOf<Missing<DeviceSilence, typeof DEVICE_SILENCE_FIELDS>>().toEqualTypeOf<never>();

const readingType = avro.Type.forSchema(temperatureReadingSchema as avro.Schema) as avro.types.RecordType;
const alertType = avro.Type.forSchema(tempRangeAlertSchema as avro.Schema) as avro.types.RecordType;

const sampleReading: TemperatureReading = { deviceId: 'oven-7', readingTime: Date.UTC(2026, 0, 1), temperature: 140.2, unit: 'FAHRENHEIT' };
const sampleAlert: TempRangeAlert = {
  reading: { ...sampleReading, unit: 'CELSIUS', temperature: 60.1 },
  rule: 'temp-range',
  direction: 'HIGH',
  temperatureFahrenheit: 140.18,
  bound: 120,
  minTemp: 40,
  maxTemp: 120,
  sourceTopic: 'temperature-readings',
  sourcePartition: 3,
  sourceOffset: '9007199254740993', // beyond 2^53: why the offset is a string
};

const enumSymbols = (type: avro.Type): string[] => (type as avro.types.EnumType).symbols;

describe('TemperatureReading', () => {
  it('has the .avsc fields, in order, that the TypeScript type has', () => {
    expect(readingType.fields.map((f) => f.name)).toEqual([...TEMPERATURE_READING_FIELDS]);
  });

  it('has the unit symbols of the TypeScript union, and Fahrenheit as default', () => {
    const unit = readingType.field('unit');
    expect(enumSymbols(unit.type)).toEqual([...TEMPERATURE_UNITS]);
    expect(unit.defaultValue()).toBe('FAHRENHEIT');
  });

  it('keeps readingTime a timestamp-millis long', () => {
    expect(temperatureReadingSchema.fields.find((f) => f.name === 'readingTime')?.type).toEqual({ type: 'long', logicalType: 'timestamp-millis' });
  });

  it('accepts typed values, NaN included (the rules refuse it, not the schema), and round-trips them', () => {
    expect(readingType.isValid(sampleReading)).toBe(true);
    expect(readingType.isValid({ ...sampleReading, temperature: Number.NaN })).toBe(true);
    expect({ ...readingType.fromBuffer(readingType.toBuffer(sampleReading)) }).toEqual(sampleReading);
  });

  it('refuses values the type would refuse', () => {
    expect(readingType.isValid({ ...sampleReading, unit: 'KELVIN' })).toBe(false);
    expect(readingType.isValid({ ...sampleReading, readingTime: '2026-01-01' })).toBe(false);
  });
});

describe('TempRangeAlert', () => {
  it('has the .avsc fields, in order, that the TypeScript type has', () => {
    expect(alertType.fields.map((f) => f.name)).toEqual([...TEMP_RANGE_ALERT_FIELDS]);
  });

  it('nests the TemperatureReading record itself, expanded so the schema stands alone', () => {
    const nested = alertType.field('reading').type as avro.types.RecordType;
    expect(nested.name).toBe('io.tempstream.TemperatureReading');
    expect(nested.equals(readingType)).toBe(true);
    // Parses with no other schema known, as the registry and other languages will.
    expect(() => avro.Type.forSchema(JSON.parse(JSON.stringify(tempRangeAlertSchema)) as avro.Schema)).not.toThrow();
  });

  it('has the direction symbols of the TypeScript union', () => {
    expect(enumSymbols(alertType.field('direction').type)).toEqual([...ALERT_DIRECTIONS]);
  });

  it('accepts typed values and round-trips them, offsets beyond 2^53 exactly', () => {
    expect(alertType.isValid(sampleAlert)).toBe(true);
    expect(JSON.parse(JSON.stringify(alertType.fromBuffer(alertType.toBuffer(sampleAlert))))).toEqual(sampleAlert);
  });
});

describe('TOPIC_SCHEMAS', () => {
  it('registers each value schema under the topic that carries it', () => {
    expect(TOPIC_SCHEMAS.map((t) => [t.topic, t.schema.name])).toEqual([
      ['temperature-readings', 'TemperatureReading'],
      ['TempRangeAlert', 'TempRangeAlert'],
      ['TempAlertEpisode', 'TempAlertEpisode'],
      ['DeviceSilence', 'DeviceSilence'],
    ]);
  });
});

describe('TempAlertEpisode and DeviceSilence', () => {
  const episode: TempAlertEpisode = {
    episodeId: 'oven-7/1767225600000/HIGH',
    deviceId: 'oven-7',
    event: 'RESOLVED',
    direction: 'HIGH',
    openedAt: Date.UTC(2026, 0, 1),
    resolvedAt: Date.UTC(2026, 0, 1, 0, 10),
    firstTemperatureF: 121,
    peakTemperatureF: 130.5,
    lastTemperatureF: 117.9,
    readings: 120,
    durationMs: 600_000,
    minTemp: 40,
    maxTemp: 120,
    hysteresis: 2,
  };
  const silence: DeviceSilence = {
    deviceId: 'oven-7',
    event: 'SILENT',
    lastSeenAt: Date.UTC(2026, 0, 1),
    detectedAt: Date.UTC(2026, 0, 1, 0, 1),
    silenceMs: 60_000,
  };

  it.each([
    ['TempAlertEpisode', tempAlertEpisodeSchema, TEMP_ALERT_EPISODE_FIELDS, episode],
    ['DeviceSilence', deviceSilenceSchema, DEVICE_SILENCE_FIELDS, silence],
  ] as const)('%s has the fields of its TypeScript type, in order, and round-trips a typed value', (_name, schema, fields, sample) => {
    const type = avro.Type.forSchema(schema as avro.Schema) as avro.types.RecordType;
    expect(type.fields.map((f) => f.name)).toEqual([...fields]);
    expect({ ...type.fromBuffer(type.toBuffer(sample)) }).toEqual(sample);
  });

  it('an open episode has no resolvedAt', () => {
    const type = avro.Type.forSchema(tempAlertEpisodeSchema as avro.Schema);
    expect(type.isValid({ ...episode, event: 'OPENED', resolvedAt: null })).toBe(true);
  });
});
