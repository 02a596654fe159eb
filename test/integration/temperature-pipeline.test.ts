import type { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import type avro from 'avsc';
import type { Admin } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createAlertRunner, createTemperatureRunner, prepareInfrastructure, type Notifier } from '../../app/index.js';
import { dlqTopicFor, registerSchemas, tempRangeAlertSchema, TOPICS, type TemperatureReading, type TempRangeAlert } from '../../schemas/index.js';
import { toMysqlDatetime, type MysqlReadingsSink } from '../../sinks/index.js';
import { avroRegistrySerde, readDlqHeaders, writeWire, type KafkaTopologyRunner } from '../../topology/index.js';
import { TopicCollector, waitForCommitted, waitForGroupAtEnd, type CollectedMessage, type Position } from '../support/kafka-probes.js';
import { uniqueName } from '../support/names.js';
import { createTestDatabase, dataTag, ReadingProducer, stackClients, type StackClients, type TestDatabase } from '../support/pipeline-env.js';

/**
 * Issue 4's acceptance test: a mixed batch through the pipeline as users run it (app/pipeline.ts),
 * every record followed to its one destination, then the whole input replayed by a new group.
 * Topics are shared with other test files; this file's records are the ones whose key (and device
 * id) ends in its tag.
 */
const DLQ = dlqTopicFor(TOPICS.readings);
const LIMITS = { minTemp: 40, maxTemp: 120 } as const;
const T0 = Date.UTC(2026, 2, 1, 8, 0, 0);
const UNKNOWN_SCHEMA_ID = 2_000_000_000;
const WAIT_MS = 60_000;

type Fate =
  | { readonly kind: 'stored'; readonly alert?: { readonly direction: 'HIGH' | 'LOW'; readonly bound: number; readonly fahrenheit: number } }
  | { readonly kind: 'duplicate-of'; readonly of: string }
  | {
      readonly kind: 'dlq';
      readonly errorClass: 'validation' | 'deserialization';
      readonly rule?: string;
      readonly schemaId?: 'readings' | 'humidity' | number;
    };

interface Sent {
  readonly name: string;
  readonly key: string;
  readonly bytes: Buffer;
  readonly position: Position;
  readonly reading?: TemperatureReading;
  readonly fate: Fate;
}

interface TemperatureRow {
  id: string;
  device_id: string;
  reading_time: string;
  temperature: number;
  unit: string;
  received_at: string;
  source_topic: string;
  source_partition: number;
  source_offset: string;
}

