import { fork, type ChildProcess } from 'node:child_process';
import { Kafka, logLevel } from 'kafkajs';
import { describe, expect, inject, it } from 'vitest';
import { readCounts as readCountOutput } from '../support/counting-output.js';
import { uniqueName } from '../support/names.js';
import { seededRandomFor } from '../support/seed.js';

const PER_ROUND = 3000;
const PARTITIONS = 3;
const KEYS = 23;
const killPoints = seededRandomFor('stateful-crash: kill points');

/**
 * State under the worst stop there is: a topology counting records per key in a changelog-backed
 * store is killed with SIGKILL at random moments while it works, and started again, many times. After
 * the last restart each key's count must equal its number of records: no change lost (the store is
 * restored from the changelog) and none applied twice (a record whose change was logged before the
 * kill, but whose offset was not committed, is not counted again). Every count from 1 to n must have
 * been sent; under exactly_once, to a read_committed consumer, each exactly once.
 */
describe.each([
  { guarantee: 'at_least_once', rounds: 8 },
  { guarantee: 'exactly_once', rounds: 4 },
])('a stateful topology ($guarantee) killed with SIGKILL and restarted', ({ guarantee, rounds }) => {
  const stack = inject('stack');
  const topic = uniqueName('scrash_in');
  const outTopic = uniqueName('scrash_out');
  const group = uniqueName('scrash_group');
  const kafka = new Kafka({ clientId: 'stateful-crash-test', brokers: stack.kafkaBrokers, logLevel: logLevel.NOTHING });
  const perKey = new Map<string, number>();

  const produce = async (from: number, count: number) => {
    // Idempotent: a send retried under load (a request timed out but was written) must not write the records twice, or a key gets more records than counted here.
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    for (let i = from; i < from + count; i += 500) {
      const messages = Array.from({ length: Math.min(500, from + count - i) }, (_, j) => ({ key: `k${(i + j) % KEYS}`, value: `r${i + j}` }));
      for (const m of messages) perKey.set(m.key, (perKey.get(m.key) ?? 0) + 1);
      await producer.send({ topic, messages });
    }
    await producer.disconnect();
  };

  const startWorker = (): Promise<ChildProcess> =>
    new Promise((resolve, reject) => {
      const child = fork('test/support/stateful-crash-worker.ts', [], {
        execArgv: ['--import', 'tsx'],
        env: { ...process.env, BROKERS: stack.kafkaBrokers.join(','), TOPIC: topic, OUT_TOPIC: outTopic, GROUP: group, GUARANTEE: guarantee },
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      });
      child.once('message', () => resolve(child));
      child.once('exit', (code) => reject(new Error(`worker exited early with ${code}`)));
    });

  const kill = (child: ChildProcess) =>
    new Promise<void>((resolve) => {
      child.removeAllListeners('exit');
      child.once('exit', () => resolve());
      child.kill('SIGKILL');
    });

  /** Every count sent per key, once the last count of every key arrived. */
  const readCounts = () => readCountOutput(kafka, { outTopic, readerGroup: 'scrash_reader', expected: perKey, timeoutMs: 120_000 });

  it('loses no state change and applies none twice across the kills', async () => {
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

    const kills: number[] = [];
    for (let round = 0; round < rounds; round++) {
      await produce(round * PER_ROUND, PER_ROUND);
      const child = await startWorker();
      const afterMs = Math.round(killPoints.between(300, 2500));
      await new Promise((r) => setTimeout(r, afterMs));
      await kill(child);
      kills.push(afterMs);
    }
    const last = await startWorker();
    const counts = await readCounts();
    last.kill('SIGTERM');
    console.log(`${guarantee}: killed after ${kills.join(', ')} ms`);

    let duplicates = 0;
    for (const [key, n] of perKey) {
      const seen = counts.get(key) ?? [];
      expect(Math.max(...seen), `${key}: highest count (a count above ${n} is a record applied twice)`).toBe(n);
      const distinct = new Set(seen);
      for (let c = 1; c <= n; c++) expect(distinct.has(c), `${key}: count ${c} was never sent`).toBe(true);
      duplicates += seen.length - distinct.size;
    }
    console.log(`${guarantee}: ${[...perKey.values()].reduce((a, b) => a + b, 0)} records, ${duplicates} duplicate outputs`);
    if (guarantee === 'exactly_once') expect(duplicates).toBe(0);
  });
});
