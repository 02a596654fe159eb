/**
 * Reads DLQ topics from Kafka for the tools: a range of offsets per partition, from where it starts
 * to the end it had when the read began, so a DLQ still being written to does not keep a read going.
 * KafkaJS consumers need a group: each read uses a fresh one, never commits, and leaves nothing the
 * broker keeps (a group without offsets expires).
 */
import { randomUUID } from 'node:crypto';
import type { Kafka } from 'kafkajs';
import { toDeadLetter, type DeadLetter } from './dead-letter.js';

export interface PartitionRange {
  readonly topic: string;
  readonly partition: number;
  /** First offset to read. */
  readonly from: bigint;
  /** Offset to stop before (exclusive). */
  readonly to: bigint;
}

export interface PartitionEnds {
  readonly topic: string;
  readonly partition: number;
  /** Earliest offset still on the broker. */
  readonly low: bigint;
  /** One past the last offset written. */
  readonly high: bigint;
}

export interface ReadOutcome {
  /** False when the read stopped early: the record limit, or the time limit. */
  readonly complete: boolean;
  readonly read: number;
}

export interface ReadOptions {
  /** Stop after this many dead letters (default 10,000): a tool must not hold a huge DLQ in memory. */
  readonly maxRecords?: number;
  /** Give up after this long (default 30 s). */
  readonly timeoutMs?: number;
}

export const DEFAULT_MAX_RECORDS = 10_000;

/** Where each partition of the topics starts and ends now. Topics that do not exist are skipped. */
export async function partitionEnds(kafka: Kafka, topics: readonly string[]): Promise<PartitionEnds[]> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const ends: PartitionEnds[] = [];
    for (const topic of topics) {
      if (!existing.has(topic)) continue;
      for (const p of await admin.fetchTopicOffsets(topic)) {
        ends.push({ topic, partition: p.partition, low: BigInt(p.low), high: BigInt(p.high) });
      }
    }
    return ends;
  } finally {
    await admin.disconnect();
  }
}

/** Calls `onLetter` with each dead letter in the ranges, in offset order per partition. */
export async function readRanges(
  kafka: Kafka,
  ranges: readonly PartitionRange[],
  onLetter: (letter: DeadLetter) => void,
  options: ReadOptions = {},
): Promise<ReadOutcome> {
  const pending = new Map<string, PartitionRange>();
  for (const r of ranges) if (r.from < r.to) pending.set(`${r.topic}/${r.partition}`, r);
  if (pending.size === 0) return { complete: true, read: 0 };
  const maxRecords = options.maxRecords ?? DEFAULT_MAX_RECORDS;
  const consumer = kafka.consumer({ groupId: `tempstream-dlq-reader-${randomUUID()}`, maxWaitTimeInMs: 250, allowAutoTopicCreation: false });
  let read = 0;
  let finish: (complete: boolean) => void = () => undefined;
  const finished = new Promise<boolean>((resolve) => (finish = resolve));
  const timer = setTimeout(() => finish(false), options.timeoutMs ?? 30_000);
  try {
    await consumer.connect();
    const topics = [...new Set([...pending.values()].map((r) => r.topic))];
    await consumer.subscribe({ topics, fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch }) => {
        const range = pending.get(`${batch.topic}/${batch.partition}`);
        if (!range) return;
        for (const message of batch.messages) {
          const offset = BigInt(message.offset);
          if (offset < range.from || offset >= range.to) continue;
          onLetter(toDeadLetter({ ...message, topic: batch.topic, partition: batch.partition }));
          if (++read >= maxRecords) return finish(false);
        }
        // Control records (transactions) and compacted gaps carry no message but still end a range.
        if (BigInt(batch.lastOffset()) + 1n >= range.to) {
          pending.delete(`${batch.topic}/${batch.partition}`);
          consumer.pause([{ topic: batch.topic, partitions: [batch.partition] }]);
          if (pending.size === 0) finish(true);
        }
        await Promise.resolve();
      },
    });
    for (const r of pending.values()) consumer.seek({ topic: r.topic, partition: r.partition, offset: r.from.toString() });
    return { complete: await finished, read };
  } finally {
    clearTimeout(timer);
    await consumer.disconnect().catch(() => undefined);
  }
}

/** Every partition of the topics from its earliest offset to its current end. */
export async function wholeTopics(kafka: Kafka, topics: readonly string[]): Promise<PartitionRange[]> {
  return (await partitionEnds(kafka, topics)).map((e) => ({ topic: e.topic, partition: e.partition, from: e.low, to: e.high }));
}
