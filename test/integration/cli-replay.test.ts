import type avro from 'avsc';
import type { Admin, Producer } from 'kafkajs';
import mysql from 'mysql2/promise';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { prepareInfrastructure } from '../../app/index.js';
import { registerSchemas, temperatureReadingSchema, TOPICS, type TemperatureReading } from '../../schemas/index.js';
import { createKnex } from '../../sinks/index.js';
import { avroRegistrySerde } from '../../topology/index.js';
import { cliEnv, killAllCli, runCli } from '../support/cli-process.js';
import { committedOffsets } from '../support/kafka-probes.js';
import { uniqueName } from '../support/names.js';
import { createTestDatabase, dataTag, stackClients, type StackClients, type TestDatabase } from '../support/pipeline-env.js';

/**
 * Issue 5: `tempstream replay --from T1 --to T2` as a child process. Readings are produced with known
 * record timestamps before, inside and after [T1, T2); the replay into a fresh database must store
 * exactly the ones inside, a second identical replay must store nothing new, a live consumer group
 * must keep its committed offsets, and --dry-run must print the plan and write nothing.
 *
 * The record timestamps are a few seconds in the future and increase with the offsets, so on every
 * partition the first offset at or after T1/T2 is one of this file's records or the end of the log.
 */
const WINDOW_GAP_MS = 10_000;

interface Produced {
  readonly reading: TemperatureReading;
  readonly timestamp: number;
  readonly phase: 'before' | 'inside' | 'after';
  readonly legal: boolean;
}

const isoSeconds = (ms: number): string => new Date(ms).toISOString().replace('.000Z', 'Z');
const summaryNumber = (stdout: string, label: string): number => {
  const m = new RegExp(`^\\s+${label}\\s+(\\d+)`, 'm').exec(stdout);
  if (!m) throw new Error(`the replay summary has no "${label}" line:\n${stdout}`);
  return Number(m[1]);
};

