import { request as httpRequest, type IncomingMessage } from 'node:http';
import type avro from 'avsc';
import { Validator } from '@seriousme/openapi-schema-validator';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { kafkaAlertFeed, buildApiServer, type AlertFeed } from '../../api/index.js';
import { createTemperatureRunner, DeadLetterTools, prepareInfrastructure } from '../../app/index.js';
import { registerSchemas, tempRangeAlertSchema, temperatureReadingSchema, TOPICS, type TempRangeAlert, type TemperatureReading } from '../../schemas/index.js';
import { toMysqlDatetime } from '../../sinks/index.js';
import { avroRegistrySerde, DLQ_HEADERS, type KafkaTopologyRunner } from '../../topology/index.js';
import { runCliForTest } from '../../cli/testing.js';
import { cliEnv } from '../support/cli-process.js';
import { TopicCollector } from '../support/kafka-probes.js';
import { uniqueName } from '../support/names.js';
import { createTestDatabase, dataTag, stackClients, type StackClients, type TestDatabase } from '../support/pipeline-env.js';
import { waitUntil } from '../support/wait.js';

/**
 * The API server (api/) in process on the real stack: its own database with fixture rows for the
 * read API, the pipeline running for the re-drive, and the alert topic for the live events.
 */
const T0 = Date.UTC(2026, 4, 1, 8, 0, 0);
const MIN = 60_000;
const TOKEN = 'integration-test-token-0123456789';

interface Doc {
  data: { type: string; id: string; attributes: Record<string, unknown>; links?: Record<string, string> }[];
  meta: Record<string, unknown> & { total: number };
  links: { self: string; next: string | null; prev: string | null; first: string; last: string };
}

