import { fork, type ChildProcess } from 'node:child_process';
import { Kafka, logLevel } from 'kafkajs';
import { describe, expect, inject, it } from 'vitest';
import { readCounts as readCountOutput } from '../support/counting-output.js';
import { uniqueName } from '../support/names.js';
import type { StoreSnapshot } from '../support/stateful-rebalance-worker.js';

const PARTITIONS = 6;
const KEYS = 30;
/** Records per round, one round every ROUND_MS while the group changes: ~500 records/s. */
const PER_ROUND = 100;
const ROUND_MS = 200;
/** How long each group shape runs before the next change. */
const PHASE_MS = 8000;

/**
 * State follows its partition when instances come and go: a topology counting records per key in a
 * changelog-backed store runs as 2 instances, then 3, then one stops gracefully (2), one more joins
 * (3) and one is killed with SIGKILL (2), while records keep arriving on all 6 partitions. Every
 * partition changes hands several times, each new owner restoring the counts from the changelog. At
 * the end each key's highest count must equal its number of records and every count from 1 to n
 * must have been sent (no change lost, none applied twice); under exactly_once a read_committed
 * consumer sees each count once, under at_least_once the duplicates are counted and printed. The
 * remaining instances' stores, read through the runner's stateStore(), hold every partition once,
 * with each key's full count.
 */
/**
 * Under exactly_once three things had to hold for a new owner not to apply or send a record twice,
 * each found by this test: the restore reads up to a fence it appends, so it waits for the previous
 * owner's last transaction to be decided (KafkaJS reads the last stable offset and has no KIP-447
 * require_stable offset fetch); the partition stays paused until then and resumes from the committed
 * offset read again; a batch fed across a join is dropped, not resolved. And the read_committed reader
 * needs patches/kafkajs (KafkaJS let through records of an aborted transaction that began before, and
 * was aborted after, another one: test/integration/kafkajs-read-committed.test.ts).
 */
const GUARANTEES = ['at_least_once', 'exactly_once'] as const;

