import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ProcessorHarness } from '../../test/support/processor-harness.js';
import { requiredStringSerde } from '../serdes/basic.js';
import { jsonSerde } from '../serdes/json.js';
import type { Serde } from '../serdes/serde.js';
import { TimeWindows } from '../state/time-windows.js';
import type { DroppedRecord, Fold } from './dropped-record.js';
import { windowStore, type WindowStore } from './store-spec.js';
import { windowAggregateProcessor, type EmitStrategy } from './window-aggregate-processor.js';

const count: Fold<string, string, number> = (_k, _v, previous) => (previous ?? 0) + 1;

/** jsonSerde answering later, as a registry serde may. */
const laterJson: Serde<number> = {
  name: 'later-json',
  serialize: async (v, topic) => jsonSerde<number>().serialize(v, topic),
  deserialize: async (b, topic) => jsonSerde<number>().deserialize(b, topic),
};

async function harness(
  windows: TimeWindows,
  emit: EmitStrategy,
  extra: { wallClockAdvanceMs?: number; onDrop?: (d: DroppedRecord) => void; retentionMs?: number; valueSerde?: Serde<number> } = {},
) {
  const spec = windowStore('counts', { key: requiredStringSerde, value: extra.valueSerde ?? jsonSerde<number>() }, windows, extra.retentionMs);
  const supplier = windowAggregateProcessor<string, string, number>({ node: 'count', storeName: 'counts', windows, fold: count, emit, ...extra });
  return new ProcessorHarness(supplier, [spec], 0, 1_000_000).init();
}

const summary = (records: { key: { key: string; window: { start: number } }; value: number; timestamp?: number }[]) =>
  records.map((r) => `${r.key.key}@${r.key.window.start}=${r.value}`);

describe('windowAggregateProcessor, at once or later', () => {
  it('runs a record in one synchronous step when the store answers at once, closing windows included', async () => {
    const h = await harness(TimeWindows.of(10).grace(2), 'on-window-close');
    expect(h.pipeAtOnce('a', 'x', 1)).toBeUndefined();
    expect(h.pipeAtOnce('a', 'x', 5)).toBeUndefined();
    expect(h.pipeAtOnce('a', 'x', 11)).toBeUndefined(); // nothing closed yet: no promise to look for it
  });

  it('gives the same results, in the same order, with a store serde that answers later', async () => {
    for (const [windows, emit] of [
      [TimeWindows.of(10).advanceBy(5).grace(2), 'each-update'],
      [TimeWindows.of(10).advanceBy(5).grace(2), 'on-window-close'],
    ] as const) {
      const now = await harness(windows, emit);
      const later = await harness(windows, emit, { valueSerde: laterJson });
      for (const [key, t] of [
        ['a', 1],
        ['b', 4],
        ['a', 12],
        ['a', 3],
        ['b', 30],
        ['a', 31],
        ['a', 60],
      ] as const) {
        await now.pipe(key, 'x', t);
        await later.pipe(key, 'x', t);
      }
      expect(summary(later.take())).toEqual(summary(now.take()));
    }
  });
});

