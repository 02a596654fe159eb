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
 * later ones of the batch.
 *
 * A restore reads the source headers for one thing only: per store (changelog partition) and source
 * topic, the highest offset over all entries, which `StateTask.alreadyApplied` compares a record read
 * again after a crash with. So only one entry per (changelog topic, partition, source topic) of a batch
 * carries them, a marker: the change of that source topic's highest offset in the batch; the others go
 * without (~70 bytes less each, several times an entry's value). That change is sent even when a later
 * change of its key, from another source topic or a punctuation, replaced it in the batch (just before
 * it, so the key's last value is unchanged). A partition's part of a batch is one record batch, which the
 * broker appends whole, after the earlier batches: a durable marker means every change up to its offset
 * is durable, and without compaction the highest offset a restore reads is the same as if every change
 * carried its source. With compaction a marker can be lost only to a later change of its key, a segment
 * roll and a cleaner pass (which never touches the active segment); a lower highest offset only makes a
 * record be applied again, and matters only for records whose offset is not committed yet: the loss has
 * to happen between the marker's write and the commit covering its record, while a later batch with
 * changes of that source topic carries its own, higher, marker. Entries written with a header each (as
 * before) restore the same: the restore code is the same.
 */
export class ChangelogWriter implements BatchWriter<RecordChanges> {
  readonly name = 'changelog';

  /** Source topic names as header bytes: a handful of topics, made once. */
  private readonly topicHeaders = new Map<string, Buffer>();

  constructor(private readonly producer: OutputProducer) {}

  async write(batch: readonly RecordChanges[]): Promise<void> {
    const changes = changesOf(batch);
    const plan = planEntries(changes);
    const byTopic = new Map<string, ProducedMessage[]>();
    for (let i = 0; i < changes.length; i++) {
      const entry = plan[i];
      if (entry === DROPPED) continue;
      const item = changes[i]!;
      let list = byTopic.get(item.topic);
      if (!list) byTopic.set(item.topic, (list = []));
      // Headers are made here, for the markers only.
      const headers = entry === MARKER ? this.headersOf(item.source!) : undefined;
      list.push({ key: item.key, value: item.value, timestamp: item.timestamp, partition: item.partition, headers });
    }
    for (const [topic, messages] of byTopic) await this.producer.send(topic, messages);
  }

  private headersOf(source: NonNullable<ChangelogItem['source']>): HeaderMap {
    let topic = this.topicHeaders.get(source.topic);
    if (topic === undefined) this.topicHeaders.set(source.topic, (topic = Buffer.from(source.topic)));
    return { [SOURCE_TOPIC_HEADER]: topic, [SOURCE_OFFSET_HEADER]: Buffer.from(source.offset) };
  }

  isTransient(error: unknown): boolean {
    return this.producer.isTransient?.(error) ?? false;
  }

  /** The bytes of all the record's changes as header-less entries: the markers' headers are in `MARKER_ALLOWANCE`. */
  sizeOf(changes: RecordChanges): number {
    let bytes = 0;
    for (const change of changes) bytes += change.key.length + (change.value?.length ?? 0) + ENTRY_OVERHEAD;
    return bytes;
  }
}

/**
 * An entry's bytes in a Kafka record batch (v2) besides its key and value, at most: varints for its
 * length (3 bytes for up to 1 MiB), timestamp delta (8 between any two millisecond numbers), offset
 * delta (3 for up to ~1 M entries), key and value lengths (3 each), the attributes byte and the header
 * count (1 each). Most entries take ~16.
 */
const ENTRY_OVERHEAD = 22;

/**
 * A marker's headers, at most: the two names (23 and 24 bytes) with their lengths, a topic name of up
 * to 249 bytes, an offset of up to 19 digits, and their lengths.
 */
const MARKER_BYTES = 1 + 23 + 2 + 249 + 1 + 24 + 1 + 19;

/** The source topics feeding one store that the allowance has room for: a handful in any real topology. */
const MARKED_SOURCE_TOPICS = 32;

/**
 * Room left under the broker's cap for what `sizeOf` does not count, in each partition's part of a
 * batch (at most the whole batch): the record batch's own header (61 bytes) and the markers, at most
 * one per source topic there (~10 KiB, 1 % of the cap).
 */
const MARKER_ALLOWANCE = 61 + MARKED_SOURCE_TOPICS * MARKER_BYTES;

/** The broker's default `message.max.bytes`: one partition's part of a produce request (one record batch) must fit in it. */
const MAX_RECORD_BATCH_BYTES = 1024 * 1024;

/**
 * The changelog sink's batches, over the topic defaults: the changes of up to 10,000 records (the
 * writer sends only the last of each key, so a key changed often costs one entry per batch, Kafka
 * Streams' record cache per commit), and at most 1 MiB of entries less the markers' allowance, which
 * one partition's part of a batch must fit in (the size binds first when records make more than ~1.4
 * changes of ~50 bytes each: ~14,000 changes). The linger is long (1 s, the default commit interval,
 * as Kafka Streams flushes its record cache per commit): no one waits on a changelog write but the
 * commit, and a batch that gathers more changes per key sends fewer entries (each one a Kafka record to
 * encode, send and store; a key changed by every record of a second is one entry). Records waiting only
 * on this write are not counted against their partition's in-flight cap, up to one batch's worth
 * (capacity.ts), and a partition that still reaches its cap ends the linger at once
 * (`Engine.waitForCapacity`): the linger never holds a partition back.
 */
export const CHANGELOG_BATCHING: Partial<BatchingOptions> = {
  maxRecords: 10_000,
  maxBytes: MAX_RECORD_BATCH_BYTES - MARKER_ALLOWANCE,
  maxConcurrentWrites: 1,
  lingerMs: 1000,
};

/** Every change of the batch, record by record, in one array: a plain loop, where Array#flat over a batch of 10,000 records showed in the profile. */
function changesOf(batch: readonly RecordChanges[]): ChangelogItem[] {
  let n = 0;
  for (const changes of batch) n += changes.length;
  const out = new Array<ChangelogItem>(n);
  let i = 0;
  for (const changes of batch) for (const change of changes) out[i++] = change;
  return out;
}

/** What the writer does with a change of a batch. */
const DROPPED = 0;
/** Sent without headers. */
const SENT = 1;
/** Sent with its source as headers: the change of its source topic's highest offset in its changelog partition. */
const MARKER = 2;

/** The changes of one changelog partition, by index in the batch. */
interface PartitionChanges {
  /** Per key: its last change. */
  readonly lastOfKey: Map<string, number>;
  /** Per source topic: its change with the highest offset (the last one, of equals). */
  readonly highestOfSource: Map<string, number>;
}

/**
 * Per change of the batch: dropped, when a later change of its key in the batch replaces it; sent;
 * or sent as a marker. Sent changes keep the batch order, so the last change of each key stays last.
 */
function planEntries(batch: readonly ChangelogItem[]): Uint8Array {
  // One map per (topic, partition): no composite string per change.
  const byTopic = new Map<string, Map<number, PartitionChanges>>();
  for (let i = 0; i < batch.length; i++) {
    const item = batch[i]!;
    let byPartition = byTopic.get(item.topic);
    if (!byPartition) byTopic.set(item.topic, (byPartition = new Map<number, PartitionChanges>()));
    let changes = byPartition.get(item.partition);
    if (!changes) byPartition.set(item.partition, (changes = { lastOfKey: new Map(), highestOfSource: new Map() }));
    changes.lastOfKey.set(item.key.toString('latin1'), i);
    const source = item.source;
    if (source === undefined) continue;
    const highest = changes.highestOfSource.get(source.topic);
    if (highest === undefined || !isLowerOffset(source.offset, batch[highest]!.source!.offset)) changes.highestOfSource.set(source.topic, i);
  }
  const plan = new Uint8Array(batch.length);
  for (const byPartition of byTopic.values()) {
    for (const changes of byPartition.values()) {
      for (const i of changes.lastOfKey.values()) plan[i] = SENT;
      for (const i of changes.highestOfSource.values()) plan[i] = MARKER;
    }
  }
  return plan;
}

/** Offsets as Kafka gives them (decimal, no leading zeros) compared without parsing: a longer one is higher. */
function isLowerOffset(a: string, b: string): boolean {
  return a.length < b.length || (a.length === b.length && a < b);
}