describe('the temperature pipeline on the real stack: a mixed batch, then a replay', () => {
  const stack = inject('stack');
  const tag = dataTag();
  const sfx = `~${tag}`;
  const ours = (key: Buffer | string | null) => key !== null && key.toString().endsWith(sfx);

  let db: TestDatabase;
  let clients: StackClients;
  let admin: Admin;
  let producer: ReadingProducer;
  let collector: TopicCollector;
  const running: KafkaTopologyRunner[] = [];
  let first: { runner: KafkaTopologyRunner; sink: MysqlReadingsSink; groupId: string };
  let alertGroup: string;
  const told: TempRangeAlert[] = [];
  const sent: Sent[] = [];
  const schemaIds = { readings: 0, humidity: 0 };

  const rows = async (): Promise<TemperatureRow[]> =>
    (await clients.knex('temperature').select('*').whereRaw('RIGHT(device_id, ?) = ?', [sfx.length, sfx]).orderBy('id')) as TemperatureRow[];
  const alertRows = async (): Promise<Record<string, unknown>[]> =>
    (await clients.knex('temp_range_alert').select('*').whereRaw('RIGHT(device_id, ?) = ?', [sfx.length, sfx]).orderBy('id')) as Record<string, unknown>[];
  const tableSizes = async () => {
    const count = async (table: string) => {
      const [row] = await clients.knex(table).count<{ n: number | string }[]>({ n: '*' });
      return Number(row?.n);
    };
    return { temperature: await count('temperature'), alerts: await count('temp_range_alert') };
  };
  const alertSerdeFor = (registry: SchemaRegistry) => avroRegistrySerde<TempRangeAlert>({ registry, schema: tempRangeAlertSchema as avro.Schema });
  const collectedAlerts = async (): Promise<{ message: CollectedMessage; alert: TempRangeAlert }[]> => {
    const serde = alertSerdeFor(clients.registry);
    const out: { message: CollectedMessage; alert: TempRangeAlert }[] = [];
    for (const message of collector.of(TOPICS.alerts).filter((m) => ours(m.key)))
      out.push({ message, alert: await serde.deserialize(message.value, TOPICS.alerts) });
    return out;
  };
  const collectedDeadLetters = () => collector.of(DLQ).filter((m) => ours(m.key));
  const byName = (name: string): Sent => {
    const s = sent.find((x) => x.name === name);
    if (!s) throw new Error(`no record named ${name}`);
    return s;
  };

  beforeAll(async () => {
    db = await createTestDatabase(stack, uniqueName('pipeline'));
    clients = stackClients(stack, { databaseUrl: db.url, clientId: 'pipeline-test' });
    const registered = await registerSchemas({ url: stack.schemaRegistryUrl });
    schemaIds.readings = registered.find((r) => r.topic === TOPICS.readings)!.id!;
    await prepareInfrastructure(clients, {});
    admin = clients.kafka.admin();
    await admin.connect();
    producer = await ReadingProducer.connect(clients.kafka, clients.registry);
    collector = await TopicCollector.start(clients.kafka, { groupId: uniqueName('pipeline_collector'), topics: [TOPICS.alerts, DLQ] });

    // A record in another schema: registered under its own subject, its wire bytes sent to our topic.
    const humidity = {
      type: 'record' as const,
      name: 'HumidityReading',
      namespace: 'io.tempstream.test',
      fields: [
        { name: 'deviceId', type: 'string' },
        { name: 'humidity', type: 'double' },
      ],
    };
    schemaIds.humidity = (await clients.registry.register(humidity, { subject: `${uniqueName('humidity_readings')}-value` })).id;

    let minute = 0;
    const reading = async (name: string, deviceId: string, temperature: number, unit: TemperatureReading['unit'], fate: Fate) => {
      const r: TemperatureReading = { deviceId: `${deviceId}${sfx}`, readingTime: T0 + ++minute * 60_000, temperature, unit };
      const { bytes, ...position } = await producer.sendReading(r);
      sent.push({ name, key: r.deviceId, bytes, position, reading: r, fate });
    };
    const raw = async (name: string, key: string, bytes: Buffer, fate: Fate) => {
      sent.push({ name, key: `${key}${sfx}`, bytes, position: await producer.sendRaw(`${key}${sfx}`, bytes), fate });
    };
    const F = 'FAHRENHEIT';
    const C = 'CELSIUS';
    const stored = { kind: 'stored' } as const;
    const legalRange = { kind: 'dlq', errorClass: 'validation', rule: 'legal-range', schemaId: 'readings' } as const;
    await reading('normal', 'oven-7', 70, F, stored);
    await reading('normal °C', 'lab-3', 20, C, stored);
    await reading('at MAX_TEMP', 'oven-7', 120, F, stored);
    await reading('at MIN_TEMP', 'freezer-2', 40, F, stored);
    await reading('high', 'oven-7', 125.5, F, { kind: 'stored', alert: { direction: 'HIGH', bound: 120, fahrenheit: 125.5 } });
    await reading('high °C', 'lab-3', 50, C, { kind: 'stored', alert: { direction: 'HIGH', bound: 120, fahrenheit: 122 } });
    await reading('low', 'freezer-2', 35, F, { kind: 'stored', alert: { direction: 'LOW', bound: 40, fahrenheit: 35 } });
    await reading('legal minimum', 'probe-1', 32, F, { kind: 'stored', alert: { direction: 'LOW', bound: 40, fahrenheit: 32 } });
    await reading('legal maximum', 'probe-1', 132, F, { kind: 'stored', alert: { direction: 'HIGH', bound: 120, fahrenheit: 132 } });
    await reading('SQL in the device id', "'; DROP TABLE temperature; --", 70, F, stored);
    await reading('above legal', 'oven-7', 140, F, legalRange);
    await reading('just above legal', 'probe-1', 132.1, F, legalRange);
    await reading('below legal', 'freezer-2', 20, F, legalRange);
    await reading('just below legal', 'probe-1', 31.9, F, legalRange);
    await reading('above legal °C', 'lab-3', 60, C, legalRange);
    await reading('not a number', 'probe-1', Number.NaN, F, legalRange);
    await reading('device id too long', 'd'.repeat(64), 70, F, { kind: 'dlq', errorClass: 'validation', rule: 'device-id', schemaId: 'readings' });
    await raw('not Avro', 'garbage', Buffer.from('{"this is": "not Avro"}'), { kind: 'dlq', errorClass: 'deserialization' });
    await raw('unknown schema id', 'unknown-id', writeWire(UNKNOWN_SCHEMA_ID, Buffer.from([2, 0x61])), {
      kind: 'dlq',
      errorClass: 'deserialization',
      schemaId: UNKNOWN_SCHEMA_ID,
    });
    const humidityBytes = await clients.registry.encode(schemaIds.humidity, { deviceId: `hygro-1${sfx}`, humidity: 41.5 });
    await raw('another schema', 'hygro-1', humidityBytes, { kind: 'dlq', errorClass: 'deserialization', schemaId: 'humidity' });
    // The network delivers the high reading twice: same bytes, a second offset.
    const high = byName('high');
    sent.push({ ...high, name: 'high, delivered again', position: await producer.sendRaw(high.key, high.bytes), fate: { kind: 'duplicate-of', of: 'high' } });

    const groupId = uniqueName('pipeline_temperature');
    const temperature = createTemperatureRunner(clients, { groupId, ...LIMITS, commitIntervalMs: 100, sinkBatching: { lingerMs: 20 } });
    first = { ...temperature, groupId };
    running.push(temperature.runner);
    await temperature.runner.start();

    const notifier: Notifier = {
      name: 'test',
      notify: (notice) => {
        if (notice.kind === 'alert' && ours(notice.alert.reading.deviceId)) told.push(notice.alert);
        return Promise.resolve();
      },
    };
    alertGroup = uniqueName('pipeline_alerts');
    const alerts = createAlertRunner(clients, { groupId: alertGroup, commitIntervalMs: 100 }, notifier);
    running.push(alerts.runner);
    await alerts.runner.start();

    await waitForCommitted(
      admin,
      groupId,
      sent.map((s) => s.position),
      WAIT_MS,
    );
    // Also everything before our batch, so that the table holds the whole topic before the replay.
    await waitForGroupAtEnd(admin, groupId, TOPICS.readings, WAIT_MS);
    await collector.caughtUp(admin, WAIT_MS);
    await waitForGroupAtEnd(admin, alertGroup, TOPICS.alerts, WAIT_MS);
  });

  afterAll(async () => {
    for (const runner of running) await runner.stop();
    await collector?.stop();
    await producer?.disconnect();
    await admin?.disconnect();
    await clients?.close();
    await db?.drop();
  });

  const expectedRows = () =>
    sent
      .filter((s) => s.fate.kind === 'stored')
      .map((s) => ({
        device_id: s.reading!.deviceId,
        reading_time: toMysqlDatetime(s.reading!.readingTime),
        temperature: s.reading!.temperature,
        unit: s.reading!.unit,
        source_topic: TOPICS.readings,
        source_partition: s.position.partition,
        source_offset: s.position.offset,
      }));

  it('stores every valid reading once, as sent, and nothing else of the batch', async () => {
    const actual = (await rows()).map(({ device_id, reading_time, temperature, unit, source_topic, source_partition, source_offset }) => ({
      device_id,
      reading_time,
      temperature,
      unit,
      source_topic,
      source_partition,
      source_offset,
    }));
    const order = (r: { device_id: string; reading_time: string }) => `${r.reading_time} ${r.device_id}`;
    expect(actual.sort((a, b) => order(a).localeCompare(order(b)))).toEqual(expectedRows().sort((a, b) => order(a).localeCompare(order(b))));
    expect(actual).toHaveLength(10);
    // The duplicate reached the sink and was counted, not stored.
    expect(first.sink.counters.alreadyPresent).toBeGreaterThanOrEqual(1);
  });

  it('sends exactly the expected TempRangeAlerts, one per delivery of each reading beyond a limit', async () => {
    const actual = (await collectedAlerts()).map(({ message, alert }) => ({ key: message.key?.toString(), alert }));
    const expected = sent.flatMap((s) => {
      const origin = s.fate.kind === 'duplicate-of' ? byName(s.fate.of) : s;
      if (origin.fate.kind !== 'stored' || !origin.fate.alert) return [];
      const { direction, bound, fahrenheit } = origin.fate.alert;
      const r = origin.reading!;
      return [
        {
          key: r.deviceId,
          alert: {
            reading: { deviceId: r.deviceId, readingTime: r.readingTime, temperature: r.temperature, unit: r.unit },
            rule: 'temp-range',
            direction,
            temperatureFahrenheit: fahrenheit,
            bound,
            ...LIMITS,
            sourceTopic: TOPICS.readings,
            sourcePartition: s.position.partition,
            sourceOffset: s.position.offset,
          },
        },
      ];
    });
    const order = (x: { alert: TempRangeAlert }) => `${x.alert.sourcePartition}:${x.alert.sourceOffset.padStart(12, '0')}`;
    expect(expected).toHaveLength(6);
    expect(actual.map((a) => ({ ...a, alert: { ...a.alert, reading: { ...a.alert.reading } } })).sort((a, b) => order(a).localeCompare(order(b)))).toEqual(
      expected.sort((a, b) => order(a).localeCompare(order(b))),
    );
  });

  it('stores each alert once in temp_range_alert and tells a person once, the twice-delivered one included', async () => {
    const stored = await alertRows();
    const expected = sent.filter((s) => s.fate.kind === 'stored' && s.fate.alert);
    expect(
      stored
        .map((r) => ({
          device_id: r.device_id,
          reading_time: r.reading_time,
          direction: r.direction,
          source_offset: r.source_offset,
          notified: r.notified_at !== null,
        }))
        .sort((a, b) => String(a.reading_time).localeCompare(String(b.reading_time))),
    ).toEqual(
      expected.map((s) => ({
        device_id: s.reading!.deviceId,
        reading_time: toMysqlDatetime(s.reading!.readingTime),
        direction: s.fate.kind === 'stored' ? s.fate.alert!.direction : '',
        // The first delivery's row; the second is the same finding.
        source_offset: s.position.offset,
        notified: true,
      })),
    );
    expect(told.map((a) => `${a.reading.deviceId}@${a.reading.readingTime}`).sort()).toEqual(
      expected.map((s) => `${s.reading!.deviceId}@${s.reading!.readingTime}`).sort(),
    );
  });

  it('dead-letters every bad record once, untouched, with the reason in its headers', () => {
    const letters = collectedDeadLetters();
    const expected = sent.filter((s) => s.fate.kind === 'dlq');
    expect(letters).toHaveLength(expected.length);
    for (const s of expected) {
      const fate = s.fate as Extract<Fate, { kind: 'dlq' }>;
      const matching = letters.filter(
        (l) => readDlqHeaders(l.headers).sourceOffset === s.position.offset && readDlqHeaders(l.headers).sourcePartition === String(s.position.partition),
      );
      expect(matching, `dead letters of "${s.name}"`).toHaveLength(1);
      const letter = matching[0]!;
      const headers = readDlqHeaders(letter.headers);
      const schemaId = fate.schemaId === undefined ? undefined : String(typeof fate.schemaId === 'number' ? fate.schemaId : schemaIds[fate.schemaId]);
      expect(
        { key: letter.key?.toString(), value: letter.value, ...headers, errorMessage: undefined, failedAt: undefined },
        `dead letter of "${s.name}"`,
      ).toEqual({
        key: s.key,
        value: s.bytes,
        sourceTopic: TOPICS.readings,
        sourcePartition: String(s.position.partition),
        sourceOffset: s.position.offset,
        errorClass: fate.errorClass,
        rule: fate.rule,
        node: fate.errorClass === 'validation' ? 'check-constraints-avro' : 'read-avro',
        schemaId,
        errorMessage: undefined,
        failedAt: undefined,
      });
      expect(headers.errorMessage, `reason of "${s.name}"`).toBeTruthy();
      expect(Number.isNaN(Date.parse(headers.failedAt ?? ''))).toBe(false);
    }
  });

  it('replayed from the beginning by a new group, leaves both tables as they were', async () => {
    await first.runner.stop();
    const rowsBefore = await rows();
    const alertRowsBefore = await alertRows();
    const sizesBefore = await tableSizes();
    const distinct = (values: string[]) => [...new Set(values)].sort();
    const alertIds = (list: { alert: TempRangeAlert }[]) => distinct(list.map(({ alert }) => JSON.stringify(alert)));
    const letterIds = (list: CollectedMessage[]) =>
      distinct(
        list.map((m) => readDlqHeaders(m.headers)).map((h) => `${h.sourcePartition}@${h.sourceOffset} ${h.errorClass} ${h.rule ?? ''} ${h.schemaId ?? ''}`),
      );
    const alertsBefore = await collectedAlerts();
    const lettersBefore = collectedDeadLetters();
    const toldBefore = told.length;

    const replayGroup = uniqueName('pipeline_replay');
    const replay = createTemperatureRunner(clients, { groupId: replayGroup, ...LIMITS, commitIntervalMs: 100, sinkBatching: { lingerMs: 20 } });
    running.push(replay.runner);
    await replay.runner.start();
    await waitForGroupAtEnd(admin, replayGroup, TOPICS.readings, WAIT_MS);
    await collector.caughtUp(admin, WAIT_MS);
    await waitForGroupAtEnd(admin, alertGroup, TOPICS.alerts, WAIT_MS);
    await replay.runner.stop();

    expect(await rows()).toEqual(rowsBefore);
    expect(await alertRows()).toEqual(alertRowsBefore);
    expect(await tableSizes()).toEqual(sizesBefore);
    expect(replay.sink.counters.stored, 'rows the replay added to the table').toBe(0);
    // Ours alone: ten stored readings and the duplicate.
    expect(replay.sink.counters.alreadyPresent).toBeGreaterThanOrEqual(11);
    expect(told, 'a replayed alert tells nobody again').toHaveLength(toldBefore);

    // Topics are at least once: the replay produced its alerts and dead letters again.
    const alertsAfter = await collectedAlerts();
    const lettersAfter = collectedDeadLetters();
    const duplicateAlerts = alertsAfter.length - alertsBefore.length;
    const duplicateLetters = lettersAfter.length - lettersBefore.length;
    console.log(
      `replay: ${duplicateAlerts} duplicate TempRangeAlert and ${duplicateLetters} duplicate ${DLQ} records ` +
        `for this batch's ${alertsBefore.length} alerts and ${lettersBefore.length} dead letters (at-least-once on topics); tables unchanged ` +
        `(replay sink: ${JSON.stringify(replay.sink.counters)})`,
    );
    expect(alertIds(alertsAfter), 'the replay produced no alert that was not there').toEqual(alertIds(alertsBefore));
    expect(letterIds(lettersAfter), 'the replay dead-lettered nothing new').toEqual(letterIds(lettersBefore));
    // Reading everything again, the replay must have produced each of them once more.
    expect(duplicateAlerts).toBeGreaterThanOrEqual(alertsBefore.length);
    expect(duplicateLetters).toBeGreaterThanOrEqual(lettersBefore.length);
  });
});
