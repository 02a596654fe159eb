import fc from 'fast-check';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { CHANGELOG_BATCHING, ChangelogWriter, SOURCE_OFFSET_HEADER, SOURCE_TOPIC_HEADER, type ChangelogItem, type RecordChanges } from './changelog-writer.js';
import type { ProducedMessage } from './output-producer.js';

/** KafkaJS's record batch encoder (what its producer sends a partition's messages as): not in its typed API. */
type EncodeRecordBatch = (batch: { records: { buffer: Buffer }[]; firstTimestamp: number; maxTimestamp: number; lastOffsetDelta: number }) => Promise<{
  buffer: Buffer;
}>;
type EncodeRecord = (record: {
  offsetDelta: number;
  timestampDelta: number;
  key: Buffer;
  value: Buffer | null;
  headers?: Readonly<Record<string, Buffer>>;
}) => {
  buffer: Buffer;
};
const require = createRequire(import.meta.url);
const { RecordBatch: encodeRecordBatch } = require('kafkajs/src/protocol/recordBatch/v0') as { RecordBatch: EncodeRecordBatch };
const encodeRecord = require('kafkajs/src/protocol/recordBatch/record/v0') as EncodeRecord;

const item = (topic: string, partition: number, key: string, value: string | null, offset: number, source = 'in'): ChangelogItem => ({
  topic,
  partition,
  key: Buffer.from(key),
  value: value === null ? null : Buffer.from(value),
  timestamp: offset,
  source: { topic: source, offset: String(offset) },
});

interface Sent {
  readonly topic: string;
  readonly message: ProducedMessage;
}

/** A writer whose producer acknowledges at once, and every message it sent, in order. */
function recordingWriter(): { writer: ChangelogWriter; sent: Sent[] } {
  const sent: Sent[] = [];
  const writer = new ChangelogWriter({ send: (topic, messages) => Promise.resolve(void sent.push(...messages.map((message) => ({ topic, message })))) });
  return { writer, sent };
}

/** The source a sent entry names in its headers, as the restore reads them. */
function markerOf(message: ProducedMessage): { topic: string; offset: string } | undefined {
  const topic = message.headers?.[SOURCE_TOPIC_HEADER]?.toString();
  const offset = message.headers?.[SOURCE_OFFSET_HEADER]?.toString();
  return topic === undefined || offset === undefined ? undefined : { topic, offset };
}

/** What a restore makes of a changelog: the last value per key, and the highest source offset per changelog partition and source topic. */
function restoreView(entries: readonly { topic: string; partition: number; key: string; value: string | null; source?: { topic: string; offset: string } }[]) {
  const values = new Map<string, string | null>();
  const highest = new Map<string, bigint>();
  for (const e of entries) {
    values.set(`${e.topic}/${e.partition}/${e.key}`, e.value);
    if (e.source === undefined) continue;
    const at = `${e.topic}/${e.partition}/${e.source.topic}`;
    const offset = BigInt(e.source.offset);
    if (offset > (highest.get(at) ?? -1n)) highest.set(at, offset);
  }
  return { values, highest };
}

/** The restore view of what was sent. */
const restoreOfSent = (sent: readonly Sent[]) =>
  restoreView(
    sent.map(({ topic, message }) => ({
      topic,
      partition: message.partition!,
      key: message.key!.toString(),
      value: message.value?.toString() ?? null,
      source: markerOf(message),
    })),
  );

/** The restore view of a changelog holding every change with its source (what the writer sent before batches were reduced). */
const restoreOfEveryChange = (batch: readonly RecordChanges[]) =>
  restoreView(
    batch.flat().map((c) => ({ topic: c.topic, partition: c.partition, key: c.key.toString(), value: c.value?.toString() ?? null, source: c.source })),
  );

const describeSent = (sent: readonly Sent[]) =>
  sent.map(({ topic, message }) => {
    const marker = markerOf(message);
    return `${topic}/${message.partition}:${message.key!.toString()}=${message.value?.toString() ?? 'null'}${marker ? ` @${marker.topic}:${marker.offset}` : ''}`;
  });

