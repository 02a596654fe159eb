import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ChangelogWriter, lastChangePerKey, type ChangelogItem } from './changelog-writer.js';
import type { ProducedMessage } from './output-producer.js';

const item = (topic: string, partition: number, key: string, value: string | null, offset: number): ChangelogItem => ({
  topic,
  partition,
  key: Buffer.from(key),
  value: value === null ? null : Buffer.from(value),
  timestamp: offset,
  source: { topic: 'in', offset: String(offset) },
});

/** What a restore makes of a changelog: the last value per key, and the highest source offset per topic and partition. */
function restoreView(items: readonly ChangelogItem[]) {
  const values = new Map<string, string | null>();
  const highest = new Map<string, number>();
  for (const i of items) {
    values.set(`${i.topic}/${i.partition}/${i.key.toString()}`, i.value?.toString() ?? null);
    const at = `${i.topic}/${i.partition}`;
    highest.set(at, Math.max(highest.get(at) ?? -1, Number(i.source?.offset)));
  }
  return { values, highest };
}

describe('ChangelogWriter', () => {
  it('sends only the last change of each key of a batch, to its own partition, in the order of those last changes', async () => {
    const sent: { topic: string; messages: readonly ProducedMessage[] }[] = [];
    const writer = new ChangelogWriter({ send: (topic, messages) => Promise.resolve(void sent.push({ topic, messages })) });
    // Three records' changes: the first changed two keys, the last two partitions.
    await writer.write([
      [item('c', 0, 'a', '1', 0), item('c', 0, 'b', '1', 1)],
      [item('c', 0, 'a', '2', 2)],
      [item('c', 1, 'a', '9', 3), item('c', 0, 'b', null, 4)],
    ]);
    expect(sent).toHaveLength(1);
    expect(sent[0]!.messages.map((m) => `${m.partition}:${m.key!.toString()}=${m.value?.toString() ?? 'null'}`)).toEqual(['0:a=2', '1:a=9', '0:b=null']);
  });

  it('sends the source topic and offset of each change as headers (what a restore reads), and none for a change without a source', async () => {
    const sent: ProducedMessage[] = [];
    const writer = new ChangelogWriter({ send: (_topic, messages) => Promise.resolve(void sent.push(...messages)) });
    await writer.write([[item('c', 0, 'a', '1', 7)], [{ ...item('c', 0, 'b', '1', 8), source: undefined }]]);
    expect(sent.map((m) => m.headers)).toEqual([{ 'tempstream.source.topic': Buffer.from('in'), 'tempstream.source.offset': Buffer.from('7') }, undefined]);
  });

  it('sizes a record by all its changes, so the 1 MiB cap holds whatever a record changed', () => {
    const writer = new ChangelogWriter({ send: () => Promise.resolve() });
    expect(writer.sizeOf([item('c', 0, 'ab', '123', 0), item('c', 0, 'a', null, 1)])).toBe(2 + 3 + 64 + 1 + 64);
  });

  it('property: a restore of the reduced batch equals a restore of every change (values and highest source offsets)', () => {
    const change = fc.record({
      topic: fc.constantFrom('s1', 's2'),
      partition: fc.integer({ min: 0, max: 2 }),
      key: fc.constantFrom('a', 'b', 'c', 'd'),
      value: fc.option(fc.string(), { nil: null }),
    });
    fc.assert(
      fc.property(fc.array(change, { maxLength: 60 }), (changes) => {
        const batch = changes.map((c, offset) => item(c.topic, c.partition, c.key, c.value, offset));
        expect(restoreView(lastChangePerKey(batch))).toEqual(restoreView(batch));
      }),
    );
  });
});
