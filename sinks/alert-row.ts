import type { TempRangeAlert } from '../schemas/index.js';
import { toMysqlDatetime } from './mysql-datetime.js';
import { hasAtMostCharacters, temperatureRowProblems } from './temperature-row.js';

export const ALERT_TABLE = 'temp_range_alert';

/** Column `notify_status`: NULL while a notification is due, then one of these. */
export const NOTIFY_STATUS = { notified: 'notified', failed: 'failed' } as const;
/** Column `notify_error` holds this many characters. */
export const MAX_NOTIFY_ERROR_LENGTH = 1000;

/** At most `max` characters (code points, as VARCHAR counts): a cut never splits a surrogate pair. */
export const cutToCharacters = (text: string, max: number): string => (text.length <= max ? text : [...text].slice(0, max).join(''));

/** One row of table `temp_range_alert` as bound into SQL (`id` and the notify columns are the table's). */
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

/** The longest rule name the table stores (VARCHAR(64)). */
export const MAX_RULE_LENGTH = 64;
/** Kafka's own limit on topic names, and the column's (VARCHAR(249)). */
export const MAX_TOPIC_LENGTH = 249;
/** BIGINT's upper end: the largest offset the table stores. */
const MAX_OFFSET = 2n ** 63n - 1n;
/** Java's Integer.MAX_VALUE: partitions are numbered 0 to this. */
const MAX_PARTITION = 2 ** 31 - 1;

/**
 * What table `temp_range_alert` cannot store, checked before writing. Any producer can write the
 * alert topic and Avro lets a double be NaN or ±Infinity: inlined into SQL those read as column
 * names and fail the whole batch, so such an alert is refused alone, with these reasons.
 */
export function alertRowProblems(alert: TempRangeAlert): string[] {
  const problems = temperatureRowProblems(alert.reading).map((p) => (p.startsWith('temperature ') ? `reading.${p}` : p));
  for (const field of ['temperatureFahrenheit', 'bound', 'minTemp', 'maxTemp'] as const) {
    if (!Number.isFinite(alert[field])) problems.push(`${field} ${alert[field]} is not a finite number`);
  }
  if (alert.rule.length === 0 || !hasAtMostCharacters(alert.rule, MAX_RULE_LENGTH)) problems.push(`rule must be 1 to ${MAX_RULE_LENGTH} characters`);
  if (alert.direction !== 'HIGH' && alert.direction !== 'LOW') problems.push(`direction ${String(alert.direction)} is neither HIGH nor LOW`);
  if (alert.sourceTopic.length === 0 || !hasAtMostCharacters(alert.sourceTopic, MAX_TOPIC_LENGTH))
    problems.push(`sourceTopic must be 1 to ${MAX_TOPIC_LENGTH} characters`);
  if (!Number.isInteger(alert.sourcePartition) || alert.sourcePartition < 0 || alert.sourcePartition > MAX_PARTITION) {
    problems.push(`sourcePartition ${alert.sourcePartition} is not a Kafka partition`);
  }
  if (!/^\d{1,19}$/.test(alert.sourceOffset) || BigInt(alert.sourceOffset) > MAX_OFFSET)
    problems.push(`sourceOffset ${JSON.stringify(alert.sourceOffset.slice(0, 40))} is not a Kafka offset`);
  return problems;
}
