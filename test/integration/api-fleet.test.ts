import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { buildApiServer } from '../../api/index.js';
import { migrate, toMysqlDatetime } from '../../sinks/index.js';
import { TOPICS } from '../../schemas/index.js';
import { uniqueName } from '../support/names.js';
import { createTestDatabase, stackClients, type StackClients, type TestDatabase } from '../support/pipeline-env.js';
import { ensureStatefulTables } from '../support/stateful-tables.js';

/**
 * The dashboard's questions for a fleet of thousands (issue 14): a page of devices with their status,
 * a search, the open episodes, one device's readings and minutes, answered from the tables in well
 * under a second each. Prints each timing (median of 5) for docs; asserts a generous bound, as the
 * machine running tests may be busy.
 */
const DEVICES = 5_000;
const READINGS_PER_DEVICE = 10;
const T0 = Date.UTC(2026, 4, 3, 8, 0, 0);
const BOUND_MS = 3_000;

describe(`a fleet of ${DEVICES.toLocaleString('en')} devices`, () => {
  const stack = inject('stack');
  let db: TestDatabase;
  let clients: StackClients;
  let app: FastifyInstance;
  const id = (i: number) => `fleet-${String(i).padStart(5, '0')}`;

  beforeAll(async () => {
    db = await createTestDatabase(stack, uniqueName('apifleet'));
    clients = stackClients(stack, { databaseUrl: db.url, clientId: 'api-fleet-test' });
    await migrate(clients.knex);
    await ensureStatefulTables(clients.knex);
    const rows = [];
    for (let d = 0; d < DEVICES; d++) {
      for (let r = 0; r < READINGS_PER_DEVICE; r++) {
        rows.push({
          device_id: id(d),
          reading_time: toMysqlDatetime(T0 + r * 10_000),
          temperature: 60 + ((d * 7 + r) % 60),
          unit: 'FAHRENHEIT',
          received_at: toMysqlDatetime(T0 + r * 10_000),
          source_topic: TOPICS.readings,
          source_partition: 0,
          source_offset: String(d * READINGS_PER_DEVICE + r),
        });
      }
    }
    for (let i = 0; i < rows.length; i += 2_000) await clients.knex('temperature').insert(rows.slice(i, i + 2_000));
    const episodes = [];
    for (let d = 0; d < DEVICES; d += 10) {
      episodes.push({
        episode_id: `${id(d)}/${T0}/HIGH`,
        device_id: id(d),
        direction: 'HIGH',
        status: d % 20 === 0 ? 'OPEN' : 'RESOLVED',
        opened_at: toMysqlDatetime(T0),
        resolved_at: d % 20 === 0 ? null : toMysqlDatetime(T0 + 60_000),
        first_temperature_f: 111,
        peak_temperature_f: 115,
        last_temperature_f: 112,
        readings: 3,
        duration_ms: 60_000,
        min_temp: 45,
        max_temp: 110,
        hysteresis: 2,
        updated_at: toMysqlDatetime(T0),
      });
    }
    await clients.knex('temp_alert_episode').insert(episodes);
    await clients.knex('temperature_minute').insert(
      Array.from({ length: DEVICES }, (_, d) => ({
        device_id: id(d),
        window_start: toMysqlDatetime(T0),
        window_end: toMysqlDatetime(T0 + 60_000),
        readings: READINGS_PER_DEVICE,
        min_f: 60,
        max_f: 70,
        mean_f: 65,
      })),
    );
    await clients.knex('device_silence').insert(
      Array.from({ length: DEVICES / 50 }, (_, i) => ({
        device_id: id(i * 50),
        event: 'SILENT',
        last_seen_at: toMysqlDatetime(T0 + 90_000),
        detected_at: toMysqlDatetime(T0 + 300_000),
        silence_ms: 210_000,
      })),
    );
    app = await buildApiServer({ knex: clients.knex, limits: { minTemp: 45, maxTemp: 110 }, security: { host: '127.0.0.1', tokenName: 't' } });
  }, 600_000);

  afterAll(async () => {
    await app?.close();
    await clients?.close().catch(() => undefined);
    await db?.drop().catch(() => undefined);
  });

  it.each([
    ['the first page of devices (as the dashboard opens)', '/api/devices?sort=deviceId&page[limit]=50', DEVICES],
    ['a deep page of devices', '/api/devices?sort=deviceId&page[offset]=4950&page[limit]=50', DEVICES],
    ['devices, latest reading first', '/api/devices?sort=-lastReadingTime&page[limit]=50', DEVICES],
    ['a search by id', '/api/devices?filter[search]=fleet-012&page[limit]=50', 100],
    ['out-of-range devices', '/api/devices?filter[status]=out-of-range&page[limit]=50', undefined],
    ['open episodes', '/api/episodes?filter[status]=OPEN&sort=-openedAt&page[limit]=25', DEVICES / 20],
    ["one device's readings (chart)", `/api/readings?filter[device]=${id(4242)}&sort=-readingTime&page[limit]=500`, READINGS_PER_DEVICE],
    ["one device's minutes (chart)", `/api/rollups?filter[device]=${id(4242)}&sort=-windowStart&page[limit]=1000`, 1],
  ])('%s: %s', async (what, url, total) => {
    const times: number[] = [];
    let body: { meta: { total: number }; data: { attributes: Record<string, unknown> }[] } | undefined;
    for (let i = 0; i < 5; i++) {
      const started = performance.now();
      const res = await app.inject({ method: 'GET', url });
      times.push(performance.now() - started);
      expect(res.statusCode, res.body).toBe(200);
      body = res.json();
    }
    const median = [...times].sort((a, b) => a - b)[2] ?? Infinity;
    console.log(`[fleet] ${what}: median ${median.toFixed(0)} ms of 5 (${url})`);
    if (total !== undefined) expect(body?.meta.total).toBe(total);
    expect(median).toBeLessThan(BOUND_MS);
  });

  it('a page of devices carries their open episodes and silence', async () => {
    const res = await app.inject({ method: 'GET', url: '/api/devices?sort=deviceId&page[limit]=100' });
    const data = res.json<{ data: { id: string; attributes: { openEpisode: unknown; silent: boolean } }[] }>().data;
    expect(data.filter((d) => d.attributes.openEpisode !== null).map((d) => d.id)).toEqual([0, 20, 40, 60, 80].map(id));
    expect(data.filter((d) => d.attributes.silent).map((d) => d.id)).toEqual([0, 50].map(id));
  });
});
