import type { Kafka } from 'kafkajs';

export interface TopicSpec {
  readonly topic: string;
  readonly numPartitions?: number;
  readonly replicationFactor?: number;
  readonly configEntries?: { name: string; value: string }[];
}

/** Creates the topics that are missing; existing ones are left as they are. Returns the names created. */
export async function ensureTopics(kafka: Kafka, topics: readonly TopicSpec[]): Promise<string[]> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const missing = topics.filter((t) => !existing.has(t.topic));
    if (missing.length > 0) {
      try {
        await admin.createTopics({
          waitForLeaders: true,
          topics: missing.map((t) => ({
            topic: t.topic,
            numPartitions: t.numPartitions ?? 1,
            replicationFactor: t.replicationFactor ?? -1,
            configEntries: t.configEntries,
          })),
        });
      } catch (err) {
        // KafkaJS's wait for leaders gives up on UNKNOWN_TOPIC_OR_PARTITION while a new topic's
        // metadata spreads: the topics were created, so wait for them here instead.
        if (!isRetriable(err)) throw err;
      }
      await retryingRetriable(() => admin.fetchTopicMetadata({ topics: missing.map((t) => t.topic) }));
    }
    return missing.map((t) => t.topic);
  } finally {
    await admin.disconnect();
  }
}

/**
 * Runs `call` again while it fails with what the broker calls retriable (a topic just created whose
 * leader or metadata has not spread yet, a leader moving), with backoff, about 30 s in all.
 */
export async function retryingRetriable<T>(call: () => Promise<T>, attempts = 20): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await call();
    } catch (err) {
      if (!isRetriable(err) || attempt >= attempts) throw err;
      await new Promise((resolve) => setTimeout(resolve, Math.min(2000, 100 * 2 ** attempt)));
    }
  }
}

/** Errors of a topic whose metadata has not reached every broker yet; KafkaJS may pass them on wrapped, or flagged not retriable after its own retries. */
const METADATA_SETTLING = new Set(['UNKNOWN_TOPIC_OR_PARTITION', 'LEADER_NOT_AVAILABLE', 'NOT_LEADER_FOR_PARTITION', 'NOT_LEADER_OR_FOLLOWER']);

function isRetriable(err: unknown): boolean {
  for (let e = err as { retriable?: unknown; type?: unknown; cause?: unknown } | undefined, depth = 0; e && depth < 4; e = e.cause as typeof e, depth++) {
    if (e.retriable === true || (typeof e.type === 'string' && METADATA_SETTLING.has(e.type))) return true;
  }
  return false;
}
