import type { Producer, Transaction } from 'kafkajs';
import type { OffsetToCommit } from './commit-tracker.js';
import type { OutputProducer, ProducedMessage } from './output-producer.js';
import { isTransientKafkaError, toKafkaMessages } from './kafka-producer.js';

/**
 * The engine's producer port for `exactly_once`: every output and DLQ record goes into the current
 * Kafka transaction, which `commit()` closes together with the consumed offsets. Consumers that
 * read committed see a record's outputs exactly when its offset is committed, never twice.
 */
export class TransactionalOutput implements OutputProducer {
  private current: Promise<Transaction> | undefined;
  private committing: Promise<void> | undefined;

  constructor(private readonly producer: Producer) {}

  async send(topic: string, messages: readonly ProducedMessage[]): Promise<void> {
    // A send that arrives while a checkpoint commits goes into the next transaction.
    while (this.committing) await this.committing.catch(() => undefined);
    this.current ??= this.producer.transaction();
    const txn = await this.current;
    await txn.send({ topic, acks: -1, messages: toKafkaMessages(messages) });
  }

  isTransient(error: unknown): boolean {
    return isTransientKafkaError(error);
  }

  /**
   * Commits the open transaction (opening one if there is none but offsets moved) with `offsets`.
   * Call only when every record whose output went into it is fully handled: the runner drains first.
   */
  commit(groupId: string, offsets: readonly OffsetToCommit[]): Promise<void> {
    if (!this.current && offsets.length === 0) return Promise.resolve();
    const run = async () => {
      const txn = await (this.current ?? this.producer.transaction());
      this.current = undefined;
      try {
        if (offsets.length > 0) await sendOffsetsRetrying(txn, groupId, offsets);
        await txn.commit();
      } catch (err) {
        await txn.abort().catch(() => undefined);
        throw err;
      }
    };
    this.committing = run().finally(() => {
      this.committing = undefined;
    });
    return this.committing;
  }

  /** Drops whatever the open transaction holds (on a failed stop): its records will be read again. */
  async abort(): Promise<void> {
    const pending = this.current;
    this.current = undefined;
    if (pending) await (await pending).abort().catch(() => undefined);
  }
}

/**
 * The broker answers CONCURRENT_TRANSACTIONS while the previous transaction is still completing, and
 * KafkaJS does not retry it inside sendOffsets (kafkajs#430): back-to-back checkpoints need this.
 */
async function sendOffsetsRetrying(txn: Transaction, groupId: string, offsets: readonly OffsetToCommit[]): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      await txn.sendOffsets({ consumerGroupId: groupId, topics: byTopic(offsets) });
      return;
    } catch (err) {
      if ((err as { type?: unknown }).type !== 'CONCURRENT_TRANSACTIONS' || attempt >= 10) throw err;
      await new Promise((resolve) => setTimeout(resolve, Math.min(1000, 20 * 2 ** attempt)));
    }
  }
}

function byTopic(offsets: readonly OffsetToCommit[]) {
  const topics = new Map<string, { partition: number; offset: string }[]>();
  for (const o of offsets) {
    const list = topics.get(o.topic) ?? [];
    list.push({ partition: o.partition, offset: o.offset });
    topics.set(o.topic, list);
  }
  return [...topics].map(([topic, partitions]) => ({ topic, partitions }));
}
