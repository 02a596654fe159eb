import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { requiredStringSerde } from '../serdes/basic.js';
import type { Serde } from '../serdes/serde.js';
import { RecordingChangeLogger } from './change-logger.js';
import { InMemoryKeyValueStore } from './key-value-store.js';

const numberSerde: Serde<number | null> = {
  name: 'number',
  serialize: (v) => (v === null ? null : Buffer.from(String(v))),
  deserialize: (b) => (b === null ? null : Number(b.toString())),
};

/** Like numberSerde but answers later, as a registry serde may: puts can interleave. */
const slowSerde = (delays: number[]): Serde<number | null> => {
  let i = 0;
  return {
    name: 'slow-number',
    serialize: async (v) => {
      await new Promise((r) => setTimeout(r, delays[i++ % delays.length]));
      return numberSerde.serialize(v, '');
    },
    deserialize: (b) => numberSerde.deserialize(b, ''),
  };
};

function newStore(valueSerde: Serde<number | null> = numberSerde, now = () => 42) {
  const logger = new RecordingChangeLogger();
  const store = new InMemoryKeyValueStore<string, number | null>({
    name: 'counts',
    changelogTopic: 'app-counts-changelog',
    keySerde: requiredStringSerde,
    valueSerde,
    context: { changeLogger: logger, recordTimestamp: now },
  });
  return { store, logger };
}

function replay(logger: RecordingChangeLogger) {
  const { store } = newStore();
  for (const c of logger.changes) store.restore(c.key, c.value);
  return store;
}

describe('InMemoryKeyValueStore', () => {
  it('gets what was put, and logs the serialized change with the record timestamp', async () => {
    const { store, logger } = newStore(numberSerde, () => 1000);
    await store.put('a', 1);
    expect(await store.get('a')).toBe(1);
    expect(await store.get('b')).toBeUndefined();
    expect(logger.changes).toEqual([{ key: Buffer.from('a'), value: Buffer.from('1'), timestamp: 1000 }]);
  });

  it('logs a tombstone on delete and on a put of a value that serializes to null, nothing for a missing key', async () => {
    const { store, logger } = newStore();
    await store.put('a', 1);
    await store.put('b', 2);
    expect(await store.delete('a')).toBe(true);
    expect(await store.delete('a')).toBe(false);
    await store.put('b', null);
    expect(logger.changes.map((c) => [c.key.toString(), c.value])).toEqual([
      ['a', Buffer.from('1')],
      ['b', Buffer.from('2')],
      ['a', null],
      ['b', null],
    ]);
    expect(store.approximateNumEntries).toBe(0);
    expect(store.approximateBytes).toBe(0);
  });

  it('lists entries and ranges in the byte order of the serialized keys', async () => {
    const { store } = newStore();
    for (const k of ['b', 'a', 'd', 'c', 'aa']) await store.put(k, k.length);
    expect((await store.all()).map((e) => e.key)).toEqual(['a', 'aa', 'b', 'c', 'd']);
    expect((await store.range('aa', 'c')).map((e) => e.key)).toEqual(['aa', 'b', 'c']);
  });

  it('restores changelog entries without logging them again', () => {
    const { store, logger } = newStore();
    store.restore(Buffer.from('a'), Buffer.from('7'));
    store.restore(Buffer.from('b'), Buffer.from('8'));
    store.restore(Buffer.from('a'), null);
    expect(logger.changes).toEqual([]);
    expect(store.approximateNumEntries).toBe(1);
  });

  it('refuses a key that serializes to null, naming the store', async () => {
    const store = new InMemoryKeyValueStore<string | null, number | null>({
      name: 'counts',
      changelogTopic: 't',
      keySerde: { name: 'nullable', serialize: (k) => (k === null ? null : Buffer.from(k)), deserialize: (b) => b?.toString() ?? null },
      valueSerde: numberSerde,
      context: { changeLogger: new RecordingChangeLogger(), recordTimestamp: () => 0 },
    });
    await expect(store.put(null, 1)).rejects.toThrow(/store counts: a key must serialize/);
  });

  const op = fc.oneof(
    fc.record({ kind: fc.constant('put' as const), key: fc.constantFrom('a', 'b', 'c', 'd'), value: fc.option(fc.integer(), { nil: null }) }),
    fc.record({ kind: fc.constant('delete' as const), key: fc.constantFrom('a', 'b', 'c', 'd') }),
  );

  it('behaves as a map, and replaying its changelog rebuilds it exactly (property)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(op, { maxLength: 60 }), async (ops) => {
        const { store, logger } = newStore();
        const model = new Map<string, number>();
        for (const o of ops) {
          if (o.kind === 'put') {
            await store.put(o.key, o.value);
            if (o.value === null) model.delete(o.key);
            else model.set(o.key, o.value);
          } else {
            expect(await store.delete(o.key)).toBe(model.delete(o.key));
          }
        }
        const sorted = [...model].sort(([a], [b]) => (a < b ? -1 : 1)).map(([key, value]) => ({ key, value }));
        expect(await store.all()).toEqual(sorted);
        expect(await replay(logger).all()).toEqual(sorted);
        expect(replay(logger).approximateBytes).toBe(store.approximateBytes);
      }),
    );
  });

  it('reports a serde failure as a rejected promise, never as a throw from the call itself, and changes nothing', async () => {
    const failing: Serde<number | null> = {
      name: 'failing',
      serialize: () => {
        throw new Error('cannot encode');
      },
      deserialize: () => {
        throw new Error('cannot decode');
      },
    };
    const { store, logger } = newStore(failing);
    const put = store.put('a', 1);
    await expect(put).rejects.toThrow('cannot encode');
    store.restore(Buffer.from('a'), Buffer.from('1'));
    const get = store.get('a');
    await expect(get).rejects.toThrow('cannot decode');
    expect(logger.changes).toEqual([]);
  });

  it('keeps memory and changelog in the same order when puts interleave on a slow serde (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.constantFrom('a', 'b'), fc.integer()), { minLength: 1, maxLength: 12 }),
        fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 1 }),
        async (puts, delays) => {
          const { store, logger } = newStore(slowSerde(delays));
          await Promise.all(puts.map(([k, v]) => store.put(k, v)));
          expect(await replay(logger).all()).toEqual(await store.all());
        },
      ),
      { numRuns: 30 },
    );
  });
});

