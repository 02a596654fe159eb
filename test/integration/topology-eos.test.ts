import { Kafka, logLevel, type Admin, type Consumer, type Producer, type Transaction } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { KafkaTopologyRunner, TopologyBuilder, stringSerde } from '../../topology/index.js';
import { committedOffsets } from '../support/kafka-probes.js';
import { uniqueName } from '../support/names.js';
import { waitUntil } from '../support/wait.js';

const RECORDS = 10;
const WAIT_MS = 60_000;

/**
 * exactly_once on the real broker, where what is committed is decided: a checkpoint whose commit
 * fails must leave the group's offsets where they were (the outputs went with the aborted
 * transaction, so the records must be read again), and a producer with the same transactional id (a
 * restarted instance) fences the one before it, whose open transaction then never commits.
 */
describe('exactly_once on the real broker', () => {
  const stack = inject('stack');
  const kafka = new Kafka({ clientId: 'eos-test', brokers: stack.kafkaBrokers, logLevel: logLevel.NOTHING });
  let admin: Admin;
  const cleanup: (() => Promise<unknown>)[] = [];

  beforeAll(async () => {
    admin = kafka.admin();
    await admin.connect();
  });

  afterAll(async () => {
    for (const step of cleanup.reverse()) await step().catch(() => undefined);
    await admin?.disconnect();
  });

  /** A fresh input (one partition, RECORDS records) and output topic. */
  const topics = async () => {
    const input = uniqueName('eos_in');
    const output = uniqueName('eos_out');
    await admin.createTopics({
      topics: [
        { topic: input, numPartitions: 1 },
        { topic: output, numPartitions: 1 },
      ],
      waitForLeaders: true,
    });
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic: input, messages: Array.from({ length: RECORDS }, (_, i) => ({ key: `k${i}`, value: `record-${i}` })) });
    await producer.disconnect();
    return { input, output };
  };

  const copyTopology = (input: string, output: string) => {
    const builder = new TopologyBuilder();
    builder.stream(input, { key: stringSerde, value: stringSerde }).to(output, { key: stringSerde, value: stringSerde });
    return builder.build();
  };

  const runner = (kafkaClient: Kafka, input: string, output: string, groupId: string, instanceId: string) => {
    const r = new KafkaTopologyRunner(copyTopology(input, output), {
      kafka: kafkaClient,
      groupId,
      instanceId,
      processingGuarantee: 'exactly_once',
      // Checkpoints only when the test asks (and at the stop).
      commitIntervalMs: 600_000,
      topicBatching: { lingerMs: 0 },
      shutdownTimeoutMs: 10_000,
    });
    cleanup.push(() => r.stop());
    return r;
  };

  /** Waits until every input record was handled: its output is in the open transaction. */
  const allHandled = (r: KafkaTopologyRunner) =>
    waitUntil(
      () => {
        const due = r.engine.tracker.due();
        return { done: due.some((o) => o.offset === String(RECORDS)), state: `runner ${r.state}, due ${JSON.stringify(due)}` };
      },
      { what: `all ${RECORDS} records handled`, timeoutMs: WAIT_MS },
    );

  /**
   * Every value a read_committed consumer sees on `topic` up to now: a plain (non-transactional) end
   * marker is written last, so seeing it means every transaction before it was read or skipped.
   */
  const committedValues = async (topic: string): Promise<string[]> => {
    const marker = uniqueName('end');
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic, acks: -1, messages: [{ key: 'end', value: marker }] });
    await producer.disconnect();
    const values: string[] = [];
    let reached = false;
    const consumer: Consumer = kafka.consumer({ groupId: uniqueName('eos_reader'), readUncommitted: false, maxWaitTimeInMs: 100 });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      eachMessage: ({ message }) => {
        const value = message.value?.toString() ?? '';
        if (value === marker) reached = true;
        else if (!reached) values.push(value);
        return Promise.resolve();
      },
    });
    await waitUntil(() => ({ done: reached, state: `${values.length} value(s) so far` }), { what: `read ${topic} up to its end marker`, timeoutMs: WAIT_MS });
    await consumer.disconnect();
    return values.filter((v) => !v.startsWith('end_'));
  };

  it('commits no offset after a transactional commit failed, so a restart produces every output exactly once', async () => {
    const { input, output } = await topics();
    const groupId = uniqueName('eos_group');
    // The first transaction's sendOffsets fails (as on a coordinator move); the producer itself stays usable.
    let failFirst = true;
    const faulty = {
      consumer: kafka.consumer.bind(kafka),
      producer: (config: Parameters<Kafka['producer']>[0]): Producer => {
        const producer = kafka.producer(config);
        const begin = producer.transaction.bind(producer);
        producer.transaction = async (): Promise<Transaction> => {
          const txn = await begin();
          if (failFirst) {
            failFirst = false;
            txn.sendOffsets = () => Promise.reject(new Error('injected: the group coordinator is not available'));
          }
          return txn;
        };
        return producer;
      },
    } as unknown as Kafka;

    const first = runner(faulty, input, output, groupId, 'pod-a');
    await first.start();
    await allHandled(first);
    await first.commitDue('test');
    await expect(first.done()).rejects.toThrow(/transaction commit failed/);
    await first.stop();
    expect(first.state).toBe('failed');
    expect([...(await committedOffsets(admin, groupId, input))]).toEqual([]);
    expect(await committedValues(output)).toEqual([]);

    const second = runner(kafka, input, output, groupId, 'pod-a');
    await second.start();
    // A checkpoint at a time until the offsets show (a rejoin may abort one; a commit marker takes a moment).
    await waitUntil(
      async () => {
        await second.commitDue('test');
        const committed = await committedOffsets(admin, groupId, input);
        return { done: committed.get(0) === BigInt(RECORDS), state: `runner ${second.state}, committed ${committed.get(0) ?? 'nothing'}` };
      },
      {
        what: `group ${groupId} committed all ${RECORDS} records`,
        timeoutMs: WAIT_MS,
        intervalMs: 200,
        abortIf: () => (second.state === 'running' ? undefined : `runner ${second.state}`),
      },
    );
    const outputs = await committedValues(output);
    expect(outputs.sort()).toEqual(Array.from({ length: RECORDS }, (_, i) => `record-${i}`).sort());
    await second.stop();
  });

  it('a producer with the same transactional id fences the runner before it: its open transaction never commits, nor do its offsets', async () => {
    const { input, output } = await topics();
    const groupId = uniqueName('eos_group');
    const zombie = runner(kafka, input, output, groupId, 'pod-b');
    await zombie.start();
    await allHandled(zombie);

    // The restarted instance: same group, same instance id, so the same default transactional id.
    const successor = kafka.producer({ transactionalId: `${groupId}-pod-b`, idempotent: true, maxInFlightRequests: 1 });
    cleanup.push(() => successor.disconnect());
    await successor.connect();
    const txn = await successor.transaction();
    await txn.send({ topic: output, messages: [{ key: 'k', value: 'from-successor' }] });
    await txn.commit();

    await zombie.commitDue('test');
    await expect(zombie.done()).rejects.toThrow(/transaction commit failed/);
    await zombie.stop();
    expect([...(await committedOffsets(admin, groupId, input))]).toEqual([]);
    expect(await committedValues(output)).toEqual(['from-successor']);
  });
});
