import { describe, expect, it } from 'vitest';
import { requiredStringSerde, stringSerde } from '../serdes/basic.js';
import { jsonSerde } from '../serdes/json.js';
import { TimeWindows } from '../state/time-windows.js';
import { TopologyBuilder } from './builder.js';

const source = (b: TopologyBuilder) => b.stream('in', { key: requiredStringSerde, value: jsonSerde<number>() }, { name: 'read' });

describe('groupByKey() and windowedBy() in the topology', () => {
  it('declares a store per aggregation, and describe() shows each with its node and changelog', () => {
    const b = new TopologyBuilder();
    const grouped = source(b).groupByKey();
    grouped.count({ name: 'counts' }).toStream().to('counted', { key: requiredStringSerde, value: jsonSerde<number>() });
    grouped.reduce((a, v) => a + v, { name: 'sums' });
    grouped.windowedBy(TimeWindows.of(60_000).grace(5_000)).aggregate(
      () => ({ n: 0 }),
      (_k, _v, a) => ({ n: a.n + 1 }),
      { name: 'per-minute', emit: 'on-window-close' },
    );
    const topology = b.build();
    expect(topology.stores.map((s) => [s.name, s.kind])).toEqual([
      ['counts', 'key-value'],
      ['sums', 'key-value'],
      ['per-minute', 'window'],
    ]);
    const text = topology.describe('app');
    expect(text).toContain('source    read (source in) --> counts, sums, per-minute');
    expect(text).toContain('processor counts (count [counts]) --> to-');
    expect(text).toContain('processor per-minute (windowed aggregate [per-minute] size 60000 ms, advance 60000 ms, grace 5000 ms, on-window-close)');
    expect(text).toContain('store     counts (key-value, changelog app-counts-changelog) <-- counts');
    expect(text).toContain('store     per-minute (window, changelog app-per-minute-changelog) <-- per-minute');
    expect(topology.toMermaid()).toContain('per-minute<br/><small>window store, changelog</small>');
  });

  it('derives the store name from the node when none is given, and keeps the window in the store spec', () => {
    const b = new TopologyBuilder();
    const windows = TimeWindows.of(10).advanceBy(5);
    source(b).groupByKey().windowedBy(windows).count({ nodeName: 'hop' });
    source2(b).groupByKey().count();
    const stores = b.build().stores;
    expect(stores[0]).toMatchObject({ name: 'hop-store', kind: 'window', windows });
    expect(stores[1]!.name).toMatch(/^count-\d{3}-store$/);
  });

  it('refuses two aggregations with one store name (they would share a changelog)', () => {
    const b = new TopologyBuilder();
    const grouped = source(b).groupByKey();
    grouped.count({ name: 'counts', nodeName: 'a' });
    expect(() => grouped.count({ name: 'counts', nodeName: 'b' })).toThrow(/state store counts is declared twice/);
  });

  it('refuses a wall-clock advance that is not a whole number of milliseconds', () => {
    const b = new TopologyBuilder();
    expect(() => source(b).groupByKey().windowedBy(TimeWindows.of(10)).count({ emit: 'on-window-close', wallClockAdvanceMs: 0.5 })).toThrow(
      /wallClockAdvanceMs/,
    );
  });
});

function source2(b: TopologyBuilder) {
  return b.stream('in2', { key: stringSerde, value: jsonSerde<number>() });
}
