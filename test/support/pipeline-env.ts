/**
 * The pieces a test needs to run the temperature pipeline on the real stack the way users run it
 * (app/pipeline.ts): its own database, the clients `PipelineClients` wants, a producer that sends
 * readings as a device does and says where each landed, and a logger that remembers what went wrong.
 */
import { randomBytes } from 'node:crypto';
import { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import type avro from 'avsc';
import { Kafka, logLevel, type Producer } from 'kafkajs';
import type { Knex } from 'knex';
import mysql from 'mysql2/promise';
import type { PipelineClients } from '../../app/index.js';
import { TOPICS, temperatureReadingSchema, type TemperatureReading } from '../../schemas/index.js';
import { createKnex } from '../../sinks/index.js';
import type { StackSettings } from '../../stack/harness.js';
import { avroRegistrySerde, type AvroRegistrySerde, type Logger } from '../../topology/index.js';
import type { Position } from './kafka-probes.js';

/** A short random tag for data isolation: device ids and keys end in `~<tag>`. */
export const dataTag = (): string => randomBytes(4).toString('hex');

export interface TestDatabase {
  readonly name: string;
  /** mysql://root:…@host:port/<name> */
  readonly url: string;
  drop(): Promise<void>;
}

/** CREATE DATABASE on the stack's server (as root): one per test file, so table contents are the file's own. */
export async function createTestDatabase(stack: StackSettings, name: string): Promise<TestDatabase> {
  if (!/^[A-Za-z0-9_]+$/.test(name)) throw new Error(`not a plain database name: ${name}`);
  const conn = await mysql.createConnection({ ...stack.mysql });
  try {
    await conn.query(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4`);
  } finally {
    await conn.end();
  }
  const url = new URL(stack.mysqlUrl);
  url.pathname = `/${name}`;
  return {
    name,
    url: url.toString(),
    drop: async () => {
      const c = await mysql.createConnection({ ...stack.mysql });
      try {
        await c.query(`DROP DATABASE IF EXISTS \`${name}\``);
      } finally {
        await c.end();
      }
    },
  };
}

export function quietKafka(stack: StackSettings, clientId: string): Kafka {
  return new Kafka({ clientId, brokers: stack.kafkaBrokers, logLevel: logLevel.NOTHING });
}

/** Keeps the runtime's warnings and errors (the last 200) so a failed wait can show them. */
export class MemoryLogger implements Logger {
  readonly entries: { level: 'warn' | 'error'; message: string; fields: object }[] = [];
  debug = (): void => undefined;
  info = (): void => undefined;
  warn = (fields: object, message: string): void => this.keep('warn', fields, message);
  error = (fields: object, message: string): void => this.keep('error', fields, message);

  private keep(level: 'warn' | 'error', fields: object, message: string): void {
    this.entries.push({ level, message, fields });
    if (this.entries.length > 200) this.entries.shift();
  }

  /** Warnings and errors other than the expected "record sent to the DLQ". */
  problems(): string[] {
    return this.entries.filter((e) => e.message !== 'record sent to the DLQ').map((e) => `${e.level}: ${e.message} ${JSON.stringify(e.fields)}`);
  }
}

export interface StackClients extends PipelineClients {
  readonly kafka: Kafka;
  readonly registry: SchemaRegistry;
  readonly knex: Knex;
  readonly logger: MemoryLogger;
  close(): Promise<void>;
}

/** The clients the CLI would build from a configuration, pointed at the stack and at `databaseUrl`. */
export function stackClients(stack: StackSettings, options: { databaseUrl: string; clientId: string }): StackClients {
  const kafka = quietKafka(stack, options.clientId);
  const registry = new SchemaRegistry({ host: stack.schemaRegistryUrl });
  const knex = createKnex(options.databaseUrl);
  return { kafka, registry, knex, logger: new MemoryLogger(), close: () => knex.destroy() };
}

/**
 * Produces to `temperature-readings` one record per send (acks from all in-sync replicas), so each
 * send knows its record's exact partition and offset.
 */
export class ReadingProducer {
  private readonly serde: AvroRegistrySerde<TemperatureReading>;

  private constructor(
    private readonly producer: Producer,
    registry: SchemaRegistry,
  ) {
    this.serde = avroRegistrySerde<TemperatureReading>({ registry, schema: temperatureReadingSchema as avro.Schema });
  }

  static async connect(kafka: Kafka, registry: SchemaRegistry): Promise<ReadingProducer> {
    const producer = kafka.producer({ allowAutoTopicCreation: false });
    await producer.connect();
    return new ReadingProducer(producer, registry);
  }

  /** Avro in the Confluent wire format via the registry, keyed by device id: what a device sends. */
  async sendReading(reading: TemperatureReading): Promise<Position & { bytes: Buffer }> {
    const bytes = await this.serde.serialize(reading, TOPICS.readings);
    if (bytes === null) throw new Error('the Avro serde wrote no bytes for a reading');
    return { ...(await this.sendRaw(reading.deviceId, bytes)), bytes };
  }

  /** Bytes as they are. */
  async sendRaw(key: string | null, value: Buffer, topic: string = TOPICS.readings): Promise<Position> {
    const [meta] = await this.producer.send({ topic, acks: -1, messages: [{ key, value }] });
    const offset = meta?.baseOffset ?? meta?.offset;
    if (!meta || offset === undefined) throw new Error(`the broker acknowledged no offset for a record to ${topic}`);
    return { topic, partition: meta.partition, offset };
  }

  disconnect(): Promise<void> {
    return this.producer.disconnect();
  }
}