describe('tempstream replay (child process): a time window, twice, and a dry run', () => {
  const stack = inject('stack');
  const sfx = `~${dataTag()}`;
  const liveGroup = uniqueName('cli_replay_live');
  let scratch: TestDatabase;
  let target: TestDatabase;
  let dryTarget: TestDatabase;
  let clients: StackClients;
  let admin: Admin;
  let producer: Producer;
  const produced: Produced[] = [];
  let T1 = 0;
  let T2 = 0;

  beforeAll(async () => {
    scratch = await createTestDatabase(stack, uniqueName('cli_replay_scratch'));
    target = await createTestDatabase(stack, uniqueName('cli_replay'));
    dryTarget = await createTestDatabase(stack, uniqueName('cli_replay_dry'));
    clients = stackClients(stack, { databaseUrl: scratch.url, clientId: 'cli-replay-test' });
    await registerSchemas({ url: stack.schemaRegistryUrl });
    // Topics as the CLI makes them (the scratch database only takes the migrations).
    await prepareInfrastructure(clients, {});
    admin = clients.kafka.admin();
    await admin.connect();
    producer = clients.kafka.producer({ allowAutoTopicCreation: false });
    await producer.connect();

    const serde = avroRegistrySerde<TemperatureReading>({ registry: clients.registry, schema: temperatureReadingSchema as avro.Schema });
    const base = Math.ceil(Date.now() / 1000) * 1000 + 5_000;
    T1 = base + WINDOW_GAP_MS;
    T2 = base + 2 * WINDOW_GAP_MS;
    let n = 0;
    const send = async (phase: Produced['phase'], device: string, temperature: number, timestamp: number) => {
      const reading: TemperatureReading = { deviceId: `${device}${sfx}`, readingTime: Date.UTC(2026, 4, 1) + ++n * 60_000, temperature, unit: 'FAHRENHEIT' };
      const value = await serde.serialize(reading, TOPICS.readings);
      if (value === null) throw new Error('no Avro bytes for a reading');
      await producer.send({ topic: TOPICS.readings, acks: -1, messages: [{ key: reading.deviceId, value, timestamp: String(timestamp) }] });
      produced.push({ reading, timestamp, phase, legal: temperature >= 32 && temperature <= 132 });
    };
    for (let i = 0; i < 4; i++) await send('before', `before-${i}`, 70, base + i * 100);
    await send('inside', 'inside-0', 70, T1); // exactly at T1: included
    for (let i = 1; i < 5; i++) await send('inside', `inside-${i}`, 60 + i, T1 + i * 100);
    await send('inside', 'inside-alert', 125, T1 + 600);
    await send('inside', 'inside-illegal', 140, T1 + 700);
    await send('after', 'after-0', 70, T2); // exactly at T2: excluded
    for (let i = 1; i < 4; i++) await send('after', `after-${i}`, 70, T2 + i * 100);
  });

  afterEach(async () => {
    await killAllCli();
  });

  afterAll(async () => {
    await killAllCli();
    await producer?.disconnect().catch(() => undefined);
    await admin?.disconnect().catch(() => undefined);
    await clients?.close().catch(() => undefined);
    for (const db of [scratch, target, dryTarget]) await db?.drop().catch(() => undefined);
  });

  const inside = () => produced.filter((p) => p.phase === 'inside');
  const windowArgs = () => ['replay', '--from', isoSeconds(T1), '--to', isoSeconds(T2), '--no-dlq'];

  it('--dry-run prints the plan of exactly the window and writes nothing', async () => {
    const r = await runCli([...windowArgs(), '--dry-run'], cliEnv(stack, { mysqlUrl: dryTarget.url, groupId: uniqueName('cli_replay_dry') }));
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`Replay plan for ${TOPICS.readings} (from ${new Date(T1).toISOString()} to ${new Date(T2).toISOString()})`);
    expect(r.stdout).toMatch(new RegExp(`Total: ${inside().length} record\\(s\\)`));
    expect(r.stdout).not.toMatch(/Replay of /);
    const conn = await mysql.createConnection({ ...stack.mysql });
    try {
      const [tables] = await conn.query('SELECT table_name FROM information_schema.tables WHERE table_schema = ?', [dryTarget.name]);
      expect(tables).toEqual([]);
    } finally {
      await conn.end();
    }
  });

  it('backfills exactly [T1, T2), is idempotent, and leaves a live group’s offsets alone', async () => {
    const env = cliEnv(stack, { mysqlUrl: target.url, groupId: liveGroup });
    const migrated = await runCli(['migrate'], env);
    expect(migrated.code, migrated.stderr).toBe(0);

    // A live group with committed offsets on every partition (an empty group: admin may set them).
    const ends = await admin.fetchTopicOffsets(TOPICS.readings);
    await admin.setOffsets({ groupId: liveGroup, topic: TOPICS.readings, partitions: ends.map((e) => ({ partition: e.partition, offset: e.low })) });
    const before = await committedOffsets(admin, liveGroup, TOPICS.readings);
    expect(before.size).toBe(ends.length);

    const knex = createKnex(target.url);
    try {
      const ours = async () =>
        (await knex('temperature').select('device_id', 'reading_time').whereRaw('RIGHT(device_id, ?) = ?', [sfx.length, sfx]).orderBy('device_id')) as {
          device_id: string;
        }[];
      const total = async () => Number(((await knex('temperature').count<{ n: number }[]>({ n: '*' }))[0] ?? { n: -1 }).n);

      const first = await runCli(windowArgs(), env, 90_000);
      expect(first.code, first.stderr).toBe(0);
      const storable = inside().filter((p) => p.legal);
      expect(first.stdout).toMatch(new RegExp(`read\\s+${inside().length}\\s+of ${inside().length} planned`));
      expect(summaryNumber(first.stdout, 'stored')).toBe(storable.length);
      expect(summaryNumber(first.stdout, 'already present')).toBe(0);
      expect(summaryNumber(first.stdout, 'dead-lettered')).toBe(1);
      expect((await ours()).map((r) => r.device_id)).toEqual(storable.map((p) => p.reading.deviceId).sort());
      expect(await total()).toBe(storable.length);

      const second = await runCli(windowArgs(), env, 90_000);
      expect(second.code, second.stderr).toBe(0);
      expect(summaryNumber(second.stdout, 'stored')).toBe(0);
      expect(summaryNumber(second.stdout, 'already present')).toBe(storable.length);
      expect(await total()).toBe(storable.length);
    } finally {
      await knex.destroy();
    }

    expect(await committedOffsets(admin, liveGroup, TOPICS.readings)).toEqual(before);
  });
});