describe('InMemoryKeyValueStore *Now methods', () => {
  it('answer at once with synchronous serdes, and change and log exactly as get, put and delete do', async () => {
    const now = newStore();
    const promised = newStore();
    expect(now.store.getNow('a')).toBeUndefined();
    expect(now.store.putNow('a', 1)).toBeUndefined();
    expect(now.store.getNow('a')).toBe(1);
    expect(now.store.putNow('b', 2)).toBeUndefined();
    expect(now.store.deleteNow('a')).toBe(true);
    expect(now.store.deleteNow('a')).toBe(false);
    await promised.store.put('a', 1);
    await promised.store.put('b', 2);
    await promised.store.delete('a');
    await promised.store.delete('a');
    expect(now.logger.changes).toEqual(promised.logger.changes);
    expect(await now.store.all()).toEqual(await promised.store.all());
  });

  it('answer with a promise when a serde does, and change the store only once it answered', async () => {
    const { store, logger } = newStore(slowSerde([5]));
    const put = store.putNow('a', 7);
    expect(put).toBeInstanceOf(Promise);
    expect(store.getNow('a')).toBeUndefined();
    await put;
    expect(store.getNow('a')).toBe(7);
    expect(logger.changes).toHaveLength(1);
  });

  it('throw rather than reject, where get and put reject', async () => {
    const { store } = newStore();
    const nullKey = null as unknown as string;
    expect(() => store.getNow(nullKey)).toThrow();
    expect(() => store.putNow(nullKey, 1)).toThrow();
    await expect(store.get(nullKey)).rejects.toThrow();
    await expect(store.put(nullKey, 1)).rejects.toThrow();
  });
});
