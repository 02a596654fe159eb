import { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import { Kafka, logLevel } from 'kafkajs';
import mysql from 'mysql2/promise';
import { describe, expect, inject, it } from 'vitest';
import { uniqueName } from '../support/names.js';

// The foundation's promise: the containers the harness starts are the real thing and talk to our clients.
describe('the containerized stack', () => {
  const stack = inject('stack');

  it('registers an Avro schema, produces an encoded record, consumes and decodes it', async () => {
    const topic = uniqueName('stack_probe');
    const registry = new SchemaRegistry({ host: stack.schemaRegistryUrl });
    const schema = {
      type: 'record' as const,
      name: 'Probe',
      namespace: 'io.tempstream.test',
      fields: [
        { name: 'id', type: 'string' },
        { name: 'value', type: 'double' },
      ],
    };
    const { id } = await registry.register(schema, { subject: `${topic}-value` });
    expect(id).toBeGreaterThan(0);

    const kafka = new Kafka({ clientId: 'stack-test', brokers: stack.kafkaBrokers, logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true });
    await admin.disconnect();

    const producer = kafka.producer();
    await producer.connect();
    const encoded = await registry.encode(id, { id: 'probe-1', value: 21.5 });
    expect(encoded[0]).toBe(0);
    expect(encoded.readInt32BE(1)).toBe(id);
    await producer.send({ topic, messages: [{ key: 'probe-1', value: encoded }] });
    await producer.disconnect();

    const consumer = kafka.consumer({ groupId: uniqueName('stack_probe_group') });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    const decoded = await new Promise<unknown>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no record consumed within 30 s')), 30_000);
      void consumer.run({
        eachMessage: async ({ message }) => {
          clearTimeout(timer);
          resolve(await registry.decode(message.value!));
        },
      });
    });
    await consumer.disconnect();
    expect(decoded).toEqual({ id: 'probe-1', value: 21.5 });
  });

  it('writes and reads a row in MySQL', async () => {
    const conn = await mysql.createConnection({ ...stack.mysql });
    const table = uniqueName('probe');
    await conn.query(`CREATE TABLE ${table} (id INT PRIMARY KEY, at DATETIME(3) NOT NULL)`);
    await conn.query(`INSERT INTO ${table} VALUES (1, '2026-11-24 12:00:00.123')`);
    const [rows] = await conn.query(`SELECT id, DATE_FORMAT(at, '%Y-%m-%d %H:%i:%s.%f') AS at FROM ${table}`);
    await conn.query(`DROP TABLE ${table}`);
    await conn.end();
    expect(rows).toEqual([{ id: 1, at: '2026-11-24 12:00:00.123000' }]);
  });
});
