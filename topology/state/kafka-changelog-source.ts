/**
 * Reads changelog partitions from Kafka with KafkaJS, which has no manual assign(). Each read is
 * one consumer in a throwaway group of its own (nothing committed, so the group leaves nothing
 * behind once empty) whose partition assigner hands it exactly the one partition to restore: no
 * other partition is fetched, and no pause bookkeeping is needed. It reads read_committed, so
 * entries of aborted transactions are never restored.
 *
 * End offsets come from the admin's ListOffsets, which KafkaJS asks for the high watermark. Under
 * exactly-once that can be past the last stable offset while a transaction is open; a read_committed
 * reader then waits at that point until the transaction is decided (committed: its entries are
 * restored; aborted: skipped, and the batch's last offset still carries the restore past them).
 */
import { randomBytes } from 'node:crypto';
import { AssignerProtocol, type Kafka, type PartitionAssigner } from 'kafkajs';
import type { HeaderMap } from '../records.js';
import type { ChangelogChunk, ChangelogSource } from './changelog-restorer.js';

export interface KafkaChangelogSourceOptions {
  /** The throwaway groups are named `<groupIdPrefix>-<topic>-<partition>-<random>`. */
  readonly groupIdPrefix: string;
  /** Bytes per fetch; larger restores faster and holds more in memory. Default 4 MiB. */
  readonly maxBytesPerPartition?: number;
  /** Chunks read ahead of the store. Default 4. */
  readonly readAhead?: number;
}

const ASSIGNER = 'TempstreamChangelogPartition';

/** Assigns the one partition to the first member; a group of one, so there is no one else. */
const onePartition =
  (topic: string, partition: number): PartitionAssigner =>
  () => ({
    name: ASSIGNER,
    version: 1,
    protocol: ({ topics }) => ({ name: ASSIGNER, metadata: AssignerProtocol.MemberMetadata.encode({ version: 1, topics, userData: Buffer.alloc(0) }) }),
    assign: ({ members }) =>
      Promise.resolve(
        members.map((m, i) => ({
          memberId: m.memberId,
          memberAssignment: AssignerProtocol.MemberAssignment.encode({
            version: 1,
            assignment: i === 0 ? { [topic]: [partition] } : {},
            userData: Buffer.alloc(0),
          }),
        })),
      ),
  });

/** A bounded hand-off from KafkaJS's push (eachBatch) to the restorer's pull (for await). */
class ChunkQueue {
  private readonly items: ChangelogChunk[] = [];
  private closed = false;
  private failure: Error | undefined;
  private wakeReader: (() => void) | undefined;
  private readonly wakeWriters: (() => void)[] = [];

  constructor(private readonly capacity: number) {}

  async push(chunk: ChangelogChunk): Promise<void> {
    while (!this.closed && this.items.length >= this.capacity) await new Promise<void>((resolve) => this.wakeWriters.push(resolve));
    if (this.closed) return;
    this.items.push(chunk);
    this.wake();
  }

  /** Progress without entries (a batch of markers only): never waits, it costs nothing to keep. */
  note(chunk: ChangelogChunk): void {
    if (this.closed) return;
    this.items.push(chunk);
    this.wake();
  }

  close(failure?: unknown): void {
    this.closed = true;
    if (failure !== undefined) this.failure ??= failure instanceof Error ? failure : new Error('the changelog consumer crashed');
    this.wake();
    for (const w of this.wakeWriters.splice(0)) w();
  }

  async *drain(): AsyncIterable<ChangelogChunk> {
    for (;;) {
      const item = this.items.shift();
      if (item) {
        this.wakeWriters.shift()?.();
        yield item;
        continue;
      }
      if (this.failure) throw this.failure;
      if (this.closed) return;
      await new Promise<void>((resolve) => (this.wakeReader = resolve));
    }
  }

  private wake(): void {
    const w = this.wakeReader;
    this.wakeReader = undefined;
    w?.();
  }
}

export class KafkaChangelogSource implements ChangelogSource {
  constructor(
    private readonly kafka: Kafka,
    private readonly options: KafkaChangelogSourceOptions,
  ) {}

  async offsetRange(topic: string, partition: number): Promise<{ start: bigint; end: bigint }> {
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      const found = (await admin.fetchTopicOffsets(topic)).find((o) => o.partition === partition);
      if (!found) throw new Error(`changelog ${topic} has no partition ${partition}`);
      return { start: BigInt(found.low), end: BigInt(found.high) };
    } finally {
      await admin.disconnect();
    }
  }

  async *read(topic: string, partition: number, fromOffset: bigint, signal: AbortSignal): AsyncIterable<ChangelogChunk> {
    if (signal.aborted) return;
    const consumer = this.kafka.consumer({
      groupId: `${this.options.groupIdPrefix}-${topic}-${partition}-${randomBytes(4).toString('hex')}`,
      partitionAssigners: [onePartition(topic, partition)],
      allowAutoTopicCreation: false,
      readUncommitted: false,
      maxBytesPerPartition: this.options.maxBytesPerPartition ?? 4 * 1024 * 1024,
      maxWaitTimeInMs: 100,
    });
    const queue = new ChunkQueue(this.options.readAhead ?? 4);
    const onAbort = () => queue.close();
    signal.addEventListener('abort', onAbort, { once: true });
    const mine = (t: string, p: number) => t === topic && p === partition;
    consumer.on(consumer.events.CRASH, ({ payload }) => queue.close(payload.error));
    // Batches of markers or aborted records only never reach eachBatch; their last offset still counts.
    consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) => {
      if (mine(payload.topic, payload.partition)) queue.note({ entries: [], nextOffset: BigInt(payload.lastOffset) + 1n });
    });
    try {
      await consumer.connect();
      await consumer.subscribe({ topics: [topic], fromBeginning: true });
      await consumer.run({
        autoCommit: false,
        eachBatch: async ({ batch }) => {
          if (!mine(batch.topic, batch.partition)) return;
          await queue.push({
            entries: batch.messages.map((m) => ({
              offset: BigInt(m.offset),
              key: m.key,
              value: m.value,
              headers: kafkaHeaders(m.headers),
              timestamp: Number(m.timestamp),
            })),
            nextOffset: BigInt(batch.lastOffset()) + 1n,
          });
        },
      });
      consumer.seek({ topic, partition, offset: fromOffset.toString() });
      yield* queue.drain();
    } finally {
      signal.removeEventListener('abort', onAbort);
      queue.close();
      await consumer.disconnect();
    }
  }
}

/** KafkaJS gives header values as Buffer, string or arrays of them; the runtime writes single Buffers. */
function kafkaHeaders(headers: Record<string, unknown> | undefined): HeaderMap | undefined {
  if (!headers) return undefined;
  const out: Record<string, Buffer> = {};
  for (const [name, value] of Object.entries(headers)) {
    const one = Array.isArray(value) ? (value as unknown[])[0] : value;
    if (Buffer.isBuffer(one)) out[name] = one;
    else if (typeof one === 'string') out[name] = Buffer.from(one);
  }
  return out;
}
