import type { StreamRecord, TimeWindow } from '../topology/index.js';
import { isStorableTime, toMysqlDatetime } from './mysql-datetime.js';
import { hasAtMostCharacters, MAX_DEVICE_ID_LENGTH } from './temperature-row.js';

export const MINUTE_ROLLUP_TABLE = 'temperature_minute';

/** A closed window's aggregate of one device's readings, degrees Fahrenheit. The app maps its own aggregate onto this. */
export interface MinuteRollup {
  readonly count: number;
  readonly min: number;
  readonly max: number;
  readonly mean: number;
}

/** The windowed key a window aggregation emits: the device id and the window. */
export interface DeviceWindowKey {
  readonly key: string;
  readonly window: TimeWindow;
}

/** What the rollup sink writes: one closed window of one device. */
export type MinuteRollupRecord = StreamRecord<DeviceWindowKey, MinuteRollup>;

/** One row of table `temperature_minute`, as bound into SQL (the `id` is the database's). */
export interface MinuteRollupRow {
  readonly device_id: string;
  readonly window_start: string;
  readonly window_end: string;
  readonly readings: number;
  readonly min_f: number;
  readonly max_f: number;
  readonly mean_f: number;
}

export const MINUTE_ROLLUP_COLUMNS = [
  'device_id',
  'window_start',
  'window_end',
  'readings',
  'min_f',
  'max_f',
  'mean_f',
] as const satisfies readonly (keyof MinuteRollupRow)[];

/** INT's upper end. */
const MAX_INT = 2 ** 31 - 1;

/**
 * What the table cannot store, checked before writing so one bad rollup is refused alone (a NaN
 * inlined into SQL reads as a column name and would fail the whole batch).
 */
export function minuteRollupProblems(key: DeviceWindowKey | null | undefined, rollup: MinuteRollup): string[] {
  const problems: string[] = [];
  if (!key || typeof key.key !== 'string' || !key.window) return ['the record has no device and window key'];
  if (key.key.length === 0 || !hasAtMostCharacters(key.key, MAX_DEVICE_ID_LENGTH)) problems.push(`deviceId must be 1 to ${MAX_DEVICE_ID_LENGTH} characters`);
  const { start, end } = key.window;
  if (!isStorableTime(start)) problems.push(`window start ${start} is not a storable time`);
  if (!isStorableTime(end)) problems.push(`window end ${end} is not a storable time`);
  else if (end <= start) problems.push(`window end ${end} is not after its start ${start}`);
  if (!Number.isInteger(rollup.count) || rollup.count < 1 || rollup.count > MAX_INT) problems.push(`count ${rollup.count} is not a number of readings`);
  for (const field of ['min', 'max', 'mean'] as const) {
    if (!Number.isFinite(rollup[field])) problems.push(`${field} ${rollup[field]} is not a finite number`);
  }
  if (rollup.min > rollup.max) problems.push(`min ${rollup.min} is above max ${rollup.max}`);
  return problems;
}

export function toMinuteRollupRow(key: DeviceWindowKey, rollup: MinuteRollup): MinuteRollupRow {
  return {
    device_id: key.key,
    window_start: toMysqlDatetime(key.window.start),
    window_end: toMysqlDatetime(key.window.end),
    readings: rollup.count,
    min_f: rollup.min,
    max_f: rollup.max,
    mean_f: rollup.mean,
  };
}

/** The table's unique key, UNIQUE(device_id, window_start). */
export const minuteRollupIdentity = (row: Pick<MinuteRollupRow, 'device_id' | 'window_start'>): string => `${row.device_id}\u0000${row.window_start}`;
