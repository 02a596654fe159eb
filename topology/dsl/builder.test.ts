import { describe, expect, it } from 'vitest';
import type { BatchWriter } from './sink-contract.js';
import type { StreamRecord } from '../records.js';
import { stringSerde } from '../serdes/basic.js';
import type { Serde } from '../serdes/serde.js';
import { TopologyTestDriver } from '../testing/test-driver.js';
import { KStream, TopologyBuilder } from './builder.js';

interface N {
  n: number;
}

/** A JSON serde that counts how often it deserializes. */
const countingJson = () => {
  const counter = { deserialized: 0 };
  const serde: Serde<N> = {
    name: 'json',
    serialize: (v) => Buffer.from(JSON.stringify(v)),
    deserialize: (b) => {
      counter.deserialized++;
      return JSON.parse(b?.toString() ?? 'null') as N;
    },
  };
  return { serde, counter };
};
const json = countingJson().serde;

class MemorySink implements BatchWriter<StreamRecord<string | null, N>> {
  readonly values: number[] = [];
  constructor(readonly name: string) {}
  write(batch: readonly StreamRecord<string | null, N>[]): Promise<void> {
    this.values.push(...batch.map((r) => r.value.n));
    return Promise.resolve();
  }
}

/** in -> validate -> split(hot | rest); hot -> mapValues -> to(flagged); the validated stream also -> sink(db). */
function sampleTopology() {
  const b = new TopologyBuilder();
  const valid = b.stream('events', { key: stringSerde, value: json }, { name: 'read' }).validate(() => undefined, 'valid');
  const { hot } = valid
    .split('route')
    .branch('hot', (r) => r.value.n > 30)
    .noDefaultBranch();
  hot!.mapValues((v) => v, 'flag').to('flagged', { key: stringSerde, value: json }, { name: 'emit-flag' });
  valid.sink(new MemorySink('db'));
  return b.build();
}

describe('Topology.describe()', () => {
  it('lists every node with its kind and detail, and the nodes it leads to', () => {
    const text = sampleTopology().describe();
    const lines = text.split('\n');
    expect(lines[0]).toBe('Topology');
    expect(lines).toHaveLength(8);
    expect(text).toContain('source    read (source events) --> valid');
    expect(text).toContain('processor valid (validate) --> route, db');
    expect(text).toContain('split     route (split into hot) --> route-hot');
    expect(text).toContain('branch    route-hot (branch hot) --> flag');
    expect(text).toContain('processor flag (mapValues) --> emit-flag');
    expect(text).toContain('topic     emit-flag (to flagged)');
    expect(text).toContain('sink      db (sink db)');
    expect(lines.find((l) => l.includes('emit-flag (to flagged)'))).not.toContain('-->');
  });
});

describe('Topology.toMermaid()', () => {
  it('draws every node with a shape for its kind and every edge', () => {
    const m = sampleTopology().toMermaid();
    const lines = m.split('\n');
    expect(lines[0]).toBe('flowchart LR');
    expect(lines).toContain('  n0[("read<br/><small>source events</small>")]');
    expect(lines).toContain('  n1["valid<br/><small>validate</small>"]');
    expect(lines).toContain('  n2{"route<br/><small>split into hot</small>"}');
    expect(lines).toContain('  n5[("emit-flag<br/><small>to flagged</small>")]');
    expect(lines).toContain('  n6[["db<br/><small>sink db</small>"]]');
    const edges = lines.filter((l) => l.includes('-->')).map((l) => l.trim());
    expect(edges.sort()).toEqual(['n0 --> n1', 'n1 --> n2', 'n1 --> n6', 'n2 --> n3', 'n3 --> n4', 'n4 --> n5'].sort());
  });

  it('keeps square brackets out of labels, where Mermaid would read them as shapes', () => {
    const b = new TopologyBuilder();
    b.stream('t', { key: stringSerde, value: json }, { name: 'odd[name]' }).to('out', { key: stringSerde, value: json });
    expect(b.build().toMermaid()).toContain('n0[("oddname<br/>');
  });
});

