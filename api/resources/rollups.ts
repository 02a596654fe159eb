/** GET /api/rollups: the rows of table `temperature_minute`, one per device and minute. */
import type { CollectionSpec, QueryPlan } from '../query/collection-query.js';
import type { CollectionRoute } from './collection-route.js';
import { resourceSchema, type Resource } from './json-api.js';
import { countAndPage, isoOf } from './readings.js';
import { MINUTE_TABLE, readingTable } from './stateful-tables.js';

export interface RollupAttributes {
  readonly deviceId: string;
  readonly windowStart: string;
  readonly windowEnd: string;
  readonly readings: number;
  readonly minF: number;
  readonly maxF: number;
  readonly meanF: number;
}

export const ROLLUPS: CollectionSpec = {
  type: 'rollups',
  filters: {
    device: { kind: 'text', column: 'device_id', op: 'eq', description: 'the device id, exactly', maxLength: 64 },
    from: { kind: 'time', column: 'window_start', op: 'gte', description: 'minutes starting at or after this time (ISO-8601 with a zone, or epoch ms)' },
    to: { kind: 'time', column: 'window_start', op: 'lte', description: 'minutes starting at or before this time' },
  },
  sort: { windowStart: 'window_start', deviceId: 'device_id', maxF: 'max_f', minF: 'min_f', meanF: 'mean_f', readings: 'readings' },
  defaultSort: ['-windowStart'],
  // With window_start too (withUniqueOrder), the order follows the table's unique key: no two rows tie.
  tiebreakColumn: 'device_id',
  attributes: ['deviceId', 'windowStart', 'windowEnd', 'readings', 'minF', 'maxF', 'meanF'],
};

/** (device_id, window_start) is unique: both at the end of the order, so pages never overlap. */
function withUniqueOrder(plan: QueryPlan): QueryPlan {
  const last = plan.sort[plan.sort.length - 1];
  if (plan.sort.some((s) => s.column === 'window_start')) return plan;
  return { ...plan, sort: [...plan.sort, { column: 'window_start', descending: last?.descending ?? true }] };
}

interface MinuteDbRow {
  device_id: string;
  window_start: string;
  window_end: string;
  readings: number;
  min_f: number;
  max_f: number;
  mean_f: number;
}

function toResource(row: MinuteDbRow): Resource<RollupAttributes> {
  const windowStart = isoOf(row.window_start);
  return {
    type: 'rollups',
    id: `${row.device_id}/${windowStart}`,
    attributes: {
      deviceId: row.device_id,
      windowStart,
      windowEnd: isoOf(row.window_end),
      readings: Number(row.readings),
      minF: row.min_f,
      maxF: row.max_f,
      meanF: row.mean_f,
    },
  };
}

export const rollupsRoute: CollectionRoute<RollupAttributes> = {
  url: '/api/rollups',
  spec: ROLLUPS,
  tag: 'rollups',
  summary: 'Per-minute rollups stored in table temperature_minute',
  description:
    'One resource per device and minute (id: <deviceId>/<windowStart>): how many readings, their minimum, maximum and mean in °F. ' +
    'filter[from]/filter[to] bound windowStart. Answers 503 naming the table while the database has no temperature_minute yet.',
  resourceSchema: resourceSchema(
    'rollups',
    {
      deviceId: { type: 'string' },
      windowStart: { type: 'string', format: 'date-time' },
      windowEnd: { type: 'string', format: 'date-time', description: 'exclusive' },
      readings: { type: 'integer' },
      minF: { type: 'number' },
      maxF: { type: 'number' },
      meanF: { type: 'number' },
    },
    "A device's readings over one minute",
  ),
  fetch: (knex, plan) =>
    readingTable(MINUTE_TABLE, async () => {
      const { rows, total } = await countAndPage<MinuteDbRow>(knex, MINUTE_TABLE, withUniqueOrder(plan));
      return { resources: rows.map(toResource), total };
    }),
};
