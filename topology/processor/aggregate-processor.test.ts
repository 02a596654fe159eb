import { describe, expect, it } from 'vitest';
import { ProcessorHarness } from '../../test/support/processor-harness.js';
import { requiredStringSerde } from '../serdes/basic.js';
import { jsonSerde } from '../serdes/json.js';
import type { KeyValueStore } from '../state/key-value-store.js';
import { aggregateProcessor } from './aggregate-processor.js';
import type { DroppedRecord, Fold } from './dropped-record.js';
import { keyValueStore } from './store-spec.js';

const sum: Fold<string, number, number> = (_k, v, previous) => (previous ?? 0) + v;

async function harness(onDrop?: (d: DroppedRecord) => void) {
  const spec = keyValueStore('sums', { key: requiredStringSerde, value: jsonSerde<number>() });
  return new ProcessorHarness(
    aggregateProcessor<string, number | null, number>({ node: 'sum', storeName: 'sums', fold: sum as Fold<string, number | null, number>, onDrop }),
    [spec],
  ).init();
}

describe('aggregateProcessor', () => {
  it('keeps one aggregate per key in its store and forwards every update as (key, new aggregate)', async () => {
    const h = await harness();
    await h.pipe('a', 1, 10);
    await h.pipe('b', 5, 11);
    await h.pipe('a', 2, 12);
    expect(h.take().map((r) => [r.key, r.value])).toEqual([
      ['a', 1],
      ['b', 5],
      ['a', 3],
    ]);
    const store = h.store<string, number>('sums') as KeyValueStore<string, number>;
    expect(await store.get('a')).toBe(3);
    expect(await store.get('b')).toBe(5);
    // Each update went to the changelog, the value as its serde wrote it.
    expect(h.changeLoggers.get('sums')!.changes.map((c) => [c.key.toString(), c.value?.toString(), c.timestamp])).toEqual([
      ['a', '1', 10],
      ['b', '5', 11],
      ['a', '3', 12],
    ]);
  });

  it('drops a record with no key or no value, reports it, and changes nothing', async () => {
    const dropped: DroppedRecord[] = [];
    const h = await harness((d) => dropped.push(d));
    await h.pipe(null as unknown as string, 1, 10);
    await h.pipe('a', null, 11);
    expect(h.take()).toEqual([]);
    expect(dropped.map((d) => d.reason)).toEqual(['null-key', 'null-value']);
    expect(h.changeLoggers.get('sums')!.changes).toEqual([]);
  });

  it('fails the record (throws) when the aggregate cannot be stored as it is, and forwards nothing', async () => {
    const h = await harness();
    await expect(h.pipe('a', Number.NaN, 10)).rejects.toThrow(/NaN/);
    expect(h.take()).toEqual([]);
  });
});
