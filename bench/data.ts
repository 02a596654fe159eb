/**
 * The bench's readings: a pure function of the record's index, so the loader, the sink ceiling and
 * the expected counts all agree without keeping a million objects around. ~1000 devices; each
 * device's readings have increasing readingTimes, so every reading is a distinct row.
 */
import avro from 'avsc';
import { LEGAL_MAX_F, LEGAL_MIN_F } from '../app/index.js';
import { temperatureReadingSchema, type TemperatureReading } from '../schemas/index.js';
import { writeWire } from '../topology/index.js';

export const DEVICES = 1000;
/** Backlog readings are dated from here, one second apart per device (well inside DATETIME's range). */
const BASE_TIME = Date.UTC(2024, 0, 1);
/** Share of readings outside the legal range (DLQ) and of legal readings that raise an alert. */
export const ILLEGAL_SHARE = 0.005;
export const ALERT_SHARE = 0.05;

export type ReadingKind = 'normal' | 'alert' | 'illegal';

export interface Limits {
  readonly minTemp: number;
  readonly maxTemp: number;
}

/** A 32-bit integer hash (lowbias32): deterministic, well spread, cheap. */
function hash32(x: number): number {
  x = (x ^ (x >>> 16)) >>> 0;
  x = Math.imul(x, 0x7feb352d) >>> 0;
  x = (x ^ (x >>> 15)) >>> 0;
  x = Math.imul(x, 0x846ca68b) >>> 0;
  return (x ^ (x >>> 16)) >>> 0;
}

const unit = (i: number, salt: number): number => hash32((i * 2 + salt) >>> 0) / 0x1_0000_0000;

export const deviceIdOf = (index: number, prefix = 'device'): string => `${prefix}-${String(index % DEVICES).padStart(4, '0')}`;

export function kindOf(i: number): ReadingKind {
  const u = unit(i, 0);
  if (u < ILLEGAL_SHARE) return 'illegal';
  if (u < ILLEGAL_SHARE + ALERT_SHARE) return 'alert';
  return 'normal';
}

/**
 * A temperature of the given kind, °F, kept at least 1 °F away from every limit so that float
 * rounding can never move a reading across one.
 */
export function temperatureOf(i: number, kind: ReadingKind, limits: Limits): number {
  const u = unit(i, 1);
  const high = u >= 0.5;
  const v = high ? (u - 0.5) * 2 : u * 2;
  const between = (lo: number, hi: number) => Math.round((lo + 1 + v * (hi - lo - 2)) * 10) / 10;
  switch (kind) {
    case 'normal':
      return between(limits.minTemp, limits.maxTemp);
    case 'alert':
      return high ? between(limits.maxTemp, LEGAL_MAX_F) : between(LEGAL_MIN_F, limits.minTemp);
    case 'illegal':
      return high ? between(LEGAL_MAX_F, LEGAL_MAX_F + 60) : between(LEGAL_MIN_F - 60, LEGAL_MIN_F);
  }
}

/** The backlog's i-th reading. */
export function backlogReading(i: number, limits: Limits): { reading: TemperatureReading; kind: ReadingKind } {
  const kind = kindOf(i);
  const reading: TemperatureReading = {
    deviceId: deviceIdOf(i),
    readingTime: BASE_TIME + Math.floor(i / DEVICES) * 1000 + (i % DEVICES),
    temperature: temperatureOf(i, kind, limits),
    unit: 'FAHRENHEIT',
  };
  return { reading, kind };
}

export interface ExpectedCounts {
  readonly records: number;
  readonly rows: number;
  readonly alerts: number;
  readonly dlq: number;
}

export function expectedCounts(records: number): ExpectedCounts {
  let alerts = 0;
  let dlq = 0;
  for (let i = 0; i < records; i++) {
    const kind = kindOf(i);
    if (kind === 'alert') alerts++;
    else if (kind === 'illegal') dlq++;
  }
  return { records, rows: records - dlq, alerts, dlq };
}

/** Avro in the Confluent wire format with the registered id, as a device's serializer writes it. */
export function readingEncoder(schemaId: number): (reading: TemperatureReading) => Buffer {
  const type = avro.Type.forSchema(temperatureReadingSchema as avro.Schema);
  return (reading) => writeWire(schemaId, type.toBuffer(reading));
}
