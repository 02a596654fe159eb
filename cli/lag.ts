/** Consumer lag per partition: how far a group's committed offsets are behind the end of each partition. */
import type { Admin } from 'kafkajs';

export interface PartitionLag {
  readonly topic: string;
  readonly partition: number;
  readonly lag: number;
}

export interface PartitionEnds {
  readonly partition: number;
  /** First offset still in the log. */
  readonly low: string;
  /** The high watermark: the offset the next record will get. */
  readonly high: string;
}

/**
 * `committed` is Kafka's "-1" when the group has not committed on a partition yet: then everything
 * still in the log is unread.
 */
export function lagOf(committed: string, ends: PartitionEnds): number {
  const high = BigInt(ends.high);
  const from = BigInt(committed) < 0n ? BigInt(ends.low) : BigInt(committed);
  const lag = high - from;
  return lag > 0n ? Number(lag) : 0;
}

/** Asks the brokers for the group's committed offsets and the partitions' ends. */
export async function readConsumerLag(admin: Admin, groupId: string, topics: readonly string[]): Promise<PartitionLag[]> {
  const committed = await admin.fetchOffsets({ groupId, topics: [...topics] });
  const lags: PartitionLag[] = [];
  for (const { topic, partitions } of committed) {
    const ends = await admin.fetchTopicOffsets(topic);
    for (const end of ends) {
      const offset = partitions.find((p) => p.partition === end.partition)?.offset ?? '-1';
      lags.push({ topic, partition: end.partition, lag: lagOf(offset, end) });
    }
  }
  return lags;
}