describe('the API on the real stack', () => {
  const stack = inject('stack');
  const tag = dataTag();
  const sfx = `~${tag}`;
  const A = `a${sfx}`;
  const B = `b${sfx}`;
  const QUOTE = `x' OR 1=1 --${sfx}`;
  const BACKSLASH = `back\\slash%_${sfx}`;
  let db: TestDatabase;
  let clients: StackClients;
  let app: FastifyInstance;
  let base: string;
  let feed: AlertFeed;
  let tools: DeadLetterTools;
  let runner: KafkaTopologyRunner | undefined;

  const get = async (url: string): Promise<{ status: number; body: Doc & { errors?: { status: string; source?: { parameter?: string } }[] } }> => {
    const res = await app.inject({ method: 'GET', url });
    return { status: res.statusCode, body: res.json() };
  };
  const ids = (doc: Doc, attribute: string) => doc.data.map((r) => r.attributes[attribute]);
  const q = (params: Record<string, string>) => new URLSearchParams(params).toString();

  beforeAll(async () => {
    db = await createTestDatabase(stack, uniqueName('api'));
    clients = stackClients(stack, { databaseUrl: db.url, clientId: 'api-test' });
    await registerSchemas({ url: stack.schemaRegistryUrl });
    await prepareInfrastructure(clients, {});
    const reading = (device: string, at: number, temperature: number, unit = 'FAHRENHEIT', offset = 0) => ({
      device_id: device,
      reading_time: toMysqlDatetime(at),
      temperature,
      unit,
      received_at: toMysqlDatetime(at + 500),
      source_topic: TOPICS.readings,
      source_partition: 0,
      source_offset: String(offset),
    });
    await clients
      .knex('temperature')
      .insert([
        reading(A, T0, 70),
        reading(A, T0 + MIN, 120),
        reading(A, T0 + 2 * MIN, 20, 'CELSIUS'),
        reading(B, T0, 50),
        reading(B, T0 + MIN, 30),
        reading(QUOTE, T0, 71),
        reading(BACKSLASH, T0, 72),
      ]);
    const alert = (device: string, at: number, rule: string, direction: string, fahrenheit: number, bound: number) => ({
      device_id: device,
      reading_time: toMysqlDatetime(at),
      rule,
      direction,
      temperature: fahrenheit,
      unit: 'FAHRENHEIT',
      temperature_f: fahrenheit,
      bound,
      min_temp: 45,
      max_temp: 110,
      source_topic: TOPICS.readings,
      source_partition: 0,
      source_offset: '1',
      created_at: toMysqlDatetime(at + 1000),
    });
    await clients.knex('temp_range_alert').insert([alert(A, T0 + MIN, 'range', 'HIGH', 120, 110), alert(B, T0 + MIN, 'range', 'LOW', 30, 45)]);

    feed = kafkaAlertFeed({ kafka: clients.kafka, registry: clients.registry, logger: clients.logger, groupPrefix: uniqueName('api_feed') });
    tools = new DeadLetterTools({ kafka: clients.kafka, registry: clients.registry, knex: clients.knex, logger: clients.logger });
    app = await buildApiServer({
      knex: clients.knex,
      limits: { minTemp: 45, maxTemp: 110 },
      security: { host: '127.0.0.1', token: TOKEN, tokenName: 'tester' },
      deadLetters: tools,
      alertFeed: feed,
    });
    base = await app.listen({ host: '127.0.0.1', port: 0 });
    await feed.start();
  });

  afterAll(async () => {
    await app?.close();
    await feed?.stop();
    await tools?.close();
    await runner?.stop().catch(() => undefined);
    await clients?.close().catch(() => undefined);
    await db?.drop().catch(() => undefined);
  });

  describe('GET /api/readings', () => {
    it('filter[device]: exactly that device, newest first, with meta.total', async () => {
      const { status, body } = await get(`/api/readings?${q({ 'filter[device]': A })}`);
      expect(status).toBe(200);
      expect(body.meta.total).toBe(3);
      expect(ids(body, 'readingTime')).toEqual([T0 + 2 * MIN, T0 + MIN, T0].map((t) => new Date(t).toISOString()));
      expect(body.data[0]).toMatchObject({ type: 'readings', attributes: { deviceId: A, temperature: 20, unit: 'CELSIUS', temperatureF: 68 } });
    });

    it('filter[from] (ISO-8601) and filter[to] (epoch ms), inclusive', async () => {
      expect((await get(`/api/readings?${q({ 'filter[device]': A, 'filter[from]': new Date(T0 + MIN).toISOString() })}`)).body.meta.total).toBe(2);
      expect((await get(`/api/readings?${q({ 'filter[device]': A, 'filter[to]': String(T0 + MIN) })}`)).body.meta.total).toBe(2);
      expect((await get(`/api/readings?${q({ 'filter[device]': A, 'filter[from]': String(T0 + MIN), 'filter[to]': String(T0 + MIN) })}`)).body.meta.total).toBe(
        1,
      );
    });

    it('filter[minTemperature], filter[maxTemperature] and filter[unit]', async () => {
      const { body } = await get(`/api/readings?${q({ 'filter[device]': A, 'filter[minTemperature]': '60', 'filter[maxTemperature]': '100' })}`);
      expect(ids(body, 'temperature')).toEqual([70]);
      expect(ids((await get(`/api/readings?${q({ 'filter[device]': A, 'filter[unit]': 'CELSIUS' })}`)).body, 'temperature')).toEqual([20]);
    });

    it('sort ascending and descending', async () => {
      expect(ids((await get(`/api/readings?${q({ 'filter[device]': A, sort: 'temperature' })}`)).body, 'temperature')).toEqual([20, 70, 120]);
      expect(ids((await get(`/api/readings?${q({ 'filter[device]': A, sort: '-temperature' })}`)).body, 'temperature')).toEqual([120, 70, 20]);
    });

    it('pages with links that follow', async () => {
      const first = (await get(`/api/readings?${q({ 'filter[device]': A, sort: 'readingTime', 'page[limit]': '2' })}`)).body;
      expect(first.data).toHaveLength(2);
      expect(first.meta).toMatchObject({ total: 3, offset: 0, limit: 2 });
      expect(first.links.prev).toBeNull();
      expect(first.links.next).not.toBeNull();
      const second = (await get(first.links.next ?? '')).body;
      expect(ids(second, 'temperature')).toEqual([20]);
      expect(second.links.next).toBeNull();
      expect(second.links.prev).not.toBeNull();
      expect((await get(first.links.last)).body.data).toHaveLength(1);
    });

    it('fields[readings] returns only the attributes asked for', async () => {
      const { body } = await get(`/api/readings?${q({ 'filter[device]': B, 'fields[readings]': 'temperature' })}`);
      expect(body.data.map((r) => r.attributes)).toEqual([{ temperature: 30 }, { temperature: 50 }]);
    });

    it('a filter value with SQL metacharacters matches that value and nothing else', async () => {
      expect(ids((await get(`/api/readings?${q({ 'filter[device]': QUOTE })}`)).body, 'deviceId')).toEqual([QUOTE]);
      expect(ids((await get(`/api/readings?${q({ 'filter[device]': BACKSLASH })}`)).body, 'deviceId')).toEqual([BACKSLASH]);
      expect((await get(`/api/readings?${q({ 'filter[device]': "' OR 1=1 --" })}`)).body.meta.total).toBe(0);
      expect((await get(`/api/readings?${q({ 'filter[device]': `x\\' OR 1=1 --${sfx}` })}`)).body.meta.total).toBe(0);
      expect((await get(`/api/readings?${q({ 'filter[device]': A, sort: 'temperature' })}`)).status).toBe(200);
    });

    it.each([
      ['filter[from]', 'yesterday'],
      ['filter[minTemperature]', '1 OR 1=1'],
      ['sort', 'temperature;DROP TABLE temperature'],
      ['page[limit]', '100000'],
      ['page[offset]', '-5'],
      ['filter[colour]', 'red'],
    ])('%s=%s → 400 naming it', async (parameter, value) => {
      const { status, body } = await get(`/api/readings?${q({ [parameter]: value })}`);
      expect(status).toBe(400);
      expect(body.errors?.[0]?.source?.parameter).toBe(parameter);
    });
  });

  describe('GET /api/alerts', () => {
    it('filters by device, direction, rule and °F, and sorts', async () => {
      expect(ids((await get(`/api/alerts?${q({ 'filter[device]': B })}`)).body, 'direction')).toEqual(['LOW']);
      const low = (
        await get(`/api/alerts?${q({ 'filter[direction]': 'LOW', 'filter[rule]': 'range', 'filter[to]': String(T0 + MIN), 'filter[from]': String(T0 + MIN) })}`)
      ).body;
      expect(ids(low, 'deviceId')).toContain(B);
      expect(ids(low, 'deviceId')).not.toContain(A);
      const hot = (
        await get(
          `/api/alerts?${q({ 'filter[minTemperature]': '100', 'filter[maxTemperature]': '125', 'filter[from]': String(T0), 'filter[to]': String(T0 + MIN) })}`,
        )
      ).body;
      expect(ids(hot, 'deviceId')).toEqual([A]);
      const sorted = (await get(`/api/alerts?${q({ 'filter[from]': String(T0), 'filter[to]': String(T0 + MIN), sort: '-temperatureF' })}`)).body;
      expect(ids(sorted, 'temperatureF')).toEqual([120, 30]);
      expect(sorted.data[0]?.attributes).toMatchObject({ rule: 'range', bound: 110, notifiedAt: null });
    });

    it('filter[direction]=SIDEWAYS → 400 naming it', async () => {
      const { status, body } = await get('/api/alerts?filter[direction]=SIDEWAYS');
      expect(status).toBe(400);
      expect(body.errors?.[0]?.source?.parameter).toBe('filter[direction]');
    });
  });

  describe('GET /api/devices', () => {
    it('each device with its last reading and status, searchable and paged', async () => {
      const { body } = await get(`/api/devices?${q({ 'filter[search]': sfx })}`);
      expect(body.meta.total).toBe(4);
      const a = body.data.find((d) => d.id === A);
      expect(a?.attributes).toMatchObject({
        lastReadingTime: new Date(T0 + 2 * MIN).toISOString(),
        lastTemperature: 20,
        lastUnit: 'CELSIUS',
        lastTemperatureF: 68,
        status: 'in-range',
        readingCount: 3,
      });
      expect(body.data.find((d) => d.id === B)?.attributes).toMatchObject({ status: 'out-of-range', lastTemperature: 30 });
      const out = (await get(`/api/devices?${q({ 'filter[search]': sfx, 'filter[status]': 'out-of-range' })}`)).body;
      expect(out.data.map((d) => d.id)).toEqual([B]);
      const paged = (await get(`/api/devices?${q({ 'filter[search]': sfx, sort: '-lastReadingTime,deviceId', 'page[limit]': '1' })}`)).body;
      expect(paged.data.map((d) => d.id)).toEqual([A]);
      expect(paged.meta.total).toBe(4);
    });

    it('filter[search] takes % and _ literally', async () => {
      expect((await get(`/api/devices?${q({ 'filter[search]': `%_${sfx}` })}`)).body.data.map((d) => d.id)).toEqual([BACKSLASH]);
      expect((await get(`/api/devices?${q({ 'filter[search]': `\\slash%_${sfx}` })}`)).body.data.map((d) => d.id)).toEqual([BACKSLASH]);
      expect((await get(`/api/devices?${q({ 'filter[search]': `' OR 1=1 --${sfx}` })}`)).body.data.map((d) => d.id)).toEqual([QUOTE]);
    });
  });

  it('serves an OpenAPI document that validates', async () => {
    const res = await app.inject({ method: 'GET', url: '/openapi.json' });
    const result = await new Validator().validate(res.json<Record<string, unknown>>());
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
  });

  it('GET /api/events delivers an alert produced to TempRangeAlert', async () => {
    await waitUntil(() => ({ done: feed.state === 'joined', state: feed.state }), { what: 'the live alert feed joined', timeoutMs: 60_000 });
    const events: string[] = [];
    let response: IncomingMessage | undefined;
    const req = httpRequest(`${base}/api/events`, (res) => {
      response = res;
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => events.push(chunk));
    });
    req.end();
    try {
      await waitUntil(() => ({ done: events.length > 0 }), { what: 'the event stream opened', timeoutMs: 10_000 });
      expect(response?.headers['content-type']).toMatch(/^text\/event-stream/);
      const serde = avroRegistrySerde<TempRangeAlert>({ registry: clients.registry, schema: tempRangeAlertSchema as avro.Schema });
      const live: TempRangeAlert = {
        reading: { deviceId: `live${sfx}`, readingTime: T0 + 5 * MIN, temperature: 130, unit: 'FAHRENHEIT' },
        rule: 'range',
        direction: 'HIGH',
        temperatureFahrenheit: 130,
        bound: 110,
        minTemp: 45,
        maxTemp: 110,
        sourceTopic: TOPICS.readings,
        sourcePartition: 0,
        sourceOffset: '7',
      };
      const bytes = await serde.serialize(live, TOPICS.alerts);
      const p = clients.kafka.producer();
      await p.connect();
      await p.send({ topic: TOPICS.alerts, acks: -1, messages: [{ key: live.reading.deviceId, value: bytes }] });
      await p.disconnect();
      await waitUntil(() => ({ done: events.join('').includes(`live${sfx}`) }), { what: 'the alert arrived as an SSE event', timeoutMs: 30_000 });
      const block =
        events
          .join('')
          .split('\n\n')
          .find((b) => b.includes(`live${sfx}`)) ?? '';
      expect(block).toMatch(/^event: alert$/m);
      const data = JSON.parse(/^data: (.*)$/m.exec(block)?.[1] ?? '{}') as { data: { type: string; attributes: Record<string, unknown> } };
      expect(data.data).toMatchObject({ type: 'alerts', attributes: { deviceId: `live${sfx}`, direction: 'HIGH', temperatureF: 130, createdAt: null } });
    } finally {
      req.destroy();
    }
  });

  describe('dead letters', () => {
    const rule = `api-test-${tag}`;
    const device = `dead${sfx}`;
    let id = '';

    beforeAll(async () => {
      // A reading the sink once refused (say, the database was down): a valid record, dead-lettered.
      const reading: TemperatureReading = { deviceId: device, readingTime: T0 + 9 * MIN, temperature: 66, unit: 'FAHRENHEIT' };
      const bytes = await serializeReading(reading);
      const p = clients.kafka.producer();
      await p.connect();
      await p.send({
        topic: 'temperature-readings-dlq',
        acks: -1,
        messages: [
          {
            key: device,
            value: bytes,
            headers: {
              'trace-id': 'abc',
              [DLQ_HEADERS.sourceTopic]: TOPICS.readings,
              [DLQ_HEADERS.sourcePartition]: '0',
              [DLQ_HEADERS.sourceOffset]: '12345',
              [DLQ_HEADERS.errorClass]: 'sink',
              [DLQ_HEADERS.errorMessage]: 'database unavailable',
              [DLQ_HEADERS.rule]: rule,
              [DLQ_HEADERS.failedAt]: new Date().toISOString(),
            },
          },
        ],
      });
      await p.disconnect();
    });

    async function serializeReading(reading: TemperatureReading): Promise<Buffer> {
      const serde = avroRegistrySerde<TemperatureReading>({ registry: clients.registry, schema: temperatureReadingSchema as avro.Schema });
      const bytes = await serde.serialize(reading, TOPICS.readings);
      if (!bytes) throw new Error('no bytes');
      return bytes;
    }

    it('GET /api/dead-letters filters by rule and shows reason, headers and the decoded value', async () => {
      const { status, body } = await get(`/api/dead-letters?${q({ 'filter[rule]': rule })}`);
      expect(status, JSON.stringify(body)).toBe(200);
      expect(body.meta.total).toBe(1);
      const letter = body.data[0];
      id = letter?.id ?? '';
      expect(letter?.attributes).toMatchObject({
        topic: 'temperature-readings-dlq',
        key: device,
        headers: { 'trace-id': 'abc' },
        reason: { sourceTopic: TOPICS.readings, sourcePartition: 0, sourceOffset: '12345', errorClass: 'sink', rule, valueOmitted: false },
        decoded: { ok: true, value: { deviceId: device, temperature: 66 } },
        redrive: null,
      });
      expect((await get(`/api/dead-letters?${q({ 'filter[rule]': rule, 'filter[errorClass]': 'validation' })}`)).body.meta.total).toBe(0);
      expect(
        (
          await get(
            `/api/dead-letters?${q({ 'filter[rule]': rule, 'filter[minSourceOffset]': '12345', 'filter[maxSourceOffset]': '12345', 'filter[sourcePartition]': '0' })}`,
          )
        ).body.meta.total,
      ).toBe(1);
      expect((await get(`/api/dead-letters?${q({ 'filter[rule]': rule, 'filter[to]': '1000' })}`)).body.meta.total).toBe(0);
      const shown = await app.inject({ method: 'GET', url: `/api/dead-letters/${id}` });
      expect(shown.statusCode).toBe(200);
      expect(shown.json<{ data: { id: string } }>().data.id).toBe(id);
    });

    it('re-drive needs the token, and twice stores the reading once and records one re-drive', async () => {
      const [topic, partition, offset] = id.split('/');
      const payload = { deadLetters: [{ topic, partition: Number(partition), offset }] };
      expect((await app.inject({ method: 'POST', url: '/api/dead-letters/redrive', payload })).statusCode).toBe(401);
      expect(
        (await app.inject({ method: 'POST', url: '/api/dead-letters/redrive', payload, headers: { authorization: 'Bearer wrong-token-wrong-token' } }))
          .statusCode,
      ).toBe(403);

      const collector = await TopicCollector.start(clients.kafka, { groupId: uniqueName('api_collect'), topics: [TOPICS.readings] });
      const groupId = uniqueName('api_pipeline');
      const temperature = createTemperatureRunner(clients, { groupId, minTemp: 45, maxTemp: 110, commitIntervalMs: 100, sinkBatching: { lingerMs: 20 } });
      runner = temperature.runner;
      await runner.start();

      const auth = { authorization: `Bearer ${TOKEN}` };
      const first = await app.inject({ method: 'POST', url: '/api/dead-letters/redrive', payload, headers: auth });
      expect(first.statusCode, first.body).toBe(200);
      expect(first.json()).toMatchObject({ data: [{ attributes: { outcome: 'redriven', sourceTopic: TOPICS.readings } }], meta: { redriven: 1 } });
      const second = await app.inject({ method: 'POST', url: '/api/dead-letters/redrive', payload, headers: auth });
      expect(second.json()).toMatchObject({
        data: [{ attributes: { outcome: 'already-redriven', previous: { by: 'tester' } } }],
        meta: { 'already-redriven': 1, redriven: 0 },
      });

      await waitUntil(
        async () => {
          const [{ n }] = (await clients.knex('temperature').where('device_id', device).count({ n: '*' })) as [{ n: number }];
          return { done: Number(n) === 1, state: `rows ${n}` };
        },
        { what: 'the re-driven reading stored', timeoutMs: 120_000, intervalMs: 250 },
      );
      const admin = clients.kafka.admin();
      await admin.connect();
      try {
        await collector.caughtUp(admin, 60_000);
      } finally {
        await admin.disconnect();
        await collector.stop();
      }
      const copies = collector.messages.filter((m) => m.key?.toString() === device);
      expect(copies).toHaveLength(1);
      expect(Object.keys(copies[0]?.headers ?? {})).toEqual(['trace-id']);
      const redrives = (await clients.knex('dead_letter_redrive').where({ dlq_topic: topic, dlq_partition: Number(partition), dlq_offset: offset })) as {
        redriven_by: string;
        source_topic: string;
        produced_at: string | null;
      }[];
      expect(redrives).toHaveLength(1);
      expect(redrives[0]).toMatchObject({ redriven_by: 'tester', source_topic: TOPICS.readings });
      expect(redrives[0]?.produced_at).not.toBeNull();
      const [{ n }] = (await clients.knex('temperature').where('device_id', device).count({ n: '*' })) as [{ n: number }];
      expect(Number(n)).toBe(1);
      expect((await get(`/api/dead-letters/${id}`)).body).toMatchObject({ data: { attributes: { redrive: { by: 'tester' } } } });
    });

    it('tempstream dlq list|show|redrive: the same dead letter, the same record of its re-drive', async () => {
      const env = cliEnv(stack, { mysqlUrl: db.url, groupId: uniqueName('api_cli') });
      const list = await runCliForTest(['dlq', 'list', '--rule', rule], env);
      expect(list.code, list.stderr).toBe(0);
      expect(list.stdout).toContain(id);
      expect(list.stdout).toContain('tester');
      const show = await runCliForTest(['dlq', 'show', id], env);
      expect(show.code, show.stderr).toBe(0);
      expect(JSON.parse(show.stdout)).toMatchObject({ id, attributes: { decoded: { ok: true, value: { deviceId: device } } } });
      const again = await runCliForTest(['dlq', 'redrive', id], env);
      expect(again.code, again.stderr).toBe(0);
      expect(again.stdout).toMatch(/already-redriven/);
      const [{ n }] = (await clients.knex('dead_letter_redrive').where({ dlq_topic: 'temperature-readings-dlq' }).count({ n: '*' })) as [{ n: number }];
      expect(Number(n)).toBe(1);
    });
  });
});
