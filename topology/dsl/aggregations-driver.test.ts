import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { DroppedRecord } from '../processor/dropped-record.js';
import { requiredStringSerde } from '../serdes/basic.js';
import { jsonSerde } from '../serdes/json.js';
import { timeWindowedSerde } from '../serdes/windowed.js';
import { TimeWindows } from '../state/time-windows.js';
import { TopologyTestDriver } from '../testing/test-driver.js';
import { TopologyBuilder } from './builder.js';

const num = jsonSerde<number>();
const key = requiredStringSerde;

function countTopology() {
  const b = new TopologyBuilder();
  b.stream('in', { key, value: num }).groupByKey().count({ name: 'counts' }).toStream().to('out', { key, value: num });
  return b.build();
}

function windowedTopology(windows: TimeWindows, options: { wallClockAdvanceMs?: number; onDrop?: (d: DroppedRecord) => void } = {}) {
  const b = new TopologyBuilder();
  b.stream('in', { key, value: num })
    .groupByKey()
    .windowedBy(windows)
    .count({ name: 'window-counts', emit: 'on-window-close', ...options })
    .toStream()
    .to('out', { key: timeWindowedSerde(key, windows.sizeMs), value: num });
  return b.build();
}

const render = (records: { key: { key: string; window: { start: number } }; value: number }[]) =>
  records.map((r) => `${r.key.key}@${r.key.window.start}=${r.value}`);