describe('ChangelogWriter', () => {
  it('sends only the last change of each key of a batch, to its own partition, in the order of those last changes', async () => {
    const { writer, sent } = recordingWriter();
    // Three records' changes: the first changed two keys, the last two partitions.
    await writer.write([
      [item('c', 0, 'a', '1', 0), item('c', 0, 'b', '1', 1)],
      [item('c', 0, 'a', '2', 2)],
      [item('c', 1, 'a', '9', 3), item('c', 0, 'b', null, 4)],
    ]);
    expect(sent.map(({ message: m }) => `${m.partition}:${m.key!.toString()}=${m.value?.toString() ?? 'null'}`)).toEqual(['0:a=2', '1:a=9', '0:b=null']);
  });

  it('sends the source topic and offset as headers (what a restore reads) on a lone change, and none on a change without a source', async () => {
    const { writer, sent } = recordingWriter();
    await writer.write([[item('c', 0, 'a', '1', 7)], [{ ...item('c', 0, 'b', '1', 8), source: undefined }]]);
    expect(sent.map((s) => s.message.headers)).toEqual([
      { 'tempstream.source.topic': Buffer.from('in'), 'tempstream.source.offset': Buffer.from('7') },
      undefined,
    ]);
  });

  it('puts the source headers on one entry of a batch of many records of one source topic into one partition: the one with the highest offset', async () => {
    const { writer, sent } = recordingWriter();
    const batch: RecordChanges[] = [];
    for (let offset = 100; offset < 200; offset++) batch.push([item('c', 0, `k${offset % 10}`, `v${offset}`, offset)]);
    await writer.write(batch);
    expect(sent).toHaveLength(10);
    const marked = sent.filter((s) => markerOf(s.message) !== undefined);
    expect(describeSent(marked)).toEqual(['c/0:k9=v199 @in:199']);
  });

  it('puts the source headers on one entry per partition and source topic, each the change of that pair with the highest offset', async () => {
    const { writer, sent } = recordingWriter();
    // Offsets rise per source topic (a task reads each of its input partitions in order); two partitions, two source topics.
    await writer.write([
      [item('c', 0, 'a', 'x1', 10, 'in1')],
      [item('c', 0, 'b', 'y1', 50, 'in2')],
      [item('c', 1, 'a', 'x2', 11, 'in1')],
      [item('c', 0, 'c', 'x3', 12, 'in1')],
      [item('c', 1, 'b', 'y2', 51, 'in2'), item('c', 1, 'c', 'y2', 51, 'in2')],
      [item('c', 0, 'a', 'y3', 52, 'in2')],
      [item('c', 1, 'd', 'x4', 13, 'in1')],
    ]);
    expect(describeSent(sent)).toEqual(['c/0:b=y1', 'c/1:a=x2', 'c/0:c=x3 @in1:12', 'c/1:b=y2', 'c/1:c=y2 @in2:51', 'c/0:a=y3 @in2:52', 'c/1:d=x4 @in1:13']);
  });

  it("also sends a source topic's highest change of the batch when a later change of its key, from another source or a punctuation, replaced it", async () => {
    const { writer, sent } = recordingWriter();
    await writer.write([
      [item('c', 0, 'a', '1', 10, 'in1')],
      [item('c', 0, 'a', '2', 70, 'in2')],
      [item('c', 0, 'b', '1', 11, 'in1')],
      [{ ...item('c', 0, 'b', null, 0), source: undefined }],
    ]);
    // in1's highest (11) is on b, which the punctuation then deleted: that change is sent too, before the deletion.
    expect(describeSent(sent)).toEqual(['c/0:a=2 @in2:70', 'c/0:b=1 @in1:11', 'c/0:b=null']);
  });

  it('sizes a record by all its changes without their headers (a few markers fit in the room the batch cap leaves), so the 1 MiB cap holds whatever a record changed', () => {
    const { writer } = recordingWriter();
    expect(writer.sizeOf([item('c', 0, 'ab', '123', 0), item('c', 0, 'a', null, 1)])).toBe(2 + 3 + 22 + 1 + 22);
    expect(CHANGELOG_BATCHING.maxBytes).toBeLessThan(1024 * 1024);
  });

  it("keeps a full batch's record batch, markers and all, within the broker's 1 MiB as KafkaJS encodes it (small entries, far-apart timestamps, 32 long-named source topics)", async () => {
    const { writer, sent } = recordingWriter();
    const sources = Array.from({ length: 32 }, (_, n) => `${String(n).padStart(2, '0')}`.padEnd(249, 'x'));
    const batch: RecordChanges[] = [];
    let bytes = 0;
    for (let n = 0; ; n++) {
      // Ten changes a record, each its own key, a one-byte value or a tombstone; each timestamp as far from the first as a number allows.
      const changes = Array.from({ length: 10 }, (_, c) => ({
        ...item('c', 0, String(n * 10 + c), c % 2 === 0 ? 'v' : null, n, sources[n % sources.length]),
        timestamp: n === 0 && c === 0 ? 0 : Number.MAX_SAFE_INTEGER,
      }));
      if (bytes + writer.sizeOf(changes) > CHANGELOG_BATCHING.maxBytes! || batch.length === CHANGELOG_BATCHING.maxRecords) break;
      bytes += writer.sizeOf(changes);
      batch.push(changes);
    }
    await writer.write(batch);
    expect(sent.filter((s) => markerOf(s.message) !== undefined)).toHaveLength(32);
    const first = sent[0]!.message.timestamp!;
    const records = sent.map(({ message: m }, i) =>
      encodeRecord({
        offsetDelta: i,
        timestampDelta: m.timestamp! - first,
        key: m.key!,
        value: m.value,
        headers: m.headers,
      }),
    );
    const encoded = await encodeRecordBatch({ records, firstTimestamp: first, maxTimestamp: Number.MAX_SAFE_INTEGER, lastOffsetDelta: records.length - 1 });
    expect(sent.length).toBeGreaterThan(30_000);
    expect(encoded.buffer.length).toBeLessThanOrEqual(1024 * 1024);
  });

  it('property: a restore of what a batch sent equals a restore of every change with its source (values, highest source offsets), with one headered entry per partition and source topic', async () => {
    const change = fc.record({
      topic: fc.constantFrom('s1', 's2'),
      partition: fc.integer({ min: 0, max: 2 }),
      key: fc.constantFrom('a', 'b', 'c', 'd'),
      value: fc.option(fc.string(), { nil: null }),
      source: fc.constantFrom('in1', 'in2', undefined),
    });
    const record = fc.array(change, { minLength: 1, maxLength: 3 });
    await fc.assert(
      fc.asyncProperty(fc.array(record, { maxLength: 40 }), async (records) => {
        // Offsets rise per source topic in batch order, as a task reads its inputs; a record's changes share its offset.
        const next = new Map<string, number>();
        const batch: RecordChanges[] = records.map((changes) => {
          const source = changes[0]!.source;
          const offset = (next.get(source ?? '') ?? 0) + 1;
          next.set(source ?? '', offset);
          return changes.map((c) =>
            source === undefined
              ? { ...item(c.topic, c.partition, c.key, c.value, 0), source: undefined }
              : item(c.topic, c.partition, c.key, c.value, offset, source),
          );
        });
        const { writer, sent } = recordingWriter();
        await writer.write(batch);
        expect(restoreOfSent(sent)).toEqual(restoreOfEveryChange(batch));
        const markers = sent.flatMap(({ topic, message }) => {
          const marker = markerOf(message);
          return marker ? [`${topic}/${message.partition}/${marker.topic}`] : [];
        });
        expect(new Set(markers).size).toBe(markers.length);
      }),
    );
  });
});
