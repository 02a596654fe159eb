/**
 * Changelog topics: one per store, named `<applicationId>-<storeName>-changelog` (Kafka Streams'
 * convention, so operators recognise them), compacted so that only the last value of each key is
 * kept, with as many partitions as the source topic: partition p of the changelog holds the state
 * of the task that reads partition p, and moves with it.
 */
import type { Kafka } from 'kafkajs';
import { ensureTopics, retryingRetriable, type TopicSpec } from '../runtime/kafka-admin.js';

/** Kafka's rule for topic names. */
const LEGAL = /^[a-zA-Z0-9._-]+$/;
const MAX_TOPIC_LENGTH = 249;

export function changelogTopicName(applicationId: string, storeName: string): string {
  for (const [setting, value] of [
    ['applicationId', applicationId],
    ['storeName', storeName],
  ] as const) {
    if (!LEGAL.test(value)) throw new Error(`changelog topic: ${setting} may hold only letters, digits, '.', '_' and '-', and not be empty`);
  }
  const topic = `${applicationId}-${storeName}-changelog`;
  if (topic.length > MAX_TOPIC_LENGTH) throw new Error(`changelog topic: applicationId and storeName make a name longer than ${MAX_TOPIC_LENGTH} characters`);
  return topic;
}

export interface ChangelogTopicOptions {
  readonly applicationId: string;
  readonly storeName: string;
  /** The source topic's partition count: one changelog partition per task. */
  readonly partitions: number;
  /** Default: the broker's default (-1). */
  readonly replicationFactor?: number;
  /** Extra topic configs (e.g. min.insync.replicas); cleanup.policy stays compact. */
  readonly config?: Readonly<Record<string, string>>;
}

export function changelogTopicSpec(options: ChangelogTopicOptions): TopicSpec {
  if (!Number.isSafeInteger(options.partitions) || options.partitions < 1) {
    throw new Error(`changelog topic for store ${options.storeName}: partitions must be a whole number, 1 or more`);
  }
  const config = { ...options.config, 'cleanup.policy': 'compact' };
  return {
    topic: changelogTopicName(options.applicationId, options.storeName),
    numPartitions: options.partitions,
    replicationFactor: options.replicationFactor ?? -1,
    configEntries: Object.entries(config).map(([name, value]) => ({ name, value })),
  };
}

/**
 * Creates the missing changelog topics and checks that existing ones have the partition count
 * asked for: a changelog with another count would give a task some other task's state, so that is a
 * configuration error that stops the runner. Returns the names created.
 */
export async function ensureChangelogTopics(kafka: Kafka, specs: readonly TopicSpec[]): Promise<string[]> {
  const created = await ensureTopics(kafka, specs);
  const admin = kafka.admin();
  await admin.connect();
  try {
    const { topics } = await retryingRetriable(() => admin.fetchTopicMetadata({ topics: specs.map((s) => s.topic) }));
    for (const spec of specs) {
      const found = topics.find((t) => t.name === spec.topic)?.partitions.length;
      if (found !== spec.numPartitions) {
        throw new Error(
          `changelog topic ${spec.topic} has ${found ?? 'no'} partitions, its source has ${spec.numPartitions ?? '?'}: delete it or give it the source's partition count`,
        );
      }
    }
  } finally {
    await admin.disconnect();
  }
  return created;
}

/**
 * Before a stateful topology runs: its input topics must have one partition count (partition p of
 * each feeds task p), and each store gets a changelog with that count. Returns the count.
 */
export async function prepareChangelogTopics(
  kafka: Kafka,
  options: { applicationId: string; inputTopics: readonly string[]; stores: readonly string[]; replicationFactor?: number },
): Promise<number> {
  const admin = kafka.admin();
  await admin.connect();
  let counts: { topic: string; partitions: number }[];
  try {
    const { topics } = await retryingRetriable(() => admin.fetchTopicMetadata({ topics: [...options.inputTopics] }));
    counts = topics.map((t) => ({ topic: t.name, partitions: t.partitions.length }));
  } finally {
    await admin.disconnect();
  }
  const distinct = [...new Set(counts.map((c) => c.partitions))];
  if (distinct.length !== 1) {
    throw new Error(
      `a topology with state stores needs its input topics co-partitioned (one partition count), got ${counts.map((c) => `${c.topic}: ${c.partitions}`).join(', ')}`,
    );
  }
  const partitions = distinct[0]!;
  await ensureChangelogTopics(
    kafka,
    options.stores.map((storeName) =>
      changelogTopicSpec({ applicationId: options.applicationId, storeName, partitions, replicationFactor: options.replicationFactor }),
    ),
  );
  return partitions;
}
