import { request as httpRequest } from 'node:http';
import type avro from 'avsc';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { buildApiServer, kafkaAlertFeed, type AlertFeed } from '../../api/index.js';
import { prepareInfrastructure } from '../../app/index.js';
import { deviceSilenceSchema, registerSchemas, tempAlertEpisodeSchema, TOPICS, type DeviceSilence, type TempAlertEpisode } from '../../schemas/index.js';
import { toMysqlDatetime } from '../../sinks/index.js';
import { avroRegistrySerde, ensureTopics } from '../../topology/index.js';
import { uniqueName } from '../support/names.js';
import { createTestDatabase, dataTag, stackClients, type StackClients, type TestDatabase } from '../support/pipeline-env.js';
import { ensureStatefulTables } from '../support/stateful-tables.js';
import { waitUntil } from '../support/wait.js';

/**
 * The API's views of the stateful tables on the real stack: episodes and per-minute rollups (filters,
 * sort, pages, 400s, SQL metacharacters), device status with open episode and silence, and episode and
 * silence events on the live stream.
 */
const T0 = Date.UTC(2026, 4, 2, 8, 0, 0);
const MIN = 60_000;

interface Doc {
  data: { type: string; id: string; attributes: Record<string, unknown>; links?: Record<string, string> }[];
  meta: { total: number; offset: number; limit: number };
  links: { self: string; next: string | null; prev: string | null; first: string; last: string };
  errors?: { status: string; source?: { parameter?: string } }[];
}

