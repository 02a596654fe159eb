/** Turns `--from`/`--to` into concrete offsets per partition, asking the brokers once, before the replay starts. */
import type { Admin } from 'kafkajs';
import type { PlanInput, PartitionBounds } from './plan.js';
import type { ReplayFrom, ReplayTo } from './positions.js';

export class UnknownTopicError extends Error {
  override readonly name = 'UnknownTopicError';
}

export async function resolveWindow(admin: Admin, topic: string, from: ReplayFrom, to: ReplayTo): Promise<PlanInput> {
  const topics = await admin.listTopics();
  if (!topics.includes(topic)) throw new UnknownTopicError(`topic ${topic} does not exist`);
  const bounds: PartitionBounds[] = (await admin.fetchTopicOffsets(topic)).map((p) => ({ partition: p.partition, low: BigInt(p.low), high: BigInt(p.high) }));
  return { topic, bounds, start: await startOffsets(admin, topic, bounds, from), end: await endOffsets(admin, topic, bounds, to) };
}

async function startOffsets(admin: Admin, topic: string, bounds: readonly PartitionBounds[], from: ReplayFrom): Promise<Map<number, bigint>> {
  switch (from.kind) {
    case 'earliest':
      return new Map(bounds.map((b) => [b.partition, b.low]));
    case 'offsets':
      return new Map(from.offsets);
    case 'time':
      return offsetsAt(admin, topic, from.at);
  }
}

async function endOffsets(admin: Admin, topic: string, bounds: readonly PartitionBounds[], to: ReplayTo): Promise<Map<number, bigint>> {
  // Captured now: records produced while the replay runs are the live pipeline's business.
  if (to.kind === 'now') return new Map(bounds.map((b) => [b.partition, b.high]));
  return offsetsAt(admin, topic, to.at);
}

/** The first offset whose timestamp is at or after `at`, per partition (the end of the partition when none is). */
async function offsetsAt(admin: Admin, topic: string, at: number): Promise<Map<number, bigint>> {
  const found = await admin.fetchTopicOffsetsByTimestamp(topic, at);
  return new Map(found.map((p) => [p.partition, BigInt(p.offset)]));
}
