import type { BatchingOptions, BatchWriter } from '../dsl/sink-contract.js';
import type { HeaderMap, SourcePosition } from '../records.js';
import type { OutputProducer, ProducedMessage } from './output-producer.js';

/** One store change on its way to the store's changelog partition (the task's partition). */
export interface ChangelogItem {
  readonly topic: string;
  readonly partition: number;
  readonly key: Buffer;
  /** null: a tombstone (the key was deleted). */
  readonly value: Buffer | null;
  readonly timestamp: number;
  /** The input record whose processing made the change (none for a punctuation's): sent as headers, which a restore reads. */
  readonly source?: Pick<SourcePosition, 'topic' | 'offset'>;
}

/**
 * The changes one record (or punctuation) made, in the order made: the changelog sink's item. One
 * item per record, not per change, so that a record costs the sink one entry and one acknowledgement
 * however many stores it changed, and completes when the batch holding all of them is acknowledged.
 */
export type RecordChanges = readonly ChangelogItem[];

/** The headers on a changelog entry naming the input record whose processing made the change. */
export const SOURCE_TOPIC_HEADER = 'tempstream.source.topic';
export const SOURCE_OFFSET_HEADER = 'tempstream.source.offset';

/**
 * Writes batches of store changes to their changelog topics through the engine's producer port: under
 * exactly-once they join the open transaction with the outputs and offsets. Run with one write at a
 * time, so changes reach each changelog partition in the order the stores made them.
 *
 * Within a batch only the last change of each key is sent (Kafka Streams' record cache does the same
 * per commit): a compacted changelog keeps only that one anyway, a restore applies only that one, and
 * the batch is acknowledged (or retried) as a whole, so no record's change is ever durable without the
 * later ones of the batch. The last change of a key carries the highest input offset of its key, and
 * the store's highest input offset in the batch is on some key's last change: what a restore reads
 * back as applied is the same as if every change had been sent.
 */
export class ChangelogWriter implements BatchWriter<RecordChanges> {
  readonly name = 'changelog';

  /** Source topic names as header bytes: a handful of topics, made once. */
  private readonly topicHeaders = new Map<string, Buffer>();

  constructor(private readonly producer: OutputProducer) {}

  async write(batch: readonly RecordChanges[]): Promise<void> {
    const byTopic = new Map<string, ProducedMessage[]>();
    for (const item of lastChangePerKey(changesOf(batch))) {
      let list = byTopic.get(item.topic);
      if (!list) byTopic.set(item.topic, (list = []));
      // Headers are made here, for the changes that are sent, not for every change a record makes.
      list.push({ key: item.key, value: item.value, timestamp: item.timestamp, partition: item.partition, headers: this.headersOf(item.source) });
    }
    for (const [topic, messages] of byTopic) await this.producer.send(topic, messages);
  }

  private headersOf(source: ChangelogItem['source']): HeaderMap | undefined {
    if (source === undefined) return undefined;
    let topic = this.topicHeaders.get(source.topic);
    if (topic === undefined) this.topicHeaders.set(source.topic, (topic = Buffer.from(source.topic)));
    return { [SOURCE_TOPIC_HEADER]: topic, [SOURCE_OFFSET_HEADER]: Buffer.from(source.offset) };
  }

  isTransient(error: unknown): boolean {
    return this.producer.isTransient?.(error) ?? false;
  }

  sizeOf(changes: RecordChanges): number {
    let bytes = 0;
    for (const change of changes) bytes += change.key.length + (change.value?.length ?? 0) + 64;
    return bytes;
  }
}

/**
 * The changelog sink's batches, over the topic defaults: the changes of up to 10,000 records (the
 * writer sends only the last of each key, so a key changed often costs one entry per batch, Kafka
 * Streams' record cache per commit), and at most 1 MiB of changes, the broker's default
 * `message.max.bytes`, which one partition's part of a batch must fit in (the size binds first when
 * records change a store or more each: ~9,000 changes of ~50 bytes). The linger stays the topics' (short): a batch only grows past a few changes
 * while the previous one is being written, i.e. under load, where fewer and fuller writes are cheaper.
 */
export const CHANGELOG_BATCHING: Partial<BatchingOptions> = { maxRecords: 10_000, maxBytes: 1024 * 1024, maxConcurrentWrites: 1 };

/** Every change of the batch, record by record, in one array: a plain loop, where Array#flat over a batch of 10,000 records showed in the profile. */
function changesOf(batch: readonly RecordChanges[]): ChangelogItem[] {
  let n = 0;
  for (const changes of batch) n += changes.length;
  const out = new Array<ChangelogItem>(n);
  let i = 0;
  for (const changes of batch) for (const change of changes) out[i++] = change;
  return out;
}

/** The batch's last change of each (topic, partition, key), in the order of those last changes. */
export function lastChangePerKey(batch: readonly ChangelogItem[]): readonly ChangelogItem[] {
  // Index of the last change per key, one map per (topic, partition): no composite string per change.
  const byTopic = new Map<string, Map<number, Map<string, number>>>();
  let keys = 0;
  for (let i = 0; i < batch.length; i++) {
    const item = batch[i]!;
    let byPartition = byTopic.get(item.topic);
    if (!byPartition) byTopic.set(item.topic, (byPartition = new Map<number, Map<string, number>>()));
    let last = byPartition.get(item.partition);
    if (!last) byPartition.set(item.partition, (last = new Map<string, number>()));
    const key = item.key.toString('latin1');
    if (!last.has(key)) keys++;
    last.set(key, i);
  }
  if (keys === batch.length) return batch;
  // Marked, then read in batch order: the order of the last changes, with no sort.
  const kept = new Uint8Array(batch.length);
  for (const byPartition of byTopic.values()) for (const last of byPartition.values()) for (const i of last.values()) kept[i] = 1;
  const out: ChangelogItem[] = [];
  for (let i = 0; i < batch.length; i++) if (kept[i] === 1) out.push(batch[i]!);
  return out;
}
