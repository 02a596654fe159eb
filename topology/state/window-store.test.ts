import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { requiredStringSerde } from '../serdes/basic.js';
import type { Serde } from '../serdes/serde.js';
import { RecordingChangeLogger } from './change-logger.js';
import { TimeWindows } from './time-windows.js';
import { decodeWindowedKey, encodeWindowedKey, InMemoryWindowStore } from './window-store.js';

const numberSerde: Serde<number | null> = {
  name: 'number',
  serialize: (v) => (v === null ? null : Buffer.from(String(v))),
  deserialize: (b) => (b === null ? null : Number(b.toString())),
};

const WINDOWS = TimeWindows.of(10).advanceBy(5).grace(2);

function newStore(retentionMs?: number) {
  const logger = new RecordingChangeLogger();
  const store = new InMemoryWindowStore<string, number | null>({
    name: 'sums',
    changelogTopic: 'app-sums-changelog',
    keySerde: requiredStringSerde,
    valueSerde: numberSerde,
    context: { changeLogger: logger, recordTimestamp: () => 7 },
    windows: WINDOWS,
    retentionMs,
  });
  return { store, logger };
}

const everything = (store: InMemoryWindowStore<string, number | null>) => store.closedWindows(Number.MAX_SAFE_INTEGER);

describe('windowed changelog keys', () => {
  it('are the key bytes then the start as 8 bytes big-endian', () => {
    expect(encodeWindowedKey(Buffer.from('k'), 258)).toEqual(Buffer.from([0x6b, 0, 0, 0, 0, 0, 0, 1, 2]));
  });

  it('decode to what was encoded (property)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 40 }), fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }), (key, start) => {
        const decoded = decodeWindowedKey(encodeWindowedKey(Buffer.from(key), start));
        expect(decoded).toEqual({ key: Buffer.from(key), windowStart: start });
      }),
    );
  });

  it('refuses a key too short to hold a window start', () => {
    expect(() => decodeWindowedKey(Buffer.from('abc'))).toThrow(/at least 8 bytes/);
  });
});

