import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Clock } from '../runtime/clock.js';
import { ManualClock } from '../testing/manual-clock.js';
import type { RestorableStore } from './change-logger.js';
import { ChangelogReadInterrupted, ChangelogRestorer, type ChangelogChunk, type ChangelogSource, type RestoreProgress } from './changelog-restorer.js';
import { InMemoryChangelog } from './in-memory-changelog.js';

const TOPIC = 'app-s-changelog';

/** The smallest store: a map of key text to value text. */
class MapStore implements RestorableStore {
  readonly name = 's';
  readonly map = new Map<string, string>();
  restore(key: Buffer, value: Buffer | null): void {
    if (value === null) this.map.delete(key.toString());
    else this.map.set(key.toString(), value.toString());
  }
  clear(): void {
    this.map.clear();
  }
}

const signal = () => new AbortController().signal;

describe('ChangelogRestorer', () => {
  it('rebuilds the final state of a partition with overwrites and tombstones, and no other partition (property)', async () => {
    const op = fc.tuple(
      fc.constantFrom('a', 'b', 'c', 'd', 'e'),
      fc.option(fc.string({ maxLength: 3 }), { nil: null }),
      fc.integer({ min: 0, max: 2 }),
      fc.boolean(),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(op, { maxLength: 80 }), fc.integer({ min: 1, max: 7 }), async (ops, chunkSize) => {
        const log = new InMemoryChangelog(chunkSize);
        const expected = new Map<string, string>();
        for (const [key, value, partition, marker] of ops) {
          log.append(TOPIC, partition, Buffer.from(key), value === null ? null : Buffer.from(value));
          if (marker) log.skip(TOPIC, partition);
          if (partition !== 1) continue;
          if (value === null) expected.delete(key);
          else expected.set(key, value);
        }
        const store = new MapStore();
        store.map.set('stale', 'left from before');
        const result = await new ChangelogRestorer(log).restore({ store, topic: TOPIC, partition: 1, signal: signal() });
        expect(result.completed).toBe(true);
        expect(store.map).toEqual(expected);
        expect(result.entries).toBe(ops.filter(([, , p]) => p === 1).length);
      }),
    );
  });

  it('reads up to the end offset taken when it began, not what is appended during the restore', async () => {
    const log = new InMemoryChangelog(1);
    log.append(TOPIC, 0, Buffer.from('a'), Buffer.from('1'));
    log.append(TOPIC, 0, Buffer.from('b'), Buffer.from('2'));
    const store = new MapStore();
    const result = await new ChangelogRestorer(log).restore({
      store,
      topic: TOPIC,
      partition: 0,
      signal: signal(),
      onProgress: () => log.append(TOPIC, 0, Buffer.from('late'), Buffer.from('x')),
    });
    expect(result).toMatchObject({ completed: true, entries: 2, end: 2n });
    expect([...store.map.keys()]).toEqual(['a', 'b']);
  });

  it('completes when the partition ends with offsets that carry no entry (a commit marker)', async () => {
    const log = new InMemoryChangelog();
    log.append(TOPIC, 0, Buffer.from('a'), Buffer.from('1'));
    log.skip(TOPIC, 0);
    const result = await new ChangelogRestorer(log).restore({ store: new MapStore(), topic: TOPIC, partition: 0, signal: signal() });
    expect(result).toMatchObject({ completed: true, entries: 1, position: 2n, end: 2n });
  });

  it('completes at once for an empty partition', async () => {
    const result = await new ChangelogRestorer(new InMemoryChangelog()).restore({ store: new MapStore(), topic: TOPIC, partition: 3, signal: signal() });
    expect(result).toMatchObject({ completed: true, entries: 0, end: 0n });
  });

  it('stops when revoked, reports it incomplete and leaves the store empty', async () => {
    const log = new InMemoryChangelog(10);
    for (let i = 0; i < 100; i++) log.append(TOPIC, 0, Buffer.from(`k${i}`), Buffer.from('v'));
    const revoke = new AbortController();
    const store = new MapStore();
    const seen: RestoreProgress[] = [];
    const result = await new ChangelogRestorer(log).restore({
      store,
      topic: TOPIC,
      partition: 0,
      signal: revoke.signal,
      onProgress: (p) => {
        seen.push(p);
        if (p.entries >= 30) revoke.abort();
      },
    });
    expect(result.completed).toBe(false);
    expect(result.entries).toBe(30);
    expect(store.map.size).toBe(0);
    expect(seen).toHaveLength(3);
  });

  it('does not read at all when revoked before it began', async () => {
    const revoke = new AbortController();
    revoke.abort();
    const source: ChangelogSource = {
      offsetRange: () => Promise.reject(new Error('should not be asked')),
      read: () => ({ [Symbol.asyncIterator]: () => ({ next: () => Promise.reject(new Error('should not be read')) }) }),
    };
    const result = await new ChangelogRestorer(source).restore({ store: new MapStore(), topic: TOPIC, partition: 0, signal: revoke.signal });
    expect(result.completed).toBe(false);
  });

  it('fails, with an empty store, when the source ends before the end offset', async () => {
    const store = new MapStore();
    const source: ChangelogSource = {
      offsetRange: () => Promise.resolve({ start: 0n, end: 10n }),
      // eslint-disable-next-line @typescript-eslint/require-await
      read: async function* (): AsyncIterable<ChangelogChunk> {
        yield { entries: [{ offset: 0n, key: Buffer.from('a'), value: Buffer.from('1') }], nextOffset: 1n };
      },
    };
    await expect(new ChangelogRestorer(source).restore({ store, topic: TOPIC, partition: 0, signal: signal() })).rejects.toThrow(
      /restoring store s: changelog app-s-changelog\[0\] stopped at offset 1, before its end 10/,
    );
    expect(store.map.size).toBe(0);
  });

  it('reads again from where it got to when a read is interrupted, without applying an earlier entry again', async () => {
    const store = new MapStore();
    const entry = (offset: bigint, key: string, value: string) => ({ offset, key: Buffer.from(key), value: Buffer.from(value) });
    const froms: bigint[] = [];
    const source: ChangelogSource = {
      offsetRange: () => Promise.resolve({ start: 0n, end: 3n }),
      // eslint-disable-next-line @typescript-eslint/require-await
      read: async function* (_topic, _partition, fromOffset): AsyncIterable<ChangelogChunk> {
        froms.push(fromOffset);
        if (froms.length === 1) {
          yield { entries: [entry(0n, 'a', '1'), entry(1n, 'a', '2')], nextOffset: 2n };
          throw new ChangelogReadInterrupted('the reader crashed');
        }
        // A reader handing back an entry before where it was asked to start (a whole fetched batch).
        yield { entries: [entry(0n, 'a', '1'), entry(2n, 'b', '1')], nextOffset: 3n };
      },
    };
    const result = await new ChangelogRestorer(source).restore({ store, topic: TOPIC, partition: 0, signal: signal() });
    expect(froms).toEqual([0n, 2n]);
    expect(result).toMatchObject({ completed: true, entries: 3, position: 3n });
    expect(Object.fromEntries(store.map)).toEqual({ a: '2', b: '1' });
  });

  it('fails, with an empty store, when reads keep being interrupted or fail otherwise', async () => {
    const failing = (error: () => Error): ChangelogSource => ({
      offsetRange: () => Promise.resolve({ start: 0n, end: 10n }),
      // eslint-disable-next-line @typescript-eslint/require-await
      read: async function* (_topic, _partition, fromOffset): AsyncIterable<ChangelogChunk> {
        yield { entries: [{ offset: fromOffset, key: Buffer.from(`k${fromOffset}`), value: Buffer.from('v') }], nextOffset: fromOffset + 1n };
        throw error();
      },
    });
    // Waits between reads end at once.
    const clock: Clock = { now: () => 0, setTimer: (fn) => setImmediate(fn), clearTimer: () => undefined };
    const interrupted = new MapStore();
    await expect(
      new ChangelogRestorer(
        failing(() => new ChangelogReadInterrupted('crashed again')),
        clock,
      ).restore({ store: interrupted, topic: TOPIC, partition: 0, signal: signal() }),
    ).rejects.toThrow('crashed again');
    expect(interrupted.map.size).toBe(0);
    const broken = new MapStore();
    await expect(
      new ChangelogRestorer(
        failing(() => new Error('not a restartable crash')),
        clock,
      ).restore({ store: broken, topic: TOPIC, partition: 0, signal: signal() }),
    ).rejects.toThrow('not a restartable crash');
  });

  it('reports progress with entries, position and elapsed time on its clock, and skips keyless entries', async () => {
    const clock = new ManualClock(1000);
    const log = new InMemoryChangelog(2);
    log.append(TOPIC, 0, Buffer.from('a'), Buffer.from('1'));
    log.append(TOPIC, 0, null, Buffer.from('?'));
    log.append(TOPIC, 0, Buffer.from('b'), Buffer.from('2'));
    const seen: RestoreProgress[] = [];
    const result = await new ChangelogRestorer(log, clock).restore({
      store: new MapStore(),
      topic: TOPIC,
      partition: 0,
      signal: signal(),
      onProgress: (p) => {
        seen.push(p);
        clock.advance(5);
      },
    });
    expect(seen.map((p) => [p.entries, p.position, p.elapsedMs])).toEqual([
      [1, 2n, 0],
      [2, 3n, 5],
    ]);
    expect(result).toMatchObject({ completed: true, entries: 2, skipped: 1, elapsedMs: 10 });
  });
});
