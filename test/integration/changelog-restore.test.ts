import { Kafka, logLevel, type Admin } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { requiredStringSerde } from '../../topology/serdes/basic.js';
import { RecordingChangeLogger } from '../../topology/state/change-logger.js';
import { ChangelogRestorer } from '../../topology/state/changelog-restorer.js';
import { changelogTopicSpec, ensureChangelogTopics } from '../../topology/state/changelog-topics.js';
import { InMemoryKeyValueStore } from '../../topology/state/key-value-store.js';
import { KafkaChangelogSource } from '../../topology/state/kafka-changelog-source.js';
import { uniqueName } from '../support/names.js';

const ENTRIES = 10_000;
const KEYS = 700;
const PARTITION = 1;

/** A small deterministic generator, so that a failure can be replayed. */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/**
 * Restore from a real compacted changelog: 10,000 writes with overwrites and tombstones spread over
 * three partitions, then an aborted and a committed transaction on the restored partition. Restoring
 * partition 1 must give exactly its final map: none of the other partitions, none of the aborted
 * transaction, and it must finish although the partition ends with a transaction marker.
 */
describe('restoring a store from its changelog on the real broker', () => {
  const stack = inject('stack');
  const kafka = new Kafka({ clientId: 'changelog-restore-test', brokers: stack.kafkaBrokers, logLevel: logLevel.NOTHING });
  const spec = changelogTopicSpec({ applicationId: uniqueName('restore_app'), storeName: 'counts', partitions: 3 });
  let admin: Admin;

  beforeAll(async () => {
    admin = kafka.admin();
    await admin.connect();
  });

  afterAll(async () => {
    await admin?.deleteTopics({ topics: [spec.topic] }).catch(() => undefined);
    await admin?.disconnect();
  });

  it('creates the changelog compacted with the source partition count, and refuses one with another count', async () => {
    expect(await ensureChangelogTopics(kafka, [spec])).toEqual([spec.topic]);
    const [metadata] = (await admin.fetchTopicMetadata({ topics: [spec.topic] })).topics;
    expect(metadata?.partitions).toHaveLength(3);
    const configs = await admin.describeConfigs({ includeSynonyms: false, resources: [{ type: 2, name: spec.topic, configNames: ['cleanup.policy'] }] });
    expect(configs.resources[0]?.configEntries[0]?.configValue).toBe('compact');
    await expect(ensureChangelogTopics(kafka, [{ ...spec, numPartitions: 2 }])).rejects.toThrow(/has 3 partitions, its source has 2/);
  });

  it(`restores partition ${PARTITION} of ${ENTRIES} entries with overwrites and tombstones to exactly its final map`, async () => {
    const random = lcg(13);
    const expected = new Map<string, string>();
    const producer = kafka.producer({ allowAutoTopicCreation: false });
    await producer.connect();
    try {
      for (let sent = 0; sent < ENTRIES;) {
        const messages = [];
        for (let i = 0; i < 500 && sent < ENTRIES; i++, sent++) {
          const key = `key-${Math.floor(random() * KEYS)}`;
          const value = random() < 0.15 ? null : `value-${sent}`;
          const partition = Math.floor(random() * 3);
          messages.push({ key, value, partition });
          if (partition !== PARTITION) continue;
          if (value === null) expected.delete(key);
          else expected.set(key, value);
        }
        await producer.send({ topic: spec.topic, acks: -1, messages });
      }
    } finally {
      await producer.disconnect();
    }

    // Transactions on the restored partition: an aborted one must leave no trace, and the committed
    // one ends the partition with a commit marker, an offset that carries no entry.
    const transactional = kafka.producer({
      transactionalId: uniqueName('restore_tx'),
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
    });
    await transactional.connect();
    try {
      const aborted = await transactional.transaction();
      await aborted.send({ topic: spec.topic, messages: [...expected.keys()].slice(0, 100).map((key) => ({ key, value: 'aborted', partition: PARTITION })) });
      await aborted.abort();
      const committed = await transactional.transaction();
      const overwrites = [...expected.keys()].slice(100, 150);
      await committed.send({ topic: spec.topic, messages: overwrites.map((key) => ({ key, value: 'committed', partition: PARTITION })) });
      await committed.commit();
      for (const key of overwrites) expected.set(key, 'committed');
    } finally {
      await transactional.disconnect();
    }

    const store = new InMemoryKeyValueStore<string, string>({
      name: 'counts',
      changelogTopic: spec.topic,
      keySerde: requiredStringSerde,
      valueSerde: requiredStringSerde,
      context: { changeLogger: new RecordingChangeLogger(), recordTimestamp: () => 0 },
    });
    const source = new KafkaChangelogSource(kafka, { groupIdPrefix: uniqueName('restore_test') });
    const result = await new ChangelogRestorer(source).restore({ store, topic: spec.topic, partition: PARTITION, signal: AbortSignal.timeout(120_000) });

    expect(result.completed).toBe(true);
    expect(result.position).toBe(result.end);
    const restored = new Map((await store.all()).map((e) => [e.key, e.value]));
    expect(restored.size).toBe(expected.size);
    expect(restored).toEqual(expected);
    console.log(`[changelog-restore] ${result.entries} entries, ${expected.size} keys restored in ${result.elapsedMs} ms`);
  });

  /**
   * Exactly-once: the partition's previous owner may still be committing its last transaction when
   * the next owner restores. The admin's end offset is the last stable offset, before that
   * transaction; a restore that stopped there would miss changes whose input offsets then commit.
   * With awaitOpenTransactions the restore reads up to a fence it appends, past the transaction.
   */
  it.each([
    { awaitOpenTransactions: false, outcome: 'ends at the last stable offset and misses it' },
    { awaitOpenTransactions: true, outcome: 'waits on its fence and holds it' },
  ])('a restore begun while a transaction is open and committed meanwhile $outcome', async ({ awaitOpenTransactions }) => {
    const topic = changelogTopicSpec({ applicationId: uniqueName('fence_app'), storeName: 'counts', partitions: 1 });
    await ensureChangelogTopics(kafka, [topic]);
    const transactional = kafka.producer({ transactionalId: uniqueName('fence_tx'), idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
    await transactional.connect();
    const source = new KafkaChangelogSource(kafka, { groupIdPrefix: uniqueName('fence_test'), awaitOpenTransactions });
    try {
      const before = await transactional.transaction();
      await before.send({ topic: topic.topic, messages: [{ key: 'k', value: '1', partition: 0 }] });
      await before.commit();
      const open = await transactional.transaction();
      await open.send({ topic: topic.topic, messages: [{ key: 'k', value: '2', partition: 0 }] });

      const store = new InMemoryKeyValueStore<string, string>({
        name: 'counts',
        changelogTopic: topic.topic,
        keySerde: requiredStringSerde,
        valueSerde: requiredStringSerde,
        context: { changeLogger: new RecordingChangeLogger(), recordTimestamp: () => 0 },
      });
      const restoring = new ChangelogRestorer(source).restore({ store, topic: topic.topic, partition: 0, signal: AbortSignal.timeout(60_000) });
      // The previous owner's commit lands while the restore runs.
      await new Promise((resolve) => setTimeout(resolve, 1000));
      await open.commit();
      const result = await restoring;

      expect(result.completed).toBe(true);
      expect(await store.get('k')).toBe(awaitOpenTransactions ? '2' : '1');
      // The fence is not an entry of the store.
      expect((await store.all()).map((e) => e.key)).toEqual(['k']);
    } finally {
      await source.close();
      await transactional.disconnect();
      await admin.deleteTopics({ topics: [topic.topic] }).catch(() => undefined);
    }
  });
});
