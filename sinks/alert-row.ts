import type { TempRangeAlert } from '../schemas/index.js';
import { toMysqlDatetime } from './mysql-datetime.js';

export const ALERT_TABLE = 'temp_range_alert';

/** One row of table `temp_range_alert` as bound into SQL (`id` and `notified_at` are the table's). */
export interface AlertRow {
  readonly device_id: string;
  readonly reading_time: string;
  readonly rule: string;
  readonly direction: string;
  readonly temperature: number;
  readonly unit: string;
  readonly temperature_f: number;
  readonly bound: number;
  readonly min_temp: number;
  readonly max_temp: number;
  readonly source_topic: string;
  readonly source_partition: number;
  readonly source_offset: string;
  readonly created_at: string;
}

export const ALERT_COLUMNS = [
  'device_id',
  'reading_time',
  'rule',
  'direction',
  'temperature',
  'unit',
  'temperature_f',
  'bound',
  'min_temp',
  'max_temp',
  'source_topic',
  'source_partition',
  'source_offset',
  'created_at',
] as const satisfies readonly (keyof AlertRow)[];

/**
 * The table's unique key. It is the reading's natural key (as in `temperature`) plus what was found:
 * a reading produced twice (two offsets) or an alert redelivered yields one row, while two rules
 * firing on one reading stay two findings. Source coordinates are kept, but only for tracing.
 */
export const ALERT_KEY_COLUMNS = ['device_id', 'reading_time', 'rule', 'direction'] as const satisfies readonly (keyof AlertRow)[];

export type AlertKey = Pick<AlertRow, (typeof ALERT_KEY_COLUMNS)[number]>;

export function toAlertRow(alert: TempRangeAlert, createdAtMs: number): AlertRow {
  return {
    device_id: alert.reading.deviceId,
    reading_time: toMysqlDatetime(alert.reading.readingTime),
    rule: alert.rule,
    direction: alert.direction,
    temperature: alert.reading.temperature,
    unit: alert.reading.unit,
    temperature_f: alert.temperatureFahrenheit,
    bound: alert.bound,
    min_temp: alert.minTemp,
    max_temp: alert.maxTemp,
    source_topic: alert.sourceTopic,
    source_partition: alert.sourcePartition,
    source_offset: alert.sourceOffset,
    created_at: toMysqlDatetime(createdAtMs),
  };
}

export const alertKeyOf = (alert: TempRangeAlert): AlertKey => ({
  device_id: alert.reading.deviceId,
  reading_time: toMysqlDatetime(alert.reading.readingTime),
  rule: alert.rule,
  direction: alert.direction,
});

export const alertIdentity = (key: AlertKey): string => [key.device_id, key.reading_time, key.rule, key.direction].join('\u0000');