describe('TopologyBuilder', () => {
  it('lists input and output topics', () => {
    const t = sampleTopology();
    expect(t.inputTopics).toEqual(['events']);
    expect(t.outputTopics).toEqual(['flagged']);
  });

  it('names unnamed nodes after their kind and position', () => {
    const b = new TopologyBuilder();
    b.stream('in', { key: stringSerde, value: json })
      .mapValues((v) => v)
      .filter(() => true)
      .to('out', { key: stringSerde, value: json });
    expect(b.build().nodes.map((n) => n.name)).toEqual(['source-in', 'mapValues-001', 'filter-002', 'to-003']);
  });

  it('refuses a node name used twice', () => {
    const b = new TopologyBuilder();
    const s = b.stream('in', { key: stringSerde, value: json });
    s.mapValues((v) => v, 'same');
    expect(() => s.filter(() => true, 'same')).toThrow(/node name same is used twice/);
  });

  it('refuses a sink name that clashes with a node name', () => {
    const b = new TopologyBuilder();
    const s = b.stream('in', { key: stringSerde, value: json }, { name: 'db' });
    expect(() => s.sink(new MemorySink('db'))).toThrow(/used twice/);
  });

  it('refuses a topic read by two sources', () => {
    const b = new TopologyBuilder();
    b.stream(['a', 'b'], { key: stringSerde, value: json });
    expect(() => b.stream('b', { key: stringSerde, value: json })).toThrow(/topic b is already read/);
  });

  it('refuses a topic listed twice by the same source', () => {
    const b = new TopologyBuilder();
    expect(() => b.stream(['a', 'a'], { key: stringSerde, value: json })).toThrow(/topic a/);
  });

  it('refuses a source without topics and a topology without sources', () => {
    const b = new TopologyBuilder();
    expect(() => b.stream([], { key: stringSerde, value: json })).toThrow(/at least one topic/);
    expect(() => b.build()).toThrow(/at least one source/);
  });

  it('reads every topic of a multi-topic source', async () => {
    const b = new TopologyBuilder();
    const sink = new MemorySink('all');
    b.stream(['a', 'b'], { key: stringSerde, value: json }).sink(sink);
    const driver = new TopologyTestDriver(b.build());
    await driver.inputTopic('a', stringSerde, json).pipe('x', { n: 1 });
    await driver.inputTopic('b', stringSerde, json).pipe('y', { n: 2 });
    expect(sink.values).toEqual([1, 2]);
    expect(driver.committedOffset('a')).toBe('1');
    expect(driver.committedOffset('b')).toBe('1');
  });
});

describe('a stream with two downstream consumers', () => {
  it('runs each operator once per record', async () => {
    const { serde, counter } = countingJson();
    const calls = { map: 0, filter: 0, predicate: 0 };
    const b = new TopologyBuilder();
    const mapped = b
      .stream('in', { key: stringSerde, value: serde })
      .mapValues((v) => {
        calls.map++;
        return { n: v.n * 2 };
      })
      .filter(() => {
        calls.filter++;
        return true;
      });
    const one = new MemorySink('one');
    const two = new MemorySink('two');
    mapped.sink(one);
    mapped.to('copy', { key: stringSerde, value: serde });
    const branches = mapped
      .split('s')
      .branch('big', (r) => {
        calls.predicate++;
        return r.value.n > 2;
      })
      .defaultBranch('small');
    branches.big!.sink(two);
    branches.big!.to('big', { key: stringSerde, value: serde });
    branches.small!.to('small', { key: stringSerde, value: serde });
    const driver = new TopologyTestDriver(b.build());
    const input = driver.inputTopic('in', stringSerde, serde);
    for (const n of [1, 2, 3]) await input.pipe(String(n), { n });
    expect(counter.deserialized).toBe(3);
    expect(calls).toEqual({ map: 3, filter: 3, predicate: 3 });
    expect(one.values).toEqual([2, 4, 6]);
    expect(two.values).toEqual([4, 6]);
    expect(driver.messages('copy')).toHaveLength(3);
    expect(driver.messages('big')).toHaveLength(2);
    expect(driver.messages('small')).toHaveLength(1);
    expect(driver.committedOffset('in')).toBe('3');
  });

  it('dead-letters a record once even when it fails in both consumers', async () => {
    const b = new TopologyBuilder();
    const s = b.stream('in', { key: stringSerde, value: json });
    const fail = (): N => {
      throw new Error('nope');
    };
    s.mapValues(fail, 'left').sink(new MemorySink('l'));
    s.mapValues(fail, 'right').sink(new MemorySink('r'));
    const driver = new TopologyTestDriver(b.build());
    await driver.inputTopic('in', stringSerde, json).pipe('k', { n: 1 });
    expect(driver.deadLetters('in').map((d) => d.reason.node)).toEqual(['left']);
    expect(driver.committedOffset('in')).toBe('1');
  });
});

describe('a stream nothing reads from', () => {
  it('still runs its operators, as in Kafka Streams', async () => {
    const seen: string[] = [];
    const b = new TopologyBuilder();
    b.stream('in', { key: stringSerde, value: stringSerde }).peek((r) => seen.push(String(r.value)), 'look');
    const driver = new TopologyTestDriver(b.build());
    await driver.pipeRaw('in', null, Buffer.from('a'));
    expect(seen).toEqual(['a']);
    expect(driver.committedOffset('in')).toBe('1');
    driver.close();
  });
});

describe('a stream returned from an async function', () => {
  it('is a value, not a thenable: awaiting it resolves to the stream', async () => {
    const b = new TopologyBuilder();
    const readInput = async () => {
      await Promise.resolve();
      return b.stream('in', { key: stringSerde, value: stringSerde });
    };
    // A stream with a `then` method would be taken for a promise and never settle.
    const never = new Promise<'unsettled'>((resolve) => setTimeout(() => resolve('unsettled'), 1000));
    const stream = await Promise.race([readInput(), never]);
    expect(stream).toBeInstanceOf(KStream);
    expect(b.build().nodes).toHaveLength(1); // the await added no node
  });
});
