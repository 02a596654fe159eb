import { describe, expect, it } from 'vitest';
import { TopologyBuilder } from '../dsl/builder.js';
import { keyValueStore } from '../processor/store-spec.js';
import type { Processor, ProcessorContext } from '../processor/processor.js';
import { requiredStringSerde, stringSerde } from '../serdes/basic.js';
import type { Serde } from '../serdes/serde.js';
import type { StreamRecord } from '../records.js';
import { TopologyTestDriver } from './test-driver.js';

const numberSerde: Serde<number> = {
  name: 'number',
  serialize: (n) => Buffer.from(String(n)),
  deserialize: (b) => Number(b!.toString()),
};

/** Counts records per key; forwards `key -> count`. Throws on the value 'boom' after counting. */
class Counter implements Processor<string | null, string | null, string, string> {
  private context!: ProcessorContext<string, string>;
  init(context: ProcessorContext<string, string>) {
    this.context = context;
  }
  async process(record: StreamRecord<string | null, string | null>) {
    const store = this.context.getKeyValueStore<string, number>('counts');
    const key = record.key ?? '';
    const count = ((await store.get(key)) ?? 0) + 1;
    await store.put(key, count);
    if (record.value === 'boom') throw new Error('boom after counting');
    this.context.forward({ key, value: String(count) });
  }
}

function countingTopology(punctuate?: (ctx: ProcessorContext<string, string>) => void) {
  const builder = new TopologyBuilder();
  builder.addStateStore(keyValueStore('counts', { key: requiredStringSerde, value: numberSerde }));
  builder
    .stream<string | null, string | null>('in', { key: stringSerde, value: stringSerde })
    .process<string, string>(
      () => {
        const counter = new Counter();
        return {
          init: (ctx) => {
            counter.init(ctx);
            punctuate?.(ctx);
          },
          process: (r) => counter.process(r),
        };
      },
      { name: 'count', stores: ['counts'] },
    )
    .to('out', { key: requiredStringSerde, value: requiredStringSerde });
  return builder.build();
}