describe('InMemoryWindowStore', () => {
  it('gets and fetches a key’s windows by start, oldest first, and logs windowed keys', async () => {
    const { store, logger } = newStore();
    await store.put('a', 10, 1);
    await store.put('a', 0, 2);
    await store.put('b', 5, 3);
    await store.put('a', 20, 4);
    expect(await store.get('a', 10)).toBe(1);
    expect(await store.get('a', 5)).toBeUndefined();
    expect(await store.fetch('a', 0, 10)).toEqual([
      { window: { start: 0, end: 10 }, value: 2 },
      { window: { start: 10, end: 20 }, value: 1 },
    ]);
    expect(logger.changes[0]).toEqual({ key: encodeWindowedKey(Buffer.from('a'), 10), value: Buffer.from('1'), timestamp: 7 });
  });

  it('lists the windows that closed between two stream times, by close time then key', async () => {
    const { store } = newStore();
    await store.put('b', 0, 1);
    await store.put('a', 0, 2);
    await store.put('a', 5, 3);
    await store.put('a', 10, 4);
    // [0,10) closes at 12, [5,15) at 17, [10,20) at 22.
    expect(await store.closedWindows(11)).toEqual([]);
    expect((await store.closedWindows(17)).map((e) => [e.key, e.window.start])).toEqual([
      ['a', 0],
      ['b', 0],
      ['a', 5],
    ]);
    expect((await store.closedWindows(22, 12)).map((e) => [e.key, e.window.start])).toEqual([
      ['a', 5],
      ['a', 10],
    ]);
  });

  it('expires windows past retention with a tombstone each, never one still open', async () => {
    const { store, logger } = newStore(20);
    await store.put('a', 0, 1);
    await store.put('b', 0, 2);
    await store.put('a', 5, 3);
    logger.changes.length = 0;
    expect(store.expire(19)).toBe(0);
    expect(store.expire(20)).toBe(2);
    expect(logger.changes.map((c) => [decodeWindowedKey(c.key).key.toString(), decodeWindowedKey(c.key).windowStart, c.value])).toEqual([
      ['a', 0, null],
      ['b', 0, null],
    ]);
    expect(await store.fetch('a', 0, 100)).toEqual([{ window: { start: 5, end: 15 }, value: 3 }]);
    expect(store.approximateNumEntries).toBe(1);
  });

  it('refuses a retention shorter than size + grace, naming the store', () => {
    expect(() => newStore(11)).toThrow(/window store sums: retention must be at least size \+ grace \(12 ms\)/);
  });

  const op = fc.oneof(
    fc.record({
      kind: fc.constant('put' as const),
      key: fc.constantFrom('a', 'b', 'c'),
      start: fc.integer({ min: 0, max: 12 }).map((i) => i * 5),
      value: fc.option(fc.integer(), { nil: null }),
    }),
    fc.record({ kind: fc.constant('delete' as const), key: fc.constantFrom('a', 'b', 'c'), start: fc.integer({ min: 0, max: 12 }).map((i) => i * 5) }),
    fc.record({ kind: fc.constant('expire' as const), streamTime: fc.integer({ min: 0, max: 80 }) }),
  );

  it('matches a model, expires only closed windows, and is rebuilt exactly by replaying its changelog (property)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(op, { maxLength: 50 }), fc.integer({ min: 12, max: 40 }), async (ops, retention) => {
        const { store, logger } = newStore(retention);
        const model = new Map<string, number>();
        const id = (key: string, start: number) => `${start.toString().padStart(4, '0')}|${key}`;
        for (const o of ops) {
          if (o.kind === 'put') {
            await store.put(o.key, o.start, o.value);
            if (o.value === null) model.delete(id(o.key, o.start));
            else model.set(id(o.key, o.start), o.value);
          } else if (o.kind === 'delete') {
            expect(await store.delete(o.key, o.start)).toBe(model.delete(id(o.key, o.start)));
          } else {
            const before = await everything(store);
            store.expire(o.streamTime);
            const after = new Set((await everything(store)).map((e) => id(e.key, e.window.start)));
            for (const e of before) {
              if (after.has(id(e.key, e.window.start))) continue;
              expect(WINDOWS.isClosed(e.window, o.streamTime)).toBe(true);
              model.delete(id(e.key, e.window.start));
            }
          }
        }
        const contents = (await everything(store)).map((e) => [id(e.key, e.window.start), e.value] as const).sort();
        expect(contents).toEqual([...model].sort());
        const restored = newStore(retention).store;
        for (const c of logger.changes) restored.restore(c.key, c.value);
        expect(await everything(restored)).toEqual(await everything(store));
        expect(restored.approximateBytes).toBe(store.approximateBytes);
        expect(store.approximateNumEntries).toBe(model.size);
      }),
    );
  });
});

describe('InMemoryWindowStore at once', () => {
  it('gets and puts at once with synchronous serdes, logging as put does', async () => {
    const now = newStore();
    const promised = newStore();
    expect(now.store.putNow('a', 10, 1)).toBeUndefined();
    expect(now.store.getNow('a', 10)).toBe(1);
    expect(now.store.getNow('a', 5)).toBeUndefined();
    await promised.store.put('a', 10, 1);
    expect(now.logger.changes).toEqual(promised.logger.changes);
  });

  it('tells whether a window is closed at a stream time, as closedWindows finds one', async () => {
    const { store } = newStore();
    expect(store.anyClosed(Number.MAX_SAFE_INTEGER)).toBe(false); // nothing held
    await store.put('a', 5, 1);
    await store.put('b', 10, 2);
    // The window [5, 15) closes at 15 + grace 2.
    for (const time of [16, 17, 30]) {
      expect(store.anyClosed(time)).toBe((await store.closedWindows(time)).length > 0);
    }
    expect(store.anyClosed(16)).toBe(false);
    expect(store.anyClosed(17)).toBe(true);
  });
});