describe.each(GUARANTEES.map((guarantee) => ({ guarantee })))('a stateful topology ($guarantee) rebalanced 2 → 3 → 2 instances', ({ guarantee }) => {
  const stack = inject('stack');
  const topic = uniqueName('sreb_in');
  const outTopic = uniqueName('sreb_out');
  const group = uniqueName('sreb_group');
  const kafka = new Kafka({ clientId: 'stateful-rebalance-test', brokers: stack.kafkaBrokers, logLevel: logLevel.NOTHING });
  const perKey = new Map<string, number>();
  /** Per `key=count`, which worker sent each copy, at which output offset. */
  const senders = new Map<string, string[]>();
  /** Exits nobody asked for: a worker that failed. */
  const unexpectedExits: string[] = [];

  /** Produces a round every ROUND_MS until `stop` is called; key kj always goes to partition j mod 6. */
  const produceContinuously = () => {
    let running = true;
    let sent = 0;
    const loop = (async () => {
      // Idempotent: a send retried under load (a request timed out but was written) must not write the records twice, or a key gets more records than counted here.
      const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
      await producer.connect();
      while (running) {
        const messages = Array.from({ length: PER_ROUND }, (_, i) => {
          const j = (sent + i) % KEYS;
          return { key: `k${j}`, value: `r${sent + i}`, partition: j % PARTITIONS };
        });
        await producer.send({ topic, messages });
        for (const m of messages) perKey.set(m.key, (perKey.get(m.key) ?? 0) + 1);
        sent += messages.length;
        await new Promise((r) => setTimeout(r, ROUND_MS));
      }
      await producer.disconnect();
    })();
    return {
      stop: async () => {
        running = false;
        await loop;
        return sent;
      },
    };
  };

  const startWorker = (name: string): Promise<ChildProcess> =>
    new Promise((resolve, reject) => {
      const child = fork('test/support/stateful-rebalance-worker.ts', [], {
        execArgv: ['--import', 'tsx'],
        env: { ...process.env, BROKERS: stack.kafkaBrokers.join(','), TOPIC: topic, OUT_TOPIC: outTopic, GROUP: group, GUARANTEE: guarantee, WORKER: name },
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      });
      child.once('message', () => {
        child.removeAllListeners('exit');
        child.once('exit', (code, signal) => unexpectedExits.push(`${name}: ${code ?? signal}`));
        resolve(child);
      });
      child.once('exit', (code) => reject(new Error(`worker ${name} exited early with ${code}`)));
    });

  const stopWith = (child: ChildProcess, signal: 'SIGTERM' | 'SIGKILL') =>
    new Promise<number | null>((resolve) => {
      child.removeAllListeners('exit');
      child.once('exit', (code) => resolve(code));
      child.kill(signal);
    });

  const snapshotOf = (child: ChildProcess) =>
    new Promise<StoreSnapshot>((resolve) => {
      child.once('message', (m) => resolve(m as StoreSnapshot));
      child.send('state');
    });

  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

  /** Records per key in the input topic, read until `total` records were seen. */
  const inputPerKey = async (total: number): Promise<Map<string, number>> => {
    const found = new Map<string, number>();
    let seen = 0;
    const consumer = kafka.consumer({ groupId: uniqueName('sreb_input_reader') });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    try {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`only ${seen} of ${total} input records read in 60 s`)), 60_000);
        void consumer.run({
          eachBatch: ({ batch }) => {
            for (const m of batch.messages) found.set(m.key!.toString(), (found.get(m.key!.toString()) ?? 0) + 1);
            seen += batch.messages.length;
            if (seen >= total) {
              clearTimeout(timer);
              // Anything beyond `total` arrives with a later batch: wait a moment for it.
              setTimeout(resolve, 1000);
            }
            return Promise.resolve();
          },
        });
      });
    } finally {
      await consumer.disconnect();
    }
    return found;
  };

  /** Every count sent per key, once the last count of every key arrived, noting which worker sent each copy. */
  const readCounts = () =>
    readCountOutput(kafka, {
      outTopic,
      readerGroup: 'sreb_reader',
      expected: perKey,
      // Under exactly_once the killed instance's open transaction holds read_committed readers back until it times out (10 s, and the broker's 10 s check).
      timeoutMs: 150_000,
      onCount: ({ key, count, label, offset }) => senders.set(`${key}=${count}`, [...(senders.get(`${key}=${count}`) ?? []), `${label}#${offset}`]),
    });

  it('keeps every key’s state with its partition: no count lost, none applied twice', async () => {
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

    const began = Date.now();
    const at = () => `${((Date.now() - began) / 1000).toFixed(1)}s`;
    const steps: string[] = [];
    const producing = produceContinuously();
    const w1 = await startWorker('w1');
    const w2 = await startWorker('w2');
    steps.push(`${at()} w1+w2 running`);
    await sleep(PHASE_MS);
    const w3 = await startWorker('w3');
    steps.push(`${at()} w3 joined (3)`);
    await sleep(PHASE_MS);
    const w1Exit = await stopWith(w1, 'SIGTERM');
    steps.push(`${at()} w1 stopped by SIGTERM, exit ${w1Exit} (2)`);
    await sleep(PHASE_MS);
    const w4 = await startWorker('w4');
    steps.push(`${at()} w4 joined (3)`);
    await sleep(PHASE_MS);
    await stopWith(w2, 'SIGKILL');
    steps.push(`${at()} w2 killed by SIGKILL (2)`);
    await sleep(PHASE_MS);
    const sent = await producing.stop();
    steps.push(`${at()} stopped producing after ${sent} records`);

    // The test's premise: the input holds exactly the records counted as sent (no send written twice).
    expect(Object.fromEntries(await inputPerKey(sent)), 'records per key in the input topic').toEqual(Object.fromEntries(perKey));
    const counts = await readCounts();
    steps.push(`${at()} every final count read`);
    const snapshots = [await snapshotOf(w3), await snapshotOf(w4)];
    await Promise.all([stopWith(w3, 'SIGTERM'), stopWith(w4, 'SIGTERM')]);
    console.log(`${guarantee}: ${steps.join('; ')}`);
    console.log(`${guarantee}: partitions at the end: ${snapshots.map((s) => `${s.worker} [${Object.keys(s.partitions).join(',')}]`).join(', ')}`);

    expect(w1Exit, 'the gracefully stopped worker exits cleanly').toBe(0);
    expect(unexpectedExits, 'workers that stopped on their own').toEqual([]);

    let duplicates = 0;
    const duplicatesByKey: string[] = [];
    const duplicateSenders: string[] = [];
    for (const [key, n] of perKey) {
      const seen = counts.get(key) ?? [];
      expect(Math.max(...seen), `${key}: highest count (a count above ${n} is a record applied twice)`).toBe(n);
      const distinct = new Set(seen);
      const missing = Array.from({ length: n }, (_, i) => i + 1).filter((c) => !distinct.has(c));
      expect(missing, `${key}: counts never sent`).toEqual([]);
      duplicates += seen.length - distinct.size;
      if (seen.length > distinct.size) duplicatesByKey.push(`${key}:${seen.length - distinct.size}`);
      for (const c of distinct)
        if ((senders.get(`${key}=${c}`) ?? []).length > 1) duplicateSenders.push(`${key}=${c} by ${senders.get(`${key}=${c}`)!.join(' ')}`);
    }
    console.log(
      `${guarantee}: ${sent} records over ${perKey.size} keys, ${[...counts.values()].reduce((a, c) => a + c.length, 0)} counts read, ${duplicates} duplicate outputs` +
        (duplicatesByKey.length ? ` (${duplicatesByKey.join(' ')})` : ''),
    );
    if (duplicateSenders.length) console.log(`${guarantee}: duplicates sent by (worker#output offset): ${duplicateSenders.join('; ')}`);
    if (guarantee === 'exactly_once') expect(duplicates).toBe(0);

    // The stores of the two instances left hold each partition once, and in it each key's full count.
    const held = snapshots.flatMap((s) => Object.keys(s.partitions).map(Number)).sort((a, b) => a - b);
    expect(held, 'partitions held by the remaining instances').toEqual(Array.from({ length: PARTITIONS }, (_, p) => p));
    const stored = new Map<string, number>();
    for (const s of snapshots)
      for (const [p, entries] of Object.entries(s.partitions))
        for (const [key, count] of Object.entries(entries)) {
          expect(Number(key.slice(1)) % PARTITIONS, `${key} held in the store of partition ${p}`).toBe(Number(p));
          stored.set(key, count);
        }
    expect(Object.fromEntries(stored), 'counts in the stores').toEqual(Object.fromEntries(perKey));
  }, 240_000);
});