describe('windowAggregateProcessor, each-update', () => {
  it('forwards every update of every window a record falls into (hopping windows: several)', async () => {
    const h = await harness(TimeWindows.of(10).advanceBy(5), 'each-update');
    await h.pipe('a', 'x', 12);
    await h.pipe('a', 'x', 13);
    expect(summary(h.take())).toEqual(['a@5=1', 'a@10=1', 'a@5=2', 'a@10=2']);
  });

  it('drops a late record, reports it with the stream time that made it late, and updates no window', async () => {
    const dropped: DroppedRecord[] = [];
    const h = await harness(TimeWindows.of(10).grace(5), 'each-update', { onDrop: (d) => dropped.push(d) });
    await h.pipe('a', 'x', 3);
    await h.pipe('a', 'x', 15); // window [0,10) closes at 15
    await h.pipe('a', 'x', 9); // late: its only window closed
    await h.pipe('a', 'x', 14); // not late: window [10,20) is open
    expect(summary(h.take())).toEqual(['a@0=1', 'a@10=1', 'a@10=2']);
    expect(dropped).toEqual([{ reason: 'late-record', node: 'count', partition: 0, timestamp: 9, streamTime: 15 }]);
  });

  it('updates only the windows still open when a hopping record is late for some of them', async () => {
    const h = await harness(TimeWindows.of(10).advanceBy(5), 'each-update');
    await h.pipe('a', 'x', 16); // closes [0,10) and [5,15)? [5,15) closes at 15: yes
    await h.pipe('a', 'x', 12); // windows [5,15) closed, [10,20) open
    expect(summary(h.take())).toEqual(['a@10=1', 'a@15=1', 'a@10=2']);
  });
});

describe('windowAggregateProcessor, on-window-close', () => {
  it('emits each window once, when stream time passes its end + grace, then deletes it from the store', async () => {
    const h = await harness(TimeWindows.of(10).grace(2), 'on-window-close');
    await h.pipe('b', 'x', 1);
    await h.pipe('a', 'x', 2);
    await h.pipe('a', 'x', 9);
    await h.pipe('a', 'x', 11); // stream time 11 < close 12
    expect(h.take()).toEqual([]);
    await h.pipe('a', 'x', 12); // [0,10) closes
    expect(h.take()).toEqual([
      { key: { key: 'a', window: { start: 0, end: 10 } }, value: 2, timestamp: 9 },
      { key: { key: 'b', window: { start: 0, end: 10 } }, value: 1, timestamp: 9 },
    ]);
    await h.pipe('a', 'x', 13);
    await h.pipe('a', 'x', 40); // [10,20) closes (and nothing of [0,10) again)
    expect(summary(h.take())).toEqual(['a@10=3']);
    const store = h.store<string, number>('counts') as WindowStore<string, number>;
    expect(await store.get('a', 0)).toBeUndefined();
    expect(await store.get('a', 10)).toBeUndefined();
    expect(await store.get('a', 40)).toBe(1);
    // The deletions went to the changelog as tombstones, so a restore does not bring the windows back.
    expect(h.changeLoggers.get('counts')!.changes.filter((c) => c.value === null)).toHaveLength(3);
  });

  it('deletes an emitted window even when the store retains windows longer, so it is not emitted again', async () => {
    const h = await harness(TimeWindows.of(10), 'on-window-close', { retentionMs: 1_000 });
    await h.pipe('a', 'x', 5);
    await h.pipe('a', 'x', 10);
    await h.pipe('a', 'x', 20);
    await h.pipe('a', 'x', 30);
    expect(summary(h.take())).toEqual(['a@0=1', 'a@10=1', 'a@20=1']);
    expect(await (h.store<string, number>('counts') as WindowStore<string, number>).fetch('a', 0, 30)).toEqual([{ window: { start: 30, end: 40 }, value: 1 }]);
  });

  it('never emits a window for a key that went quiet while its partition stays quiet (without wall-clock advance)', async () => {
    const h = await harness(TimeWindows.of(10), 'on-window-close');
    await h.pipe('a', 'x', 5);
    await h.advanceWallClock(3_600_000);
    expect(h.take()).toEqual([]);
  });

  it('with wallClockAdvanceMs, closes the windows of a quiet partition as wall-clock time passes since its last record', async () => {
    const dropped: DroppedRecord[] = [];
    const h = await harness(TimeWindows.of(10_000).grace(1_000), 'on-window-close', { wallClockAdvanceMs: 500, onDrop: (d) => dropped.push(d) });
    await h.pipe('a', 'x', 52_000); // window [50000, 60000) closes at stream time 61000
    await h.pipe('b', 'x', 53_000);
    await h.advanceWallClock(7_000); // 53000 + 7000 = 60000: not yet
    expect(h.take()).toEqual([]);
    await h.advanceWallClock(1_000); // 61000
    expect(summary(h.take())).toEqual(['a@50000=1', 'b@50000=1']);
    await h.advanceWallClock(60_000);
    expect(h.take()).toEqual([]); // once only
    // A record for the emitted window, arriving now, is late: it must not open the window again.
    await h.pipe('a', 'x', 55_000);
    expect(dropped.map((d) => d.reason)).toEqual(['late-record']);
    await h.advanceWallClock(60_000);
    expect(h.take()).toEqual([]);
  });

  it('with wallClockAdvanceMs, a wall-clock punctuation before the first record does not make a backlog late (a task started behind)', async () => {
    const dropped: DroppedRecord[] = [];
    const h = await harness(TimeWindows.of(10_000).grace(1_000), 'on-window-close', { wallClockAdvanceMs: 500, onDrop: (d) => dropped.push(d) });
    // The task is up (assigned, restored) before its first record comes; the records are far behind the wall clock (1,000,000).
    await h.advanceWallClock(5_000);
    for (let t = 0; t < 25_000; t += 1_000) await h.pipe('a', 'x', t);
    expect(dropped).toEqual([]);
    expect(summary(h.take())).toEqual(['a@0=10', 'a@10000=10']);
  });

  it('with wallClockAdvanceMs, does not close windows early while records keep arriving (a replay of old data)', async () => {
    const h = await harness(TimeWindows.of(10_000), 'on-window-close', { wallClockAdvanceMs: 100 });
    // Timestamps far behind the wall clock (1,000,000), a record every 50 ms of wall-clock time.
    for (let t = 0; t < 25_000; t += 1_000) {
      await h.pipe('a', 'x', t);
      await h.advanceWallClock(50);
    }
    expect(summary(h.take())).toEqual(['a@0=10', 'a@10000=10']);
  });
});