describe('aggregations through the TopologyTestDriver', () => {
  it('count() sends each update of a key to the output topic', async () => {
    const driver = new TopologyTestDriver(countTopology());
    const input = driver.inputTopic('in', key, num);
    for (const k of ['a', 'b', 'a', 'a']) await input.pipe(k, 0);
    const out = await driver.outputTopic('out', key, num).readKeyValues();
    expect(out.map((r) => `${r.key}=${r.value}`)).toEqual(['a=1', 'b=1', 'a=2', 'a=3']);
  });

  it('reduce() and aggregate() fold the values of a key, each update sent', async () => {
    const b = new TopologyBuilder();
    const grouped = b.stream('in', { key, value: num }).groupByKey();
    grouped
      .reduce((a, v) => Math.max(a, v), { name: 'max' })
      .toStream()
      .to('max', { key, value: num });
    grouped
      .aggregate(
        () => ({ n: 0, sum: 0 }),
        (_k, v, a) => ({ n: a.n + 1, sum: a.sum + v }),
        { name: 'mean', valueSerde: jsonSerde<{ n: number; sum: number }>() },
      )
      .toStream()
      .mapValues((a) => a.sum / a.n)
      .to('mean', { key, value: num });
    const driver = new TopologyTestDriver(b.build());
    for (const [k, v] of [
      ['a', 3],
      ['a', 7],
      ['b', 1],
      ['a', 2],
    ] as const)
      await driver.inputTopic('in', key, num).pipe(k, v);
    expect((await driver.outputTopic('max', key, num).readKeyValues()).map((r) => `${r.key}=${r.value}`)).toEqual(['a=3', 'a=7', 'b=1', 'a=7']);
    expect((await driver.outputTopic('mean', key, num).readKeyValues()).map((r) => `${r.key}=${r.value}`)).toEqual(['a=3', 'a=5', 'b=1', 'a=4']);
  });

  it('after a restart from the changelog, counts go on and a window already sent is not sent again', async () => {
    const windows = TimeWindows.of(100);
    const serdeOut = timeWindowedSerde(key, 100);
    const first = new TopologyTestDriver(windowedTopology(windows));
    await first.inputTopic('in', key, num).pipe('a', 0, { timestamp: 10 }); // offset 0
    await first.inputTopic('in', key, num).pipe('a', 0, { timestamp: 120 }); // offset 1: [0,100) sent
    expect(render(await first.outputTopic('out', serdeOut, num).readKeyValues())).toEqual(['a@0=1']);
    first.close();
    // The restart reads from an older commit: offsets 0 and 1 come again (their changes are in the changelog), then new ones.
    const second = new TopologyTestDriver(windowedTopology(windows), { changelog: first.changelog });
    const input = second.inputTopic('in', key, num);
    for (const timestamp of [10, 120, 150, 230]) await input.pipe('a', 0, { timestamp });
    expect(render(await second.outputTopic('out', serdeOut, num).readKeyValues())).toEqual(['a@100=2']);
  });

  it('keeps state per input partition: the same key in two partitions is counted twice, apart', async () => {
    const driver = new TopologyTestDriver(countTopology());
    const input = driver.inputTopic('in', key, num);
    await input.pipe('a', 0, { partition: 0 });
    await input.pipe('a', 0, { partition: 1 });
    await input.pipe('a', 0, { partition: 0 });
    const out = await driver.outputTopic('out', key, num).readKeyValues();
    expect(out.map((r) => `${r.key}=${r.value}`)).toEqual(['a=1', 'a=1', 'a=2']);
  });

  it('on-window-close sends each window once when stream time passes its end + grace, and drops late records', async () => {
    const dropped: DroppedRecord[] = [];
    const windows = TimeWindows.of(60_000).grace(10_000);
    const driver = new TopologyTestDriver(windowedTopology(windows, { onDrop: (d) => dropped.push(d) }));
    const input = driver.inputTopic('in', key, num);
    const out = driver.outputTopic('out', timeWindowedSerde(key, 60_000), num);
    await input.pipe('a', 0, { timestamp: 1_000 });
    await input.pipe('a', 0, { timestamp: 59_000 });
    await input.pipe('b', 0, { timestamp: 65_000 });
    await input.pipe('a', 0, { timestamp: 30_000 }); // within grace: counted
    expect(await out.readKeyValues()).toEqual([]);
    await input.pipe('b', 0, { timestamp: 70_000 }); // [0, 60000) closes at 70000
    expect(render(await out.readKeyValues())).toEqual(['a@0=3']);
    await input.pipe('a', 0, { timestamp: 2_000 }); // late
    expect(dropped.map((d) => [d.reason, d.timestamp, d.streamTime])).toEqual([['late-record', 2_000, 70_000]]);
    await input.pipe('b', 0, { timestamp: 200_000 });
    expect(render(await out.readKeyValues())).toEqual(['b@60000=2']);
  });

  it('with wallClockAdvanceMs, a window of a partition that went quiet is still sent, once', async () => {
    const windows = TimeWindows.of(60_000).grace(5_000);
    const driver = new TopologyTestDriver(windowedTopology(windows, { wallClockAdvanceMs: 1_000 }), { startTime: 0 });
    const out = driver.outputTopic('out', timeWindowedSerde(key, 60_000), num);
    await driver.inputTopic('in', key, num).pipe('quiet', 0, { timestamp: 10_000 });
    await driver.advanceWallClockTime(54_000); // stream time taken to 64000: not yet
    expect(await out.readKeyValues()).toEqual([]);
    await driver.advanceWallClockTime(1_000); // 65000
    expect(render(await out.readKeyValues())).toEqual(['quiet@0=1']);
    await driver.advanceWallClockTime(600_000);
    expect(await out.readKeyValues()).toEqual([]);
  });

  it('on-window-close: a window’s count is the number of its records that were not late, for any keys and timestamps', async () => {
    const records = fc.array(fc.record({ key: fc.constantFrom('a', 'b', 'c'), timestamp: fc.integer({ min: 0, max: 3_000 }) }), { maxLength: 40 });
    const shape = fc.record({ size: fc.integer({ min: 1, max: 500 }), hops: fc.integer({ min: 1, max: 3 }), grace: fc.integer({ min: 0, max: 600 }) });
    await fc.assert(
      fc.asyncProperty(records, shape, async (input, { size, hops, grace }) => {
        const advance = Math.max(1, Math.floor(size / hops));
        const driver = new TopologyTestDriver(windowedTopology(TimeWindows.of(size).advanceBy(advance).grace(grace)));
        const topic = driver.inputTopic('in', key, num);
        const expected = new Map<string, number>();
        let streamTime = -1;
        for (const { key: k, timestamp } of input) {
          streamTime = Math.max(streamTime, timestamp);
          for (let start = 0; start <= timestamp; start += advance) {
            if (timestamp < start + size && start + size + grace > streamTime) expected.set(`${k}@${start}`, (expected.get(`${k}@${start}`) ?? 0) + 1);
          }
          await topic.pipe(k, 0, { timestamp });
        }
        await topic.pipe('z', 0, { timestamp: 1_000_000 }); // closes every window of the input
        const emitted = render(await driver.outputTopic('out', timeWindowedSerde(key, size), num).readKeyValues()).filter((s) => !s.startsWith('z@'));
        expect(new Set(emitted.map((s) => s.split('=')[0])).size).toBe(emitted.length);
        expect(emitted.sort()).toEqual([...expected].map(([w, n]) => `${w}=${n}`).sort());
      }),
      { numRuns: 100 },
    );
  });
});
