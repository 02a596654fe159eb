import { fork, type ChildProcess } from 'node:child_process';
import { Kafka, logLevel } from 'kafkajs';
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { uniqueName } from '../support/names.js';
import { seededRandomFor } from '../support/seed.js';

const INITIAL = 1000;
const PER_ROUND = 500;
const PARTITIONS = 3;
/** How far into each round a kill lands; the seed is printed (repeat with TEST_SEED). */
const killPoints = seededRandomFor('topology-crash: kill points');

/**
 * The commit protocol's promise under the worst stop there is: SIGKILL at random moments, over and
 * over. After every kill, every offset the group committed must be fully handled (its row stored);
 * at the end every record is stored exactly once.
 */
describe.each([
  { guarantee: 'at_least_once', rounds: 10 },
  { guarantee: 'exactly_once', rounds: 5 },
])('a topology ($guarantee) killed with SIGKILL and restarted', ({ guarantee, rounds: ROUNDS }) => {
  const RECORDS = INITIAL + ROUNDS * PER_ROUND;
  const stack = inject('stack');
  const topic = uniqueName('crash_in');
  const outTopic = uniqueName('crash_out');
  const group = uniqueName('crash_group');
  const table = uniqueName('crash_rows');
  const kafka = new Kafka({ clientId: 'crash-test', brokers: stack.kafkaBrokers, logLevel: logLevel.NOTHING });
  let db: mysql.Connection;

  beforeAll(async () => {
    db = await mysql.createConnection({ ...stack.mysql });
    await db.query(
      `CREATE TABLE ${table} (source_partition INT NOT NULL, source_offset BIGINT NOT NULL, payload VARCHAR(64), PRIMARY KEY (source_partition, source_offset))`,
    );
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({
      topics: [
        { topic, numPartitions: PARTITIONS },
        { topic: outTopic, numPartitions: 1 },
      ],
      waitForLeaders: true,
    });
    await admin.disconnect();
    await produce(0, INITIAL);
  });

  let producedSoFar = 0;
  const produce = async (from: number, count: number) => {
    // Idempotent: a send retried under load (a request timed out but was written) must not write the records twice, or a key gets more records than counted here.
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    for (let i = from; i < from + count; i += 250) {
      await producer.send({
        topic,
        messages: Array.from({ length: Math.min(250, from + count - i) }, (_, j) => ({ key: `k${(i + j) % 17}`, value: `record-${i + j}` })),
      });
    }
    await producer.disconnect();
    producedSoFar = from + count;
  };

  afterAll(async () => {
    await db?.query(`DROP TABLE IF EXISTS ${table}`);
    await db?.end();
  });

  const startWorker = (): Promise<ChildProcess> =>
    new Promise((resolve, reject) => {
      const child = fork('test/support/crash-worker.ts', [], {
        execArgv: ['--import', 'tsx'],
        env: {
          ...process.env,
          BROKERS: stack.kafkaBrokers.join(','),
          TOPIC: topic,
          OUT_TOPIC: outTopic,
          GROUP: group,
          MYSQL_URL: stack.mysqlUrl,
          TABLE: table,
          SINK_DELAY_MS: '20',
          GUARANTEE: guarantee,
        },
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      });
      child.once('message', () => resolve(child));
      child.once('exit', (code) => reject(new Error(`worker exited early with ${code}`)));
    });

  const kill = (child: ChildProcess, signal: NodeJS.Signals) =>
    new Promise<void>((resolve) => {
      child.removeAllListeners('exit');
      child.once('exit', () => resolve());
      child.kill(signal);
    });

  const committed = async (): Promise<Map<number, number>> => {
    const admin = kafka.admin();
    await admin.connect();
    const [result] = await admin.fetchOffsets({ groupId: group, topics: [topic] });
    await admin.disconnect();
    return new Map((result?.partitions ?? []).map((p) => [p.partition, Math.max(0, Number(p.offset))]));
  };

  const storedTotal = async (): Promise<number> => {
    const [rows] = await db.query(`SELECT COUNT(*) AS n FROM ${table}`);
    return Number((rows as { n: number }[])[0]!.n);
  };

  const storedBelow = async (partition: number, offset: number): Promise<number> => {
    const [rows] = await db.query(`SELECT COUNT(*) AS n FROM ${table} WHERE source_partition = ? AND source_offset < ?`, [partition, offset]);
    return Number((rows as { n: number }[])[0]!.n);
  };

  it('never commits an unhandled record across the kills, and ends with every record stored once', async () => {
    const kills: string[] = [];
    let midStream = 0;
    for (let round = 0; round < ROUNDS; round++) {
      // New records every round, so each kill can land while records are in flight.
      await produce(producedSoFar, PER_ROUND);
      const child = await startWorker();
      // Kill once a random part of the new records is stored: mid-batch, mid-commit, anywhere.
      const before = await storedTotal();
      const target = before + Math.floor(PER_ROUND * killPoints.between(0.1, 0.9));
      const deadline = Date.now() + 30_000;
      while ((await storedTotal()) < target && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
      await kill(child, 'SIGKILL');
      const offsets = await committed();
      if ([...offsets.values()].reduce((a, b) => a + b, 0) < producedSoFar) midStream++;
      for (const [partition, offset] of offsets) {
        // Offsets in this topic are contiguous from 0: committed offset N means records 0..N-1 are done.
        expect(await storedBelow(partition, offset), `round ${round}, partition ${partition}, committed ${offset}`).toBe(offset);
      }
      kills.push([...offsets.values()].join('/'));
    }
    console.log(`committed offsets after each kill: ${kills.join(' -> ')}; ${midStream} of ${ROUNDS} kills landed mid-stream`);
    expect(midStream, 'kills that landed with records still unhandled').toBeGreaterThanOrEqual(ROUNDS / 2);

    const child = await startWorker();
    const deadline = Date.now() + 120_000;
    let total = 0;
    while (Date.now() < deadline) {
      total = [...(await committed()).values()].reduce((a, b) => a + b, 0);
      if (total === RECORDS) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    await kill(child, 'SIGTERM');
    expect(total).toBe(RECORDS);
    const [rows] = await db.query(`SELECT COUNT(*) AS n, COUNT(DISTINCT payload) AS d FROM ${table}`);
    expect(rows).toEqual([{ n: RECORDS, d: RECORDS }]);

    // The copy topic is at least once: every record there, redeliveries counted.
    const seen = new Map<string, number>();
    const consumer = kafka.consumer({ groupId: uniqueName('crash_out_reader') });
    await consumer.connect();
    await consumer.subscribe({ topic: outTopic, fromBeginning: true });
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, 60_000);
      void consumer.run({
        eachMessage: ({ message }) => {
          const v = message.value?.toString() ?? '';
          seen.set(v, (seen.get(v) ?? 0) + 1);
          if (seen.size === RECORDS) {
            clearTimeout(timer);
            resolve();
          }
          return Promise.resolve();
        },
      });
    });
    await consumer.disconnect();
    const duplicates = [...seen.values()].reduce((a, n) => a + n - 1, 0);
    console.log(`${guarantee}: copy topic has ${seen.size} distinct records, ${duplicates} redelivered duplicates (read committed)`);
    expect(seen.size).toBe(RECORDS);
    // Outputs commit with their offsets in one transaction: a read-committed consumer sees each once.
    if (guarantee === 'exactly_once') expect(duplicates).toBe(0);
  });
});
