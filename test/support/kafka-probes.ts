/**
 * What a test against the real broker needs to know when "everything sent so far" has been handled:
 * where each produced record landed, what a consumer group committed, where each partition ends,
 * and a background consumer that keeps every record of some topics for the test to look at.
 */
import type { Admin, Consumer, Kafka } from 'kafkajs';
import { waitUntil, within } from './wait.js';

/** Where one produced record landed. */
export interface Position {
  readonly topic: string;
  readonly partition: number;
  /** Decimal, as Kafka gives offsets. */
  readonly offset: string;
}

export const positionLabel = (p: Position): string => `${p.topic}[${p.partition}]@${p.offset}`;

/** The group's committed offset per partition of `topic` (the next offset to read); partitions without a commit are left out. */
export async function committedOffsets(admin: Admin, groupId: string, topic: string): Promise<Map<number, bigint>> {
  const [result] = await admin.fetchOffsets({ groupId, topics: [topic] });
  const out = new Map<number, bigint>();
  for (const p of result?.partitions ?? []) {
    const offset = BigInt(p.offset);
    if (offset >= 0n) out.set(p.partition, offset);
  }
  return out;
}

/** Per partition: the high watermark (one past the last record) and the log start. */
export async function endOffsets(admin: Admin, topic: string): Promise<Map<number, { high: bigint; low: bigint }>> {
  const offsets = await admin.fetchTopicOffsets(topic);
  return new Map(offsets.map((o) => [o.partition, { high: BigInt(o.high), low: BigInt(o.low) }]));
}

/**
 * Waits until `groupId` committed past every position: the group's runner has fully handled those
 * records (a committed offset is one past records whose sinks wrote and whose outputs were acknowledged).
 */
export async function waitForCommitted(admin: Admin, groupId: string, positions: readonly Position[], timeoutMs: number): Promise<void> {
  const needed = new Map<string, { topic: string; partition: number; offset: bigint }>();
  for (const p of positions) {
    const key = `${p.topic}\u0000${p.partition}`;
    const offset = BigInt(p.offset) + 1n;
    const have = needed.get(key);
    if (!have || have.offset < offset) needed.set(key, { topic: p.topic, partition: p.partition, offset });
  }
  if (needed.size === 0) return;
  const topics = [...new Set([...needed.values()].map((n) => n.topic))];
  await waitUntil(
    async () => {
      const missing: string[] = [];
      for (const topic of topics) {
        const committed = await committedOffsets(admin, groupId, topic);
        for (const n of needed.values()) {
          if (n.topic !== topic) continue;
          const c = committed.get(n.partition);
          if (c === undefined || c < n.offset) missing.push(`${topic}[${n.partition}] committed ${c ?? 'nothing'}, needs ${n.offset}`);
        }
      }
      return { done: missing.length === 0, state: missing.join(', ') };
    },
    { what: `group ${groupId} committed past ${positions.length} produced record(s)`, timeoutMs, intervalMs: 20 },
  );
}

/** Waits until `groupId` committed the end of every partition of `topic`: it has handled all the topic holds now. */
export async function waitForGroupAtEnd(admin: Admin, groupId: string, topic: string, timeoutMs: number): Promise<Map<number, bigint>> {
  let ends = new Map<number, { high: bigint; low: bigint }>();
  let committed = new Map<number, bigint>();
  await waitUntil(
    async () => {
      ends = await endOffsets(admin, topic);
      committed = await committedOffsets(admin, groupId, topic);
      const behind = [...ends]
        .filter(([p, e]) => e.high > e.low && (committed.get(p) ?? -1n) < e.high)
        .map(([p, e]) => `[${p}] ${committed.get(p) ?? 'nothing'}/${e.high}`);
      return { done: behind.length === 0, state: `behind on ${topic}: ${behind.join(' ')}` };
    },
    { what: `group ${groupId} committed the end of every partition of ${topic}`, timeoutMs, intervalMs: 50 },
  );
  return committed;
}

export interface CollectedMessage {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly headers: Readonly<Record<string, Buffer>>;
}

/**
 * A consumer that reads some topics from the beginning in the background and keeps every record,
 * with its position. `caughtUp()` waits until it has read up to the current end of each partition.
 */
export class TopicCollector {
  readonly messages: CollectedMessage[] = [];
  private readonly next = new Map<string, bigint>();

  private constructor(
    private readonly consumer: Consumer,
    readonly topics: readonly string[],
  ) {}

  /** Starts reading and resolves once the consumer joined its group and got its partitions. */
  static async start(kafka: Kafka, options: { groupId: string; topics: readonly string[]; joinTimeoutMs?: number }): Promise<TopicCollector> {
    const consumer = kafka.consumer({ groupId: options.groupId, allowAutoTopicCreation: false, maxWaitTimeInMs: 100 });
    const collector = new TopicCollector(consumer, options.topics);
    await consumer.connect();
    for (const topic of options.topics) await consumer.subscribe({ topic, fromBeginning: true });
    const joined = new Promise<void>((resolve) => {
      consumer.on(consumer.events.GROUP_JOIN, () => resolve());
    });
    // A batch's last offset counts what the consumer skipped too (transaction markers, aborted
    // records): without it a topic written in transactions would never look read to its end.
    consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) => {
      collector.advance(payload.topic, payload.partition, BigInt(payload.lastOffset) + 1n);
    });
    await consumer.run({
      eachMessage: ({ topic, partition, message }) => {
        const headers: Record<string, Buffer> = {};
        for (const [name, value] of Object.entries(message.headers ?? {})) {
          const first = Array.isArray(value) ? value[0] : value;
          if (first !== undefined) headers[name] = Buffer.isBuffer(first) ? first : Buffer.from(first);
        }
        collector.messages.push({ topic, partition, offset: message.offset, key: message.key, value: message.value, headers });
        collector.advance(topic, partition, BigInt(message.offset) + 1n);
        return Promise.resolve();
      },
    });
    try {
      await within(joined, options.joinTimeoutMs ?? 30_000, `collector ${options.groupId} joined its group`);
    } catch (err) {
      await consumer.disconnect().catch(() => undefined);
      throw err;
    }
    return collector;
  }

  private advance(topic: string, partition: number, next: bigint): void {
    const key = `${topic}\u0000${partition}`;
    if ((this.next.get(key) ?? -1n) < next) this.next.set(key, next);
  }

  /** Waits until every partition of the collected topics is read up to its end as of this call. */
  async caughtUp(admin: Admin, timeoutMs: number): Promise<void> {
    const targets: { topic: string; partition: number; high: bigint; low: bigint }[] = [];
    for (const topic of this.topics) {
      for (const [partition, { high, low }] of await endOffsets(admin, topic)) targets.push({ topic, partition, high, low });
    }
    await waitUntil(
      () => {
        const behind = targets.filter((t) => t.high > t.low && (this.next.get(`${t.topic}\u0000${t.partition}`) ?? t.low) < t.high);
        return {
          done: behind.length === 0,
          state: behind.map((t) => `${t.topic}[${t.partition}] at ${this.next.get(`${t.topic}\u0000${t.partition}`) ?? t.low}/${t.high}`).join(', '),
        };
      },
      { what: `the collector read ${this.topics.join(', ')} to the end`, timeoutMs, intervalMs: 10 },
    );
  }

  of(topic: string): CollectedMessage[] {
    return this.messages.filter((m) => m.topic === topic);
  }

  async stop(): Promise<void> {
    await this.consumer.disconnect();
  }
}
