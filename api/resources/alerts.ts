/** GET /api/alerts: the rows of table `temp_range_alert`, and the same resource for the live events. */
import { ALERT_TABLE, toMysqlDatetime } from '../../sinks/index.js';
import type { TempRangeAlert } from '../../schemas/index.js';
import type { CollectionSpec } from '../query/collection-query.js';
import type { CollectionRoute } from './collection-route.js';
import { nullableString, resourceSchema, type Resource } from './json-api.js';
import { countAndPage, isoOf } from './readings.js';

export interface AlertAttributes {
  readonly deviceId: string;
  readonly readingTime: string;
  readonly rule: string;
  readonly direction: string;
  readonly temperature: number;
  readonly unit: string;
  readonly temperatureF: number;
  readonly bound: number;
  readonly minTemp: number;
  readonly maxTemp: number;
  readonly sourceTopic: string;
  readonly sourcePartition: number;
  readonly sourceOffset: string;
  /** When stored; null for a live event (not stored yet). */
  readonly createdAt: string | null;
  readonly notifiedAt: string | null;
}

export const ALERTS: CollectionSpec = {
  type: 'alerts',
  filters: {
    device: { kind: 'text', column: 'device_id', op: 'eq', description: 'the device id, exactly', maxLength: 64 },
    from: { kind: 'time', column: 'reading_time', op: 'gte', description: 'alerts on readings at or after this time (ISO-8601 with a zone, or epoch ms)' },
    to: { kind: 'time', column: 'reading_time', op: 'lte', description: 'alerts on readings at or before this time' },
    rule: { kind: 'text', column: 'rule', op: 'eq', description: 'the rule that fired, exactly', maxLength: 64 },
    direction: { kind: 'enum', column: 'direction', op: 'eq', description: 'which side of the range', values: ['HIGH', 'LOW'] },
    minTemperature: { kind: 'number', column: 'temperature_f', op: 'gte', description: 'temperature at least this, in °F' },
    maxTemperature: { kind: 'number', column: 'temperature_f', op: 'lte', description: 'temperature at most this, in °F' },
  },
  sort: { readingTime: 'reading_time', deviceId: 'device_id', temperatureF: 'temperature_f', createdAt: 'created_at', rule: 'rule', id: 'id' },
  defaultSort: ['-readingTime'],
  tiebreakColumn: 'id',
  attributes: [
    'deviceId',
    'readingTime',
    'rule',
    'direction',
    'temperature',
    'unit',
    'temperatureF',
    'bound',
    'minTemp',
    'maxTemp',
    'sourceTopic',
    'sourcePartition',
    'sourceOffset',
    'createdAt',
    'notifiedAt',
  ],
};

interface AlertDbRow {
  id: string;
  device_id: string;
  reading_time: string;
  rule: string;
  direction: string;
  temperature: number;
  unit: string;
  temperature_f: number;
  bound: number;
  min_temp: number;
  max_temp: number;
  source_topic: string;
  source_partition: number;
  source_offset: string;
  created_at: string;
  notified_at: string | null;
}

function toResource(row: AlertDbRow): Resource<AlertAttributes> {
  return {
    type: 'alerts',
    id: String(row.id),
    attributes: {
      deviceId: row.device_id,
      readingTime: isoOf(row.reading_time),
      rule: row.rule,
      direction: row.direction,
      temperature: row.temperature,
      unit: row.unit,
      temperatureF: row.temperature_f,
      bound: row.bound,
      minTemp: row.min_temp,
      maxTemp: row.max_temp,
      sourceTopic: row.source_topic,
      sourcePartition: Number(row.source_partition),
      sourceOffset: String(row.source_offset),
      createdAt: isoOf(row.created_at),
      notifiedAt: row.notified_at === null ? null : isoOf(row.notified_at),
    },
  };
}

/**
 * A live alert from the topic, before the alert consumer stored it: no database id yet, so its id is
 * its natural key (device, reading time, rule, direction), the one the table is unique on.
 */
export function liveAlertResource(alert: TempRangeAlert): Resource<AlertAttributes> {
  const readingTime = new Date(alert.reading.readingTime).toISOString();
  return {
    type: 'alerts',
    id: [alert.reading.deviceId, toMysqlDatetime(alert.reading.readingTime), alert.rule, alert.direction].join('|'),
    attributes: {
      deviceId: alert.reading.deviceId,
      readingTime,
      rule: alert.rule,
      direction: alert.direction,
      temperature: alert.reading.temperature,
      unit: alert.reading.unit,
      temperatureF: alert.temperatureFahrenheit,
      bound: alert.bound,
      minTemp: alert.minTemp,
      maxTemp: alert.maxTemp,
      sourceTopic: alert.sourceTopic,
      sourcePartition: alert.sourcePartition,
      sourceOffset: alert.sourceOffset,
      createdAt: null,
      notifiedAt: null,
    },
  };
}

export const alertAttributesSchema = {
  deviceId: { type: 'string' },
  readingTime: { type: 'string', format: 'date-time' },
  rule: { type: 'string' },
  direction: { type: 'string', enum: ['HIGH', 'LOW'] },
  temperature: { type: 'number', description: "in the reading's unit" },
  unit: { type: 'string' },
  temperatureF: { type: 'number' },
  bound: { type: 'number', description: 'the limit crossed, °F' },
  minTemp: { type: 'number', description: '°F, in force then' },
  maxTemp: { type: 'number', description: '°F, in force then' },
  sourceTopic: { type: 'string' },
  sourcePartition: { type: 'integer' },
  sourceOffset: { type: 'string' },
  createdAt: { ...nullableString, format: 'date-time', description: 'when stored; null on a live event' },
  notifiedAt: { ...nullableString, format: 'date-time', description: 'null until a person was told' },
};

export const alertsRoute: CollectionRoute<AlertAttributes> = {
  url: '/api/alerts',
  spec: ALERTS,
  tag: 'alerts',
  summary: 'Alerts stored in table temp_range_alert',
  description: 'One resource per finding (device, reading time, rule, direction). filter[minTemperature]/filter[maxTemperature] compare temperatureF.',
  resourceSchema: resourceSchema('alerts', alertAttributesSchema, 'A temperature out of range'),
  fetch: async (knex, plan) => {
    const { rows, total } = await countAndPage<AlertDbRow>(knex, ALERT_TABLE, plan);
    return { resources: rows.map(toResource), total };
  },
};