describe('episodes, rollups and device status on the real stack', () => {
  const stack = inject('stack');
  const sfx = `~${dataTag()}`;
  const A = `a${sfx}`;
  const B = `b${sfx}`;
  const QUOTE = `x' OR 1=1 --${sfx}`;
  const LIKE = `pct%_\\${sfx}`;
  let db: TestDatabase;
  let clients: StackClients;
  let app: FastifyInstance;
  let base: string;
  let feed: AlertFeed;

  const get = async (url: string): Promise<{ status: number; body: Doc }> => {
    const res = await app.inject({ method: 'GET', url });
    return { status: res.statusCode, body: res.json() };
  };
  const q = (params: Record<string, string>) => new URLSearchParams(params).toString();
  const attr = (doc: Doc, name: string) => doc.data.map((r) => r.attributes[name]);

  const episode = (device: string, openedAt: number, direction: 'HIGH' | 'LOW', status: 'OPEN' | 'RESOLVED', peak: number) => ({
    episode_id: `${device}/${openedAt}/${direction}`,
    device_id: device,
    direction,
    status,
    opened_at: toMysqlDatetime(openedAt),
    resolved_at: status === 'RESOLVED' ? toMysqlDatetime(openedAt + 3 * MIN) : null,
    first_temperature_f: peak - 1,
    peak_temperature_f: peak,
    last_temperature_f: peak - 2,
    readings: 4,
    duration_ms: status === 'RESOLVED' ? 3 * MIN : MIN,
    min_temp: 45,
    max_temp: 110,
    hysteresis: 2,
    updated_at: toMysqlDatetime(openedAt + MIN),
  });
  const minute = (device: string, start: number, min: number, max: number) => ({
    device_id: device,
    window_start: toMysqlDatetime(start),
    window_end: toMysqlDatetime(start + MIN),
    readings: 6,
    min_f: min,
    max_f: max,
    mean_f: (min + max) / 2,
  });
  const reading = (device: string, at: number, temperature: number) => ({
    device_id: device,
    reading_time: toMysqlDatetime(at),
    temperature,
    unit: 'FAHRENHEIT',
    received_at: toMysqlDatetime(at),
    source_topic: TOPICS.readings,
    source_partition: 0,
    source_offset: '0',
  });

  beforeAll(async () => {
    db = await createTestDatabase(stack, uniqueName('apiviews'));
    clients = stackClients(stack, { databaseUrl: db.url, clientId: 'api-views-test' });
    await registerSchemas({ url: stack.schemaRegistryUrl });
    await prepareInfrastructure(clients, {});
    await ensureStatefulTables(clients.knex);
    await ensureTopics(clients.kafka, [
      { topic: TOPICS.episodes, numPartitions: 1 },
      { topic: TOPICS.silence, numPartitions: 1 },
    ]);
    await clients.knex('temperature').insert([reading(A, T0, 120), reading(B, T0, 70), reading(QUOTE, T0, 71), reading(LIKE, T0, 72)]);
    await clients
      .knex('temp_alert_episode')
      .insert([
        episode(A, T0 - 10 * MIN, 'HIGH', 'RESOLVED', 115),
        episode(A, T0, 'HIGH', 'OPEN', 121),
        episode(B, T0 - 5 * MIN, 'LOW', 'RESOLVED', 30),
        episode(QUOTE, T0, 'LOW', 'OPEN', 20),
      ]);
    await clients
      .knex('temperature_minute')
      .insert([minute(A, T0, 100, 120), minute(A, T0 + MIN, 101, 119), minute(A, T0 + 2 * MIN, 90, 95), minute(B, T0, 60, 70)]);
    await clients.knex('device_silence').insert([
      // B went silent, came back, and went silent again: silent now, since its last reading then.
      { device_id: B, event: 'SILENT', last_seen_at: toMysqlDatetime(T0 - 9 * MIN), detected_at: toMysqlDatetime(T0 - 7 * MIN), silence_ms: 2 * MIN },
      { device_id: B, event: 'BACK', last_seen_at: toMysqlDatetime(T0 - 6 * MIN), detected_at: toMysqlDatetime(T0 - 6 * MIN), silence_ms: 3 * MIN },
      { device_id: B, event: 'SILENT', last_seen_at: toMysqlDatetime(T0), detected_at: toMysqlDatetime(T0 + 2 * MIN), silence_ms: 2 * MIN },
      // A was silent once and is back.
      { device_id: A, event: 'SILENT', last_seen_at: toMysqlDatetime(T0 - 20 * MIN), detected_at: toMysqlDatetime(T0 - 18 * MIN), silence_ms: 2 * MIN },
      { device_id: A, event: 'BACK', last_seen_at: toMysqlDatetime(T0 - 15 * MIN), detected_at: toMysqlDatetime(T0 - 15 * MIN), silence_ms: 5 * MIN },
    ]);
    feed = kafkaAlertFeed({ kafka: clients.kafka, registry: clients.registry, logger: clients.logger, groupPrefix: uniqueName('api_views_feed') });
    app = await buildApiServer({ knex: clients.knex, limits: { minTemp: 45, maxTemp: 110 }, security: { host: '127.0.0.1', tokenName: 't' }, alertFeed: feed });
    base = await app.listen({ host: '127.0.0.1', port: 0 });
    await feed.start();
  });

  afterAll(async () => {
    await app?.close();
    await feed?.stop();
    await clients?.close().catch(() => undefined);
    await db?.drop().catch(() => undefined);
  });

  describe('GET /api/episodes', () => {
    it('newest opened first by default, each with its attributes', async () => {
      const { status, body } = await get('/api/episodes');
      expect(status).toBe(200);
      expect(body.meta.total).toBe(4);
      expect(body.data[body.data.length - 1]?.id).toBe(`${A}/${T0 - 10 * MIN}/HIGH`);
      const open = body.data.find((e) => e.id === `${A}/${T0}/HIGH`);
      expect(open).toMatchObject({
        type: 'episodes',
        attributes: {
          deviceId: A,
          status: 'OPEN',
          direction: 'HIGH',
          openedAt: new Date(T0).toISOString(),
          resolvedAt: null,
          peakTemperatureF: 121,
          readings: 4,
        },
      });
    });

    it('filter[device], filter[status], filter[direction]', async () => {
      expect((await get(`/api/episodes?${q({ 'filter[device]': A })}`)).body.meta.total).toBe(2);
      expect(attr((await get(`/api/episodes?${q({ 'filter[status]': 'OPEN', sort: 'deviceId' })}`)).body, 'deviceId')).toEqual([A, QUOTE]);
      expect(attr((await get(`/api/episodes?${q({ 'filter[direction]': 'LOW', 'filter[status]': 'RESOLVED' })}`)).body, 'deviceId')).toEqual([B]);
    });

    it('filter[from] and filter[to] bound openedAt, inclusive', async () => {
      const from = (await get(`/api/episodes?${q({ 'filter[from]': new Date(T0 - 5 * MIN).toISOString() })}`)).body;
      expect(from.meta.total).toBe(3);
      const window = (await get(`/api/episodes?${q({ 'filter[from]': String(T0 - 10 * MIN), 'filter[to]': String(T0 - 5 * MIN) })}`)).body;
      expect(attr(window, 'openedAt')).toEqual([new Date(T0 - 5 * MIN).toISOString(), new Date(T0 - 10 * MIN).toISOString()]);
    });

    it('sorts both ways and pages with next/prev links', async () => {
      expect(attr((await get(`/api/episodes?${q({ sort: 'peakTemperatureF' })}`)).body, 'peakTemperatureF')).toEqual([20, 30, 115, 121]);
      expect(attr((await get(`/api/episodes?${q({ sort: '-peakTemperatureF' })}`)).body, 'peakTemperatureF')).toEqual([121, 115, 30, 20]);
      const first = (await get(`/api/episodes?${q({ sort: 'openedAt', 'page[limit]': '3' })}`)).body;
      expect(first.meta).toMatchObject({ total: 4, offset: 0, limit: 3 });
      expect(first.links.prev).toBeNull();
      const second = (await get(first.links.next ?? '')).body;
      expect(second.data).toHaveLength(1);
      expect(second.links.next).toBeNull();
      expect((await get(second.links.prev ?? '')).body.data.map((d) => d.id)).toEqual(first.data.map((d) => d.id));
    });

    it('a filter value with SQL metacharacters matches that value and nothing else', async () => {
      expect(attr((await get(`/api/episodes?${q({ 'filter[device]': QUOTE })}`)).body, 'deviceId')).toEqual([QUOTE]);
      expect((await get(`/api/episodes?${q({ 'filter[device]': "x' OR 1=1 --" })}`)).body.meta.total).toBe(0);
      expect((await get(`/api/episodes?${q({ 'filter[device]': `x\\' OR 1=1 --${sfx}` })}`)).body.meta.total).toBe(0);
    });

    it.each([
      ['filter[status]', 'open'],
      ['filter[direction]', "HIGH' OR '1'='1"],
      ['filter[from]', 'last week'],
      ['sort', 'openedAt;DROP TABLE temp_alert_episode'],
      ['page[limit]', '1001'],
      ['filter[colour]', 'red'],
    ])('%s=%s → 400 naming it', async (parameter, value) => {
      const { status, body } = await get(`/api/episodes?${q({ [parameter]: value })}`);
      expect(status).toBe(400);
      expect(body.errors?.[0]?.source?.parameter).toBe(parameter);
    });
  });

  describe('GET /api/rollups', () => {
    it("a device's minutes over a time range, newest first, with MIN/MAX/mean", async () => {
      const { body } = await get(
        `/api/rollups?${q({ 'filter[device]': A, 'filter[from]': String(T0 + MIN), 'filter[to]': new Date(T0 + 2 * MIN).toISOString() })}`,
      );
      expect(body.meta.total).toBe(2);
      expect(body.data.map((d) => d.id)).toEqual([`${A}/${new Date(T0 + 2 * MIN).toISOString()}`, `${A}/${new Date(T0 + MIN).toISOString()}`]);
      expect(body.data[0]?.attributes).toEqual({
        deviceId: A,
        windowStart: new Date(T0 + 2 * MIN).toISOString(),
        windowEnd: new Date(T0 + 3 * MIN).toISOString(),
        readings: 6,
        minF: 90,
        maxF: 95,
        meanF: 92.5,
      });
    });

    it('sorts and pages without overlap even where the sort key ties', async () => {
      const byDevice = (
        await get(`/api/rollups?${q({ sort: 'deviceId', 'filter[from]': String(T0), 'filter[to]': String(T0 + 2 * MIN), 'page[limit]': '2' })}`)
      ).body;
      const next = (await get(byDevice.links.next ?? '')).body;
      const seen = [...byDevice.data, ...next.data].map((d) => d.id);
      expect(new Set(seen).size).toBe(4);
      expect(attr((await get(`/api/rollups?${q({ 'filter[device]': A, sort: '-maxF' })}`)).body, 'maxF')).toEqual([120, 119, 95]);
    });

    it('a device id with SQL or LIKE metacharacters matches itself only', async () => {
      expect((await get(`/api/rollups?${q({ 'filter[device]': QUOTE })}`)).body.meta.total).toBe(0);
      expect((await get(`/api/rollups?${q({ 'filter[device]': "' OR ''='" })}`)).body.meta.total).toBe(0);
    });

    it('filter[to]=tomorrow → 400 naming it', async () => {
      const { status, body } = await get(`/api/rollups?${q({ 'filter[to]': 'tomorrow' })}`);
      expect(status).toBe(400);
      expect(body.errors?.[0]?.source?.parameter).toBe('filter[to]');
    });
  });

  describe('GET /api/devices with open episode and silence', () => {
    it('shows the open episode from temp_alert_episode and silence from the latest device_silence event', async () => {
      const { body } = await get(`/api/devices?${q({ 'filter[search]': sfx })}`);
      const byId = new Map(body.data.map((d) => [d.id, d.attributes]));
      expect(byId.get(A)).toMatchObject({
        status: 'out-of-range',
        openEpisode: { episodeId: `${A}/${T0}/HIGH`, direction: 'HIGH', openedAt: new Date(T0).toISOString(), peakTemperatureF: 121 },
        silent: false,
        silentSince: null,
      });
      expect(byId.get(B)).toMatchObject({ openEpisode: null, silent: true, silentSince: new Date(T0).toISOString() });
      expect(byId.get(QUOTE)).toMatchObject({ openEpisode: { direction: 'LOW' }, silent: false });
      expect(byId.get(LIKE)).toMatchObject({ openEpisode: null, silent: false });
    });

    it('filter[device] is one device exactly, where a search would match more', async () => {
      const { body } = await get(`/api/devices?${q({ 'filter[device]': A })}`);
      expect(body.data.map((d) => d.id)).toEqual([A]);
      expect((await get(`/api/devices?${q({ 'filter[search]': sfx })}`)).body.meta.total).toBe(4);
      expect((await get(`/api/devices?${q({ 'filter[device]': sfx })}`)).body.meta.total).toBe(0);
      expect((await get(`/api/devices?${q({ 'filter[device]': "' OR 1=1 --" })}`)).body.meta.total).toBe(0);
    });

    it('filter[search] with LIKE wildcards matches them literally', async () => {
      expect((await get(`/api/devices?${q({ 'filter[search]': `%_\\${sfx}` })}`)).body.data.map((d) => d.id)).toEqual([LIKE]);
    });
  });

  it('GET /api/events carries episode and silence events', async () => {
    await waitUntil(() => ({ done: feed.state === 'joined', state: feed.state }), { what: 'the live feed joined', timeoutMs: 60_000 });
    const chunks: string[] = [];
    const req = httpRequest(`${base}/api/events`, (res) => {
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => chunks.push(chunk));
    });
    req.end();
    try {
      await waitUntil(() => ({ done: chunks.length > 0 }), { what: 'the event stream opened', timeoutMs: 10_000 });
      const live: TempAlertEpisode = {
        episodeId: `live${sfx}/${T0}/HIGH`,
        deviceId: `live${sfx}`,
        event: 'OPENED',
        direction: 'HIGH',
        openedAt: T0,
        resolvedAt: null,
        firstTemperatureF: 112,
        peakTemperatureF: 112,
        lastTemperatureF: 112,
        readings: 1,
        durationMs: 0,
        minTemp: 45,
        maxTemp: 110,
        hysteresis: 2,
      };
      const quiet: DeviceSilence = { deviceId: `quiet${sfx}`, event: 'SILENT', lastSeenAt: T0, detectedAt: T0 + 2 * MIN, silenceMs: 2 * MIN };
      const episodeSerde = avroRegistrySerde<TempAlertEpisode>({ registry: clients.registry, schema: tempAlertEpisodeSchema as avro.Schema });
      const silenceSerde = avroRegistrySerde<DeviceSilence>({ registry: clients.registry, schema: deviceSilenceSchema as avro.Schema });
      const p = clients.kafka.producer();
      await p.connect();
      await p.send({ topic: TOPICS.episodes, acks: -1, messages: [{ key: live.deviceId, value: await episodeSerde.serialize(live, TOPICS.episodes) }] });
      await p.send({ topic: TOPICS.silence, acks: -1, messages: [{ key: quiet.deviceId, value: await silenceSerde.serialize(quiet, TOPICS.silence) }] });
      await p.disconnect();
      const blockWith = (text: string) =>
        chunks
          .join('')
          .split('\n\n')
          .find((b) => b.includes(text));
      await waitUntil(() => ({ done: blockWith(`live${sfx}`) !== undefined && blockWith(`quiet${sfx}`) !== undefined }), {
        what: 'both events on the stream',
        timeoutMs: 30_000,
      });
      const episodeBlock = blockWith(`live${sfx}`) ?? '';
      expect(episodeBlock).toMatch(/^event: episode$/m);
      expect(JSON.parse(/^data: (.*)$/m.exec(episodeBlock)?.[1] ?? '{}')).toMatchObject({
        data: { type: 'episodes', id: live.episodeId, attributes: { status: 'OPEN', peakTemperatureF: 112, resolvedAt: null } },
      });
      const silenceBlock = blockWith(`quiet${sfx}`) ?? '';
      expect(silenceBlock).toMatch(/^event: silence$/m);
      expect(silenceBlock).toContain('"event":"SILENT"');
    } finally {
      req.destroy();
    }
  });
});