/** The windows of `timestamp` by brute force: starts on multiples of `advance`, [start, start + size). */
function windowStartsOf(timestamp: number, size: number, advance: number): number[] {
  const out: number[] = [];
  for (let start = 0; start <= timestamp; start += advance) if (timestamp < start + size) out.push(start);
  return out;
}

describe('windowAggregateProcessor, on-window-close, for any records', () => {
  it('emits each window once, with the number of its records that were not late when they came', async () => {
    const records = fc.array(fc.record({ key: fc.constantFrom('a', 'b', 'c'), timestamp: fc.integer({ min: 0, max: 400 }) }), { maxLength: 60 });
    const shape = fc.record({ size: fc.integer({ min: 1, max: 50 }), advanceSeed: fc.integer({ min: 1, max: 50 }), grace: fc.integer({ min: 0, max: 60 }) });
    await fc.assert(
      fc.asyncProperty(records, shape, async (input, { size, advanceSeed, grace }) => {
        const advance = 1 + ((advanceSeed - 1) % size);
        const h = await harness(TimeWindows.of(size).advanceBy(advance).grace(grace), 'on-window-close');
        const expected = new Map<string, number>();
        let streamTime = -1;
        for (const { key, timestamp } of input) {
          streamTime = Math.max(streamTime, timestamp);
          for (const start of windowStartsOf(timestamp, size, advance)) {
            if (start + size + grace > streamTime) expected.set(`${key}@${start}`, (expected.get(`${key}@${start}`) ?? 0) + 1);
          }
          await h.pipe(key, 'x', timestamp);
        }
        await h.pipe('z', 'x', 10_000); // closes every window of the input
        const emitted = summary(h.take()).filter((s) => !s.startsWith('z@'));
        expect(new Set(emitted.map((s) => s.split('=')[0])).size).toBe(emitted.length);
        expect(emitted.sort()).toEqual([...expected].map(([w, n]) => `${w}=${n}`).sort());
      }),
      { numRuns: 300 },
    );
  });
});
