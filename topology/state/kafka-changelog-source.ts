/**
 * Reads changelog partitions from Kafka with KafkaJS, which has no manual assign(). Each read is
 * one consumer in a throwaway group of its own (nothing committed, so the group leaves nothing
 * behind once empty) whose partition assigner hands it exactly the one partition to restore: no
 * other partition is fetched, and no pause bookkeeping is needed. It reads read_committed, so
 * entries of aborted transactions are never restored.
 *
 * End offsets come from the admin's ListOffsets, which KafkaJS sends read_committed: the last stable
 * offset, which stops before a transaction still open. Under exactly-once that is not enough: the
 * partition's previous owner may be committing its last transaction right now (or be dead with one
 * open), and a restore that ends before it misses changes whose offsets then commit. KafkaJS has no
 * require_stable offset fetch (KIP-447) to wait for that, so with `awaitOpenTransactions` the restore
 * first appends a fence entry (not transactional) and reads up to it: a read_committed reader passes
 * the fence only once every transaction begun on the partition before it was decided, so the restore
 * holds every committed change and none of an aborted one. The fence is hidden from the restore.
 */
import { randomBytes } from 'node:crypto';
import { AssignerProtocol, type Consumer, type Kafka, type PartitionAssigner, type Producer } from 'kafkajs';
import { errorMessage } from '../errors.js';
import type { HeaderMap } from '../records.js';
import { retryingRetriable } from '../runtime/kafka-admin.js';
import { ChangelogReadInterrupted, type ChangelogChunk, type ChangelogSource } from './changelog-restorer.js';

export interface KafkaChangelogSourceOptions {
  /** The throwaway groups are named `<groupIdPrefix>-<topic>-<partition>-<random>`. */
  readonly groupIdPrefix: string;
  /** Bytes per fetch; larger restores faster and holds more in memory. Default 4 MiB. */
  readonly maxBytesPerPartition?: number;
  /** Chunks read ahead of the store. Default 4. */
  readonly readAhead?: number;
  /**
   * Read up to a fence appended at the start of each restore, so the restore waits for transactions
   * still open on the partition (exactly-once). Such a transaction of a dead writer holds it until the
   * writer's transaction timeout.
   */
  readonly awaitOpenTransactions?: boolean;
}

/** Marks a fence entry; the key is one no serde of a store writes (it begins with a NUL byte), so compaction keeps one fence per partition and no store key is touched. */
export const RESTORE_FENCE_HEADER = 'tempstream.restore-fence';
const FENCE_KEY = Buffer.from('\u0000tempstream.restore-fence');

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

  private fencer: Promise<Producer> | undefined;

  /** Retried while the broker says retriable: a leader not known yet right after the changelog was created, or moving. */
  async offsetRange(topic: string, partition: number): Promise<{ start: bigint; end: bigint }> {
    const range = await retryingRetriable(() => this.fetchOffsetRange(topic, partition));
    if (!this.options.awaitOpenTransactions) return range;
    const fence = await retryingRetriable(() => this.appendFence(topic, partition));
    return { start: range.start, end: fence + 1n };
  }

  /** Disconnects the producer that writes fences, if one was made. */
  async close(): Promise<void> {
    const fencer = this.fencer;
    this.fencer = undefined;
    if (fencer) await (await fencer.catch(() => undefined))?.disconnect();
  }

  private async appendFence(topic: string, partition: number): Promise<bigint> {
    if (!this.fencer) {
      const connecting = (async () => {
        const producer = this.kafka.producer({ allowAutoTopicCreation: false });
        await producer.connect();
        return producer;
      })();
      // A connection that failed is not kept: the next restore connects again.
      connecting.catch(() => {
        if (this.fencer === connecting) this.fencer = undefined;
      });
      this.fencer = connecting;
    }
    const producer = await this.fencer;
    const [written] = await producer.send({
      topic,
      acks: -1,
      messages: [{ partition, key: FENCE_KEY, value: Buffer.alloc(0), headers: { [RESTORE_FENCE_HEADER]: '1' } }],
    });
    if (!written || written.baseOffset === undefined)
      throw new Error(`changelog ${topic}[${partition}]: the broker did not say where the restore fence was written`);
    return BigInt(written.baseOffset);
  }

  private async fetchOffsetRange(topic: string, partition: number): Promise<{ start: bigint; end: bigint }> {
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
    // A crash (with one broker, a closed connection removes it and the next fetch finds "No broker
    // available"; a group coordinator that does not answer the join in time) interrupts this read
    // only: the restorer reads again from where it got to, a bounded number of times.
    consumer.on(consumer.events.CRASH, ({ payload }) =>
      queue.close(new ChangelogReadInterrupted(`the consumer of ${topic}[${partition}] crashed: ${payload.error.message}`, { cause: payload.error })),
    );
    // Batches of markers or aborted records only never reach eachBatch; their last offset still counts.
    consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) => {
      if (mine(payload.topic, payload.partition)) queue.note({ entries: [], nextOffset: BigInt(payload.lastOffset) + 1n });
    });
    try {
      try {
        await this.startFetching(consumer, topic, partition, fromOffset, queue);
      } catch (err) {
        // A consumer that could not join its throwaway group (a coordinator moving, a broker too busy to
        // answer; KafkaJS reports that as a crash, and then refuses the seek) is not a broken store:
        // the restorer reads again, from where it got to.
        queue.close(new ChangelogReadInterrupted(`the consumer of ${topic}[${partition}] did not start: ${errorMessage(err)}`, { cause: err }));
      }
      yield* queue.drain();
    } finally {
      signal.removeEventListener('abort', onAbort);
      queue.close();
      await consumer.disconnect();
    }
  }

  private async startFetching(consumer: Consumer, topic: string, partition: number, fromOffset: bigint, queue: ChunkQueue): Promise<void> {
    await consumer.connect();
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch }) => {
        if (batch.topic !== topic || batch.partition !== partition) return;
        await queue.push({
          entries: batch.messages
            .filter((m) => !m.headers?.[RESTORE_FENCE_HEADER])
            .map((m) => ({
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
