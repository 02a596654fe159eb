/**
 * A topology process for the crash test: reads TOPIC, writes every record into a MySQL table in
 * batched transactions (idempotent on the source coordinates) and copies it to OUT_TOPIC. The test
 * kills it with SIGKILL at random moments and starts it again.
 */
import { Kafka, logLevel } from 'kafkajs';
import mysql from 'mysql2/promise';
import { KafkaTopologyRunner, TopologyBuilder, TransientError, bytesSerde, stringSerde, type BatchWriter, type StreamRecord } from '../../topology/index.js';

const env = (name: string): string => {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set`);
  return v;
};

const pool = mysql.createPool({ uri: env('MYSQL_URL'), connectionLimit: 2 });
const table = env('TABLE');
// A slow database, so that kills land while batches are in flight.
const sinkDelayMs = Number(process.env.SINK_DELAY_MS ?? 0);

const tableWriter: BatchWriter<StreamRecord<string | null, Buffer | null>> = {
  name: 'table',
  async write(batch) {
    const conn = await pool.getConnection().catch((err: unknown) => {
      throw new TransientError(String(err));
    });
    try {
      if (sinkDelayMs > 0) await new Promise((r) => setTimeout(r, sinkDelayMs));
      await conn.beginTransaction();
      await conn.query(`INSERT IGNORE INTO ${table} (source_partition, source_offset, payload) VALUES ?`, [
        batch.map((r) => [r.source.partition, Number(r.source.offset), r.value?.toString() ?? null]),
      ]);
      await conn.commit();
    } catch (err) {
      await conn.rollback().catch(() => undefined);
      throw new TransientError(String(err));
    } finally {
      conn.release();
    }
  },
};

const builder = new TopologyBuilder();
const input = builder.stream(env('TOPIC'), { key: stringSerde, value: bytesSerde });
input.sink(tableWriter, { batching: { maxRecords: 20, lingerMs: 20 } });
input.to(env('OUT_TOPIC'), { key: stringSerde, value: bytesSerde });

const kafka = new Kafka({ clientId: 'crash-worker', brokers: env('BROKERS').split(','), logLevel: logLevel.NOTHING });
const runner = new KafkaTopologyRunner(builder.build(), {
  kafka,
  groupId: env('GROUP'),
  commitIntervalMs: 200,
  maxInFlightPerPartition: 200,
  consumerConfig: { sessionTimeout: 6000, heartbeatInterval: 500, rebalanceTimeout: 6000 },
  processingGuarantee: process.env.GUARANTEE === 'exactly_once' ? 'exactly_once' : 'at_least_once',
  // Stable across restarts: the next instance fences the killed one and aborts its open transaction.
  transactionalId: `${env('GROUP')}-worker`,
});

process.on('SIGTERM', () => {
  void runner.stop().then(async () => {
    await pool.end();
    process.exit(0);
  });
});
await runner.start();
process.send?.('started');