describe('process() nodes in the test driver', () => {
  it('keeps state per key in a store, forwards, and writes every change to the changelog with the record that made it', async () => {
    const driver = new TopologyTestDriver(countingTopology());
    const input = driver.inputTopic('in', stringSerde, stringSerde);
    await input.pipe('a', 'x');
    await input.pipe('b', 'x');
    await input.pipe('a', 'x');
    const out = await driver.outputTopic('out', requiredStringSerde, requiredStringSerde).readKeyValues();
    expect(out.map((r) => `${r.key}=${r.value}`)).toEqual(['a=1', 'b=1', 'a=2']);
    const changelog = driver.messages('test-app-counts-changelog');
    expect(changelog.map((m) => `${m.key?.toString()}=${m.value?.toString()}@${m.headers?.['tempstream.source.offset']?.toString()}`)).toEqual([
      'a=1@0',
      'b=1@1',
      'a=2@2',
    ]);
    expect(await driver.keyValueStore<string, number>('counts').get('a')).toBe(2);
    expect(driver.committedOffset('in')).toBe('3');
  });

  it('restores a new driver (a restart) from the changelog, and does not apply again a record whose change was already logged', async () => {
    const first = new TopologyTestDriver(countingTopology());
    const input = first.inputTopic('in', stringSerde, stringSerde);
    await input.pipe('a', 'x'); // offset 0
    await input.pipe('a', 'x'); // offset 1
    first.close();
    // The restart reads from an older commit: offsets 0 and 1 come again, then a new one.
    const second = new TopologyTestDriver(countingTopology(), { changelog: first.changelog });
    const again = second.inputTopic('in', stringSerde, stringSerde);
    await again.pipe('a', 'x'); // offset 0: already applied
    await again.pipe('a', 'x'); // offset 1: already applied
    await again.pipe('a', 'x'); // offset 2: new
    const out = await second.outputTopic('out', requiredStringSerde, requiredStringSerde).readKeyValues();
    expect(out.map((r) => r.value)).toEqual(['3']);
    expect(await second.keyValueStore<string, number>('counts').get('a')).toBe(3);
    expect(second.committedOffset('in')).toBe('3');
  });

  it('takes stream time back from the changelog on a restart, so a record late before it is late after it', async () => {
    const first = new TopologyTestDriver(countingTopology());
    const input = first.inputTopic('in', stringSerde, stringSerde);
    await input.pipe('a', 'x', { timestamp: 100 });
    await input.pipe('b', 'x', { timestamp: 500 });
    first.close();
    let streamTimeAtInit: number | undefined = -1;
    const second = new TopologyTestDriver(
      countingTopology((ctx) => {
        streamTimeAtInit = ctx.streamTime;
      }),
      { changelog: first.changelog },
    );
    const again = second.inputTopic('in', stringSerde, stringSerde);
    // Offsets 0 and 1 come again (already applied, passed over); offset 2 is new.
    for (const key of ['a', 'b', 'c']) await again.pipe(key, 'x', { timestamp: 200 });
    expect(streamTimeAtInit).toBe(500);
  });

  it('dead-letters a record whose processor throws, and still logs the change it made before throwing', async () => {
    const driver = new TopologyTestDriver(countingTopology());
    const input = driver.inputTopic('in', stringSerde, stringSerde);
    await input.pipe('a', 'boom');
    await input.pipe('a', 'x');
    expect(driver.deadLetters('in').map((d) => d.reason.node)).toEqual(['count']);
    const out = await driver.outputTopic('out', requiredStringSerde, requiredStringSerde).readKeyValues();
    expect(out.map((r) => r.value)).toEqual(['2']);
    expect(driver.messages('test-app-counts-changelog')).toHaveLength(2);
    expect(driver.committedOffset('in')).toBe('2');
  });

  it('runs a wall-clock punctuation when the driver moves wall-clock time, with no record arriving, once per move', async () => {
    const seen: number[] = [];
    const topology = countingTopology((ctx) => {
      ctx.schedule(1000, 'wall-clock', async (now) => {
        seen.push(now);
        const store = ctx.getKeyValueStore<string, number>('counts');
        for (const { key, value } of await store.all()) ctx.forward({ key, value: `total ${value}` });
      });
    });
    const driver = new TopologyTestDriver(topology, { startTime: 0 });
    await driver.inputTopic('in', stringSerde, stringSerde).pipe('a', 'x');
    const out = driver.outputTopic('out', requiredStringSerde, requiredStringSerde);
    await out.readKeyValues();
    await driver.advanceWallClockTime(999);
    expect(seen).toEqual([]);
    await driver.advanceWallClockTime(1);
    expect(seen).toEqual([1000]);
    await driver.advanceWallClockTime(5000);
    expect(seen).toEqual([1000, 6000]);
    expect((await out.readKeyValues()).map((r) => r.value)).toEqual(['total 1', 'total 1']);
  });

  it('runs stream-time punctuations as record timestamps cross the grid, after the record', async () => {
    const seen: number[] = [];
    const topology = countingTopology((ctx) => {
      ctx.schedule(100, 'stream-time', (t) => void seen.push(t));
    });
    const driver = new TopologyTestDriver(topology);
    const input = driver.inputTopic('in', stringSerde, stringSerde);
    await input.pipe('a', 'x', { timestamp: 50 });
    await input.pipe('a', 'x', { timestamp: 80 });
    await input.pipe('a', 'x', { timestamp: 250 });
    await input.pipe('a', 'x', { timestamp: 120 }); // late: stream time stays
    expect(seen).toEqual([50, 250]);
  });

  it('describes the store and its changelog', () => {
    expect(countingTopology().describe('app')).toContain('store     counts (key-value, changelog app-counts-changelog) <-- count');
    expect(countingTopology().toMermaid()).toContain('n1 -.- s0');
  });

  it('refuses a store nobody uses and a process() naming an undeclared store', () => {
    const builder = new TopologyBuilder();
    builder.addStateStore(keyValueStore('lonely', { key: requiredStringSerde, value: numberSerde }));
    const stream = builder.stream('in', { key: stringSerde, value: stringSerde });
    expect(() => stream.process(() => ({ process: () => undefined }), { stores: ['other'] })).toThrow(/other is not declared/);
    stream.to('out', { key: stringSerde, value: stringSerde });
    expect(() => builder.build()).toThrow(/lonely declared but used by no process/);
  });
});
