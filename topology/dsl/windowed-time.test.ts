import { expect, it } from 'vitest';
import type { ProcessorContext } from '../processor/processor.js';
import { keyValueStore } from '../processor/store-spec.js';
import { requiredStringSerde } from '../serdes/basic.js';
import { jsonSerde } from '../serdes/json.js';
import { timeWindowedSerde } from '../serdes/windowed.js';
import { TimeWindows } from '../state/time-windows.js';
import { TopologyTestDriver } from '../testing/test-driver.js';
import { TopologyBuilder } from './builder.js';

const num = jsonSerde<number>();
const key = requiredStringSerde;

/** A windowed count of records re-timestamped by their value (event time), beside another stateful node that sees the records' own timestamps. */
function topology() {
  const b = new TopologyBuilder();
  b.addStateStore(keyValueStore('seen', { key, value: num }));
  const s = b.stream<string, number>('in', { key, value: num });
  s.process<string, number>(
    () => {
      let ctx: ProcessorContext<string, number>;
      return { init: (c) => void (ctx = c), process: (r) => ctx.getKeyValueStore<string, number>('seen').put(r.key, r.value) };
    },
    { name: 'remember', stores: ['seen'] },
  );
  s.map((r) => ({ key: r.key, value: r.value, timestamp: r.value }), 'time-by-value')
    .groupByKey()
    .windowedBy(TimeWindows.of(60_000).grace(5_000))
    .count({ name: 'per-minute', emit: 'on-window-close' })
    .toStream()
    .to('out', { key: timeWindowedSerde(key, 60_000), value: num });
  return b.build();
}

it("judges a windowed aggregation's lateness by the times it sees, not by another stateful node's record timestamps", async () => {
  const driver = new TopologyTestDriver(topology());
  const input = driver.inputTopic('in', key, num);
  // Event time (the value) from 0, a second apart; the records' own timestamps an hour later (when they were sent).
  for (let t = 0; t <= 200_000; t += 1_000) await input.pipe('a', t, { timestamp: 3_600_000 + t });
  const out = await driver.outputTopic('out', timeWindowedSerde(key, 60_000), num).readKeyValues();
  expect(out.map((r) => `${r.key.window.start}=${r.value}`)).toEqual(['0=60', '60000=60', '120000=60']);
});
