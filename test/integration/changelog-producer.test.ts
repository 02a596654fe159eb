import { Kafka, logLevel, type Admin, type Producer, type ProducerConfig } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { KafkaTopologyRunner } from '../../topology/index.js';
import { countingTopology } from '../support/counting-topology.js';
import { uniqueName } from '../support/names.js';
import { waitUntil } from '../support/wait.js';

const RECORDS = 20;

/**
 * Which producer carries the changelog. An idempotent KafkaJS producer has one request in flight per
 * broker, so on the outputs' producer a large changelog write held every output queued behind it. At
 * least once, with state, the runner writes changelogs through a producer of its own; under
 * exactly-once there is one transactional producer for everything (one transaction).
 */
describe.each(['at_least_once', 'exactly_once'] as const)('the changelog producer (%s)', (processingGuarantee) => {
  const stack = inject('stack');
  let admin: Admin;
  const cleanup: (() => Promise<unknown>)[] = [];

  beforeAll(async () => {
    admin = new Kafka({ clientId: 'changelog-producer-test', brokers: stack.kafkaBrokers, logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
  });

  afterAll(async () => {
    for (const step of cleanup.reverse()) await step().catch(() => undefined);
    await admin?.disconnect();
  });

  it(processingGuarantee === 'at_least_once' ? 'is a producer of its own' : 'is the one transactional producer', async () => {
    const input = uniqueName('clp_in');
    const output = uniqueName('clp_out');
    await admin.createTopics({
      topics: [
        { topic: input, numPartitions: 1 },
        { topic: output, numPartitions: 1 },
      ],
      waitForLeaders: true,
    });

    // A Kafka client whose producers note the topics they send to.
    const sentBy: Set<string>[] = [];
    const kafka = new Kafka({ clientId: 'changelog-producer-test', brokers: stack.kafkaBrokers, logLevel: logLevel.NOTHING });
    const makeProducer = kafka.producer.bind(kafka);
    kafka.producer = (config?: ProducerConfig): Producer => {
      const producer = makeProducer(config);
      const topics = new Set<string>();
      sentBy.push(topics);
      const send = producer.send.bind(producer);
      producer.send = (record) => (topics.add(record.topic), send(record));
      const sendBatch = producer.sendBatch.bind(producer);
      producer.sendBatch = (batch) => (batch.topicMessages?.forEach((t) => topics.add(t.topic)), sendBatch(batch));
      const transaction = producer.transaction.bind(producer);
      producer.transaction = async () => {
        const txn = await transaction();
        const txnSend = txn.send.bind(txn);
        txn.send = (record) => (topics.add(record.topic), txnSend(record));
        return txn;
      };
      return producer;
    };

    const groupId = uniqueName('clp_group');
    const runner = new KafkaTopologyRunner(countingTopology(input, output), {
      kafka,
      groupId,
      processingGuarantee,
      commitIntervalMs: 200,
      shutdownTimeoutMs: 10_000,
    });
    cleanup.push(() => runner.stop());
    const changelog = `${groupId}-counts-changelog`;
    cleanup.push(() => admin.deleteTopics({ topics: [input, output, changelog] }));
    await runner.start();

    const producer = makeProducer();
    await producer.connect();
    await producer.send({ topic: input, messages: Array.from({ length: RECORDS }, (_, i) => ({ key: `k${i % 3}`, value: `v${i}` })) });
    await producer.disconnect();
    await waitUntil(
      async () => {
        const committed = (await admin.fetchOffsets({ groupId, topics: [input] }))[0]?.partitions[0]?.offset;
        return { done: committed === String(RECORDS), state: `committed ${committed}, sent ${JSON.stringify(sentBy.map((t) => [...t]))}` };
      },
      { what: `all ${RECORDS} records committed`, timeoutMs: 60_000 },
    );

    const carriers = (topic: string) => sentBy.flatMap((topics, i) => (topics.has(topic) ? [i] : []));
    expect(carriers(output)).toHaveLength(1);
    // (A restore under exactly-once also writes a fence to the changelog, through a producer of its own.)
    expect(carriers(changelog).length).toBeGreaterThan(0);
    expect(sentBy[carriers(output)[0]!]!.has(changelog)).toBe(processingGuarantee === 'exactly_once');
  });
});
