import type { Producer, Transaction } from 'kafkajs';
import { errorMessage } from '../errors.js';
import type { OffsetToCommit } from './commit-tracker.js';
import type { OutputProducer, ProducedMessage } from './output-producer.js';
import { isRecordTooLarge, isTransientKafkaError, toKafkaMessages } from './kafka-producer.js';

/**
 * The engine's producer port for `exactly_once`: every output and DLQ record goes into the current
 * Kafka transaction, which `commit()` closes together with the consumed offsets. Consumers that
 * read committed see a record's outputs exactly when its offset is committed, never twice.
 */
export class TransactionalOutput implements OutputProducer {
  private current: Promise<Transaction> | undefined;
  /** When the open transaction was begun (epoch ms): the broker aborts it once the transaction timeout has passed since. */
  private begunAt: number | undefined;
  private committing: Promise<void> | undefined;
  private failure: Error | undefined;

  constructor(private readonly producer: Producer) {}

  async send(topic: string, messages: readonly ProducedMessage[]): Promise<void> {
    // A send that arrives while a checkpoint commits goes into the next transaction.
    while (this.committing) await this.committing.catch(() => undefined);
    if (this.failure) throw this.failure;
    const txn = await this.begun();
    await txn.send({ topic, acks: -1, messages: toKafkaMessages(messages) });
  }

  isTransient(error: unknown): boolean {
    return isTransientKafkaError(error);
  }

  isRecordTooLarge(error: unknown): boolean {
    return isRecordTooLarge(error);
  }

  /**
   * Commits the open transaction (opening one if there is none but offsets moved) with `offsets`.
   * Call only when every record whose output went into it is fully handled: the runner drains first.
   */
  commit(groupId: string, offsets: readonly OffsetToCommit[]): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    if (!this.current && offsets.length === 0) return Promise.resolve();
    const run = async () => {
      try {
        const txn = await this.begun();
        this.current = undefined;
        this.begunAt = undefined;
        try {
          if (offsets.length > 0) await sendOffsetsRetrying(txn, groupId, offsets);
          await txn.commit();
        } catch (err) {
          await txn.abort().catch(() => undefined);
          throw err;
        }
      } catch (err) {
        // The outputs of records whose offsets were due are gone with the aborted transaction. Any
        // later commit (even of an empty transaction) would move the group past them: refuse all.
        this.failure = new Error(`a transaction commit failed earlier (${errorMessage(err)}); this producer commits nothing more`, { cause: err });
        throw err;
      }
    };
    this.committing = run().finally(() => {
      this.committing = undefined;
    });
    return this.committing;
  }

  /** Set once a commit failed (or commits were refused): from then on nothing is sent or committed through this producer. */
  get broken(): Error | undefined {
    return this.failure;
  }

  /** From now on nothing commits through this producer: what the open (or a later) transaction would hold must never become visible. */
  refuse(reason: Error): void {
    this.failure ??= reason;
  }

  /** Drops whatever the open transaction holds (a stop, a rebalance): its records will be read again. */
  async abort(): Promise<void> {
    while (this.committing) await this.committing.catch(() => undefined);
    const pending = this.current;
    this.current = undefined;
    this.begunAt = undefined;
    if (pending) await (await pending.catch(() => undefined))?.abort().catch(() => undefined);
  }

  /** When the open transaction was begun (epoch ms), if one is open. */
  get openSince(): number | undefined {
    return this.begunAt;
  }

  /** The open transaction, begun if there is none. A begin that failed is not kept: the next call tries again. */
  private begun(): Promise<Transaction> {
    if (!this.current) {
      const begin = this.producer.transaction();
      this.current = begin;
      this.begunAt = Date.now();
      begin.catch(() => {
        if (this.current === begin) {
          this.current = undefined;
          this.begunAt = undefined;
        }
      });
    }
    return this.current;
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
