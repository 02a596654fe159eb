import type { TemperatureReading } from '../schemas/index.js';
import { isMeasuredUnit } from '../schemas/index.js';
import type { StreamRecord } from '../topology/index.js';
import { isStorableTime, toMysqlDatetime } from './mysql-datetime.js';

/** One row of table `temperature`, as bound into SQL (the `id` is the database's). */
export interface TemperatureRow {
  readonly device_id: string;
  readonly reading_time: string;
  readonly temperature: number;
  readonly unit: string;
  readonly received_at: string;
  readonly source_topic: string;
  readonly source_partition: number;
  readonly source_offset: string;
}

export const TEMPERATURE_TABLE = 'temperature';

export const TEMPERATURE_COLUMNS = [
  'device_id',
  'reading_time',
  'temperature',
  'unit',
  'received_at',
  'source_topic',
  'source_partition',
  'source_offset',
] as const satisfies readonly (keyof TemperatureRow)[];

/** The longest device id the table stores (VARCHAR(64)). */
export const MAX_DEVICE_ID_LENGTH = 64;

/** Characters as VARCHAR counts them (code points), not UTF-16 units: an emoji is one. */
export const characterCount = (text: string): number => [...text].length;

/** At most `max` characters; runs per reading, so the UTF-16 length (never below the count) answers first. */
export const hasAtMostCharacters = (text: string, max: number): boolean => text.length <= max || characterCount(text) <= max;

/**
 * What the table cannot store, checked before writing so one bad record is refused alone instead of
 * failing its batch. The topology's constraints normally stop these first; this is the table's own
 * guard, whatever rules run upstream.
 */
export function temperatureRowProblems(reading: TemperatureReading): readonly string[] {
  const deviceIdFits = reading.deviceId.length > 0 && hasAtMostCharacters(reading.deviceId, MAX_DEVICE_ID_LENGTH);
  // The usual reading has no problem: answered without building a list, since this runs for every row.
  if (deviceIdFits && isStorableTime(reading.readingTime) && Number.isFinite(reading.temperature) && isMeasuredUnit(reading.unit)) return NO_PROBLEMS;
  const problems: string[] = [];
  if (!deviceIdFits) problems.push(`deviceId must be 1 to ${MAX_DEVICE_ID_LENGTH} characters`);
  if (!isStorableTime(reading.readingTime)) problems.push(`readingTime ${reading.readingTime} is not a storable time`);
  if (!Number.isFinite(reading.temperature)) problems.push(`temperature ${reading.temperature} is not a finite number`);
  if (!isMeasuredUnit(reading.unit)) problems.push(`unit ${String(reading.unit)} is unknown`);
  return problems;
}

const NO_PROBLEMS: readonly string[] = Object.freeze([]);

/**
 * The reading as the table keeps it, with where it came from and when this sink received it
 * (`receivedAt` as toMysqlDatetime writes it: formatted once for a whole batch).
 */
export function toTemperatureRow(record: StreamRecord<unknown, TemperatureReading>, receivedAt: string): TemperatureRow {
  const { value: reading, source } = record;
  return {
    device_id: reading.deviceId,
    reading_time: toMysqlDatetime(reading.readingTime),
    temperature: reading.temperature,
    unit: reading.unit,
    received_at: receivedAt,
    source_topic: source.topic,
    source_partition: source.partition,
    source_offset: source.offset,
  };
}

/** The table's unique key, UNIQUE(device_id, reading_time): one row per device and instant. */
export const temperatureRowIdentity = (row: Pick<TemperatureRow, 'device_id' | 'reading_time'>): string => `${row.device_id}\u0000${row.reading_time}`;
