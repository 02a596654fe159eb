import { Kafka, logLevel } from 'kafkajs';
import { describe, expect, inject, it } from 'vitest';
import { uniqueName } from '../support/names.js';

/**
 * A read_committed KafkaJS consumer must never see a record of an aborted transaction. The broker
 * lists a fetch's aborted transactions in the order they were aborted, not the order they began;
 * KafkaJS 2.2.4 assumed the latter and let through the records of a transaction that began before,
 * and was aborted after, another aborted one (two writers on one partition: a killed instance whose
 * transaction times out while a live one aborts on a rebalance). patches/kafkajs+*.patch fixes it.
 */
describe('KafkaJS read_committed', () => {
  const stack = inject('stack');
  const kafka = new Kafka({ clientId: 'read-committed-test', brokers: stack.kafkaBrokers, logLevel: logLevel.NOTHING });

  it('skips the records of overlapping aborted transactions whatever order they were aborted in', async () => {
    const topic = uniqueName('rc_overlap');
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true });
    await admin.disconnect();

    const first = kafka.producer({ transactionalId: uniqueName('rc_first'), maxInFlightRequests: 1, idempotent: true });
    const second = kafka.producer({ transactionalId: uniqueName('rc_second'), maxInFlightRequests: 1, idempotent: true });
    const plain = kafka.producer();
    await Promise.all([first.connect(), second.connect(), plain.connect()]);
    try {
      // first begins, second begins inside it; second aborts, then first: the broker lists second before first.
      const t1 = await first.transaction();
      await t1.send({ topic, messages: [{ value: 'aborted-1a' }] });
      const t2 = await second.transaction();
      await t2.send({ topic, messages: [{ value: 'aborted-2' }] });
      await t1.send({ topic, messages: [{ value: 'aborted-1b' }] });
      await t2.abort();
      await t1.abort();
      // A committed transaction after both, and a plain record: both must be read.
      const t3 = await second.transaction();
      await t3.send({ topic, messages: [{ value: 'committed' }] });
      await t3.commit();
      await plain.send({ topic, messages: [{ value: 'plain' }] });
    } finally {
      await Promise.all([first.disconnect(), second.disconnect(), plain.disconnect()]);
    }

    const seen: string[] = [];
    const consumer = kafka.consumer({ groupId: uniqueName('rc_reader'), readUncommitted: false });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`only ${seen.join(', ')} read in 30 s`)), 30_000);
      void consumer.run({
        eachMessage: ({ message }) => {
          seen.push(message.value!.toString());
          if (seen.includes('plain')) {
            clearTimeout(timer);
            resolve();
          }
          return Promise.resolve();
        },
      });
    });
    await consumer.disconnect();
    expect(seen).toEqual(['committed', 'plain']);
  }, 90_000);
});
