/**
 * What every phase shares: the stack, clients on it, the registered schema id, the settings users
 * get by default (cli/config.ts), and small Kafka/MySQL helpers. One stack per bench run.
 */
import { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import { Kafka, logLevel, type Admin } from 'kafkajs';
import mysql from 'mysql2/promise';
import { prepareInfrastructure } from '../app/index.js';
import { registerSchemas, TOPICS } from '../schemas/index.js';
import { createKnex, type SqlPath } from '../sinks/index.js';
import { startStack, type RunningStack, type StackSettings } from '../stack/harness.js';
import type { ChildRuntime } from './topology-process.js';
import { userDefaults, type UserDefaults } from './user-defaults.js';

export interface BenchContext {
  readonly stack: RunningStack;
  readonly settings: StackSettings;
  readonly kafka: Kafka;
  readonly admin: Admin;
  readonly registry: SchemaRegistry;
  readonly readingSchemaId: number;
  readonly defaults: UserDefaults;
  readonly partitions: number;
  /** How topology children are started. */
  readonly childRuntime: ChildRuntime;
  /** How the topology children's readings sink sends rows. */
  readonly pipelineSqlPath: SqlPath;
  /** A fresh database with the pipeline's tables; returns its mysql:// URL. */
  freshDatabase(name: string): Promise<string>;
  /** A group id no earlier run used. */
  freshGroup(phase: string): string;
  close(): Promise<void>;
}

export const quietKafka = (brokers: string[], clientId: string): Kafka => new Kafka({ clientId, brokers, logLevel: logLevel.ERROR });

export async function openContext(
  partitions: number,
  childRuntime: ChildRuntime,
  pipelineSqlPath: SqlPath,
  log: (line: string) => void,
  onStack: (stack: RunningStack) => void,
): Promise<BenchContext> {
  const stack = await startStack({ log: (line) => log(`stack: ${line}`) });
  onStack(stack);
  const { settings } = stack;
  log(`stack: images ${Object.values(stack.images).join(', ')}; up in ${stack.startupSeconds.total.toFixed(1)} s`);
  const kafka = quietKafka(settings.kafkaBrokers, 'bench');
  const admin = kafka.admin();
  await admin.connect();
  const registry = new SchemaRegistry({ host: settings.schemaRegistryUrl });
  const registered = await registerSchemas({ url: settings.schemaRegistryUrl });
  const readingSchemaId = registered.find((r) => r.topic === TOPICS.readings)?.id;
  if (readingSchemaId === undefined) throw new Error('the registry gave no id for the TemperatureReading schema');
  // Topics as users get them (inputs with `partitions` partitions), before anything is produced.
  const knex = createKnex(settings.mysqlUrl);
  try {
    await prepareInfrastructure({ kafka, registry, knex }, { partitions });
  } finally {
    await knex.destroy();
  }
  const stamp = Date.now().toString(36);
  const context: BenchContext = {
    stack,
    settings,
    kafka,
    admin,
    registry,
    readingSchemaId,
    defaults: userDefaults(),
    partitions,
    childRuntime,
    pipelineSqlPath,
    freshGroup: (phase) => `bench-${phase}-${stamp}`,
    async freshDatabase(name) {
      if (!/^[a-z0-9_]+$/.test(name)) throw new Error(`not a plain database name: ${name}`);
      const conn = await mysql.createConnection({ ...settings.mysql });
      try {
        await conn.query(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4`);
      } finally {
        await conn.end();
      }
      const url = new URL(settings.mysqlUrl);
      url.pathname = `/${name}`;
      // The pipeline's own preparation: topics (inputs with `partitions` partitions) and migrations.
      const knex = createKnex(url.toString());
      try {
        await prepareInfrastructure({ kafka, registry, knex }, { partitions });
      } finally {
        await knex.destroy();
      }
      return url.toString();
    },
    async close() {
      await admin.disconnect().catch(() => undefined);
    },
  };
  return context;
}

/**
 * High watermark of every partition of `topic`. Just after the topics are created a broker can still
 * answer "not the leader" (KRaft hands leadership out asynchronously): retriable errors are retried
 * for up to 30 s, which KafkaJS's admin does not do for ListOffsets.
 */
export async function endOffsets(admin: Admin, topic: string): Promise<Map<number, number>> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      const offsets = await admin.fetchTopicOffsets(topic);
      return new Map(offsets.map((o) => [o.partition, Number(o.high)]));
    } catch (err) {
      if (!(err instanceof Error && (err as { retriable?: boolean }).retriable === true) || Date.now() > deadline) throw err;
      await sleep(250);
    }
  }
}

export const sumOffsets = (offsets: ReadonlyMap<number, number>): number => [...offsets.values()].reduce((a, b) => a + b, 0);

/** Records in `topic` now (sum of high watermarks; nothing is ever deleted during a run). */
export async function topicSize(admin: Admin, topic: string): Promise<number> {
  return sumOffsets(await endOffsets(admin, topic));
}

/** Whether `groupId` committed every partition of `topic` up to `ends`. */
export async function committedUpTo(admin: Admin, groupId: string, topic: string, ends: ReadonlyMap<number, number>): Promise<boolean> {
  const [result] = await admin.fetchOffsets({ groupId, topics: [topic] });
  const committed = new Map((result?.partitions ?? []).map((p) => [p.partition, Number(p.offset)]));
  for (const [partition, end] of ends) if ((committed.get(partition) ?? -1) < end) return false;
  return true;
}

/** Rows in the `temperature` table of the database at `url`. */
export async function countRows(settings: StackSettings, url: string, table = 'temperature'): Promise<number> {
  const database = new URL(url).pathname.slice(1);
  const conn = await mysql.createConnection({ ...settings.mysql, database });
  try {
    const [rows] = await conn.query<mysql.RowDataPacket[]>(`SELECT COUNT(*) AS n FROM \`${table}\``);
    return Number(rows[0]?.n ?? 0);
  } finally {
    await conn.end();
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
