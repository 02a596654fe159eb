import { describe, expect, it } from 'vitest';
import type { BatchWriter } from './sink-contract.js';
import type { HeaderMap, StreamRecord } from '../records.js';
import { stringSerde } from '../serdes/basic.js';
import type { Serde } from '../serdes/serde.js';
import { TopologyTestDriver, type TestDriverOptions } from '../testing/test-driver.js';
import { TopologyBuilder, type KStream } from './builder.js';

const json = <T>(): Serde<T> => ({
  name: 'json',
  serialize: (v: T) => Buffer.from(JSON.stringify(v)),
  deserialize: (b: Buffer | null): T => JSON.parse(b?.toString() ?? 'null') as T,
});

class MemorySink<K, V> implements BatchWriter<StreamRecord<K, V>> {
  readonly records: StreamRecord<K, V>[] = [];
  constructor(readonly name = 'memory') {}
  write(batch: readonly StreamRecord<K, V>[]): Promise<void> {
    this.records.push(...batch);
    return Promise.resolve();
  }
}

interface N {
  n: number;
}

/** A topology consuming `in` (string keys, JSON values), wired by `wire`, run in a test driver. */
function setup(wire: (s: KStream<string | null, N>) => void, options: TestDriverOptions = {}) {
  const b = new TopologyBuilder();
  wire(b.stream('in', { key: stringSerde, value: json<N>() }, { name: 'src' }));
  const driver = new TopologyTestDriver(b.build(), options);
  const input = driver.inputTopic('in', stringSerde, json<N>());
  const output = <V>(topic = 'out') => driver.outputTopic(topic, stringSerde, json<V>());
  return { driver, input, output };
}

const toOut = <K extends string | null, V>(s: KStream<K, V>, topic = 'out') => s.to(topic, { key: stringSerde, value: json<V>() });

describe('map', () => {
  it('replaces key and value, keeping headers and timestamp unless given', async () => {
    const { driver, input, output } = setup((s) => toOut(s.map((r) => ({ key: `k-${r.key}`, value: { doubled: r.value.n * 2 } }))));
    await input.pipe('a', { n: 2 }, { headers: { h: Buffer.from('x') }, timestamp: 1234 });
    expect(await output().readKeyValues()).toEqual([{ key: 'k-a', value: { doubled: 4 }, headers: { h: Buffer.from('x') } }]);
    expect(driver.messages('out')[0]!.timestamp).toBe(1234);
  });

  it('uses the headers and timestamp the function returns', async () => {
    const { driver, input } = setup((s) => toOut(s.map((r) => ({ key: r.key, value: r.value, headers: { new: Buffer.from('1') }, timestamp: 99 }))));
    await input.pipe('a', { n: 1 }, { headers: { old: Buffer.from('0') }, timestamp: 5 });
    const [m] = driver.messages('out');
    expect(m!.headers).toEqual({ new: Buffer.from('1') });
    expect(m!.timestamp).toBe(99);
  });
});

describe('mapValues', () => {
  it('replaces the value, keeps the key and gives the function the whole record', async () => {
    const seen: StreamRecord<string | null, N>[] = [];
    const { input, output } = setup((s) =>
      toOut(
        s.mapValues((v, r) => {
          seen.push(r);
          return { n: v.n + 1 };
        }),
      ),
    );
    await input.pipe('a', { n: 1 });
    expect(await output<N>().readKeyValues()).toEqual([{ key: 'a', value: { n: 2 }, headers: {} }]);
    expect(seen[0]!.source).toEqual({ topic: 'in', partition: 0, offset: '0' });
  });
});

describe('filter', () => {
  it('passes matching records and drops the others, which still count as handled', async () => {
    const { driver, input, output } = setup((s) => toOut(s.filter((r) => r.value.n % 2 === 0)));
    for (const n of [1, 2, 3, 4]) await input.pipe(String(n), { n });
    expect((await output<N>().readKeyValues()).map((kv) => kv.value.n)).toEqual([2, 4]);
    expect(driver.committedOffset('in')).toBe('4');
    expect(driver.deadLetters('in')).toEqual([]);
  });
});

describe('flatMap', () => {
  it('emits every pair the function returns, in order, and none for an empty result', async () => {
    const { driver, input, output } = setup((s) =>
      toOut(s.flatMap((r) => Array.from({ length: r.value.n }, (_, i) => ({ key: `${r.key}${i}`, value: { n: i } })))),
    );
    await input.pipe('a', { n: 3 });
    await input.pipe('b', { n: 0 });
    await input.pipe('c', { n: 1 });
    expect((await output<N>().readKeyValues()).map((kv) => kv.key)).toEqual(['a0', 'a1', 'a2', 'c0']);
    expect(driver.committedOffset('in')).toBe('3');
  });

  it('emits none of its outputs when the function throws part-way through', async () => {
    const { driver, input, output } = setup((s) =>
      toOut(
        s.flatMap(function* (r) {
          yield { key: 'first', value: r.value };
          throw new Error('half-way');
        }, 'explode'),
      ),
    );
    await input.pipe('a', { n: 1 });
    expect(await output().readKeyValues()).toEqual([]);
    expect(driver.deadLetters('in').map((d) => d.reason.node)).toEqual(['explode']);
  });
});

describe('flatMapValues', () => {
  it('emits each value with the key of the input record', async () => {
    const { input, output } = setup((s) => toOut(s.flatMapValues((v) => [v.n, v.n * 10].map((n) => ({ n })))));
    await input.pipe('k', { n: 2 });
    expect(await output<N>().readKeyValues()).toEqual([
      { key: 'k', value: { n: 2 }, headers: {} },
      { key: 'k', value: { n: 20 }, headers: {} },
    ]);
  });
});

describe('peek', () => {
  it('sees every record and passes it on unchanged', async () => {
    const peeked: number[] = [];
    const { input, output } = setup((s) => toOut(s.peek((r) => peeked.push(r.value.n))));
    await input.pipe('a', { n: 7 });
    await input.pipe('b', { n: 8 });
    expect(peeked).toEqual([7, 8]);
    expect((await output<N>().readKeyValues()).map((kv) => kv.value.n)).toEqual([7, 8]);
  });
});

describe('validate', () => {
  it('dead-letters a record that breaks a rule with class validation, the rule, the message and the node', async () => {
    const { driver, input, output } = setup((s) =>
      toOut(s.validate((r) => (r.value.n < 0 ? { rule: 'non-negative', message: `n=${r.value.n}` } : undefined), 'check')),
    );
    await input.pipe('bad', { n: -3 });
    await input.pipe('good', { n: 3 });
    expect((await output<N>().readKeyValues()).map((kv) => kv.key)).toEqual(['good']);
    const [dead] = driver.deadLetters('in');
    expect(dead!.key).toEqual(Buffer.from('bad'));
    expect(dead!.reason).toMatchObject({ errorClass: 'validation', rule: 'non-negative', errorMessage: 'n=-3', node: 'check' });
    expect(driver.committedOffset('in')).toBe('2');
  });
});

describe('split', () => {
  const route = (s: KStream<string | null, N>, withDefault: boolean) => {
    const split = s
      .split('route')
      .branch('small', (r) => r.value.n < 10)
      .branch('even', (r) => r.value.n % 2 === 0);
    const branches = withDefault ? split.defaultBranch('rest') : split.noDefaultBranch();
    toOut(branches.small!, 'small');
    toOut(branches.even!, 'even');
    if (branches.rest) toOut(branches.rest, 'rest');
    return branches;
  };
  const keys = async (o: { readKeyValues(): Promise<{ key: string | null }[]> }) => (await o.readKeyValues()).map((kv) => kv.key);

  it('sends a record to the first branch that matches only', async () => {
    const { input, output } = setup((s) => void route(s, true));
    await input.pipe('four', { n: 4 }); // small and even: small wins
    await input.pipe('twelve', { n: 12 });
    expect(await keys(output('small'))).toEqual(['four']);
    expect(await keys(output('even'))).toEqual(['twelve']);
  });

  it('sends records no branch matches to the default branch', async () => {
    const { input, output } = setup((s) => void route(s, true));
    await input.pipe('eleven', { n: 11 });
    expect(await keys(output('rest'))).toEqual(['eleven']);
    expect(await keys(output('small'))).toEqual([]);
    expect(await keys(output('even'))).toEqual([]);
  });

  it('drops records no branch matches when there is no default branch, and commits them', async () => {
    let names: string[] = [];
    const { driver, input } = setup((s) => {
      names = Object.keys(route(s, false));
    });
    await input.pipe('eleven', { n: 11 });
    expect(names).toEqual(['small', 'even']);
    expect(driver.messages('small')).toHaveLength(0);
    expect(driver.messages('even')).toHaveLength(0);
    expect(driver.deadLetters('in')).toEqual([]);
    expect(driver.committedOffset('in')).toBe('1');
  });

  it('names the default branch "default" unless told otherwise', () => {
    const b = new TopologyBuilder();
    const branches = b
      .stream('in', { key: stringSerde, value: json<N>() })
      .split('s')
      .branch('x', () => true)
      .defaultBranch();
    expect(Object.keys(branches)).toEqual(['x', 'default']);
  });

  it('dead-letters a record whose predicate throws, naming the split node', async () => {
    const { driver, input, output } = setup((s) => {
      const { a } = s
        .split('picky')
        .branch('a', (r) => {
          if (r.value.n === 0) throw new Error('no zeros');
          return true;
        })
        .noDefaultBranch();
      toOut(a!);
    });
    await input.pipe('zero', { n: 0 });
    await input.pipe('one', { n: 1 });
    expect((await output<N>().readKeyValues()).map((kv) => kv.key)).toEqual(['one']);
    expect(driver.deadLetters('in').map((d) => d.reason)).toMatchObject([{ errorClass: 'processing', node: 'picky', errorMessage: 'no zeros' }]);
  });

  it('refuses a branch declared twice', () => {
    const b = new TopologyBuilder();
    const split = b
      .stream('in', { key: stringSerde, value: json<N>() })
      .split('s')
      .branch('x', () => true);
    expect(() => split.branch('x', () => false)).toThrow(/declared twice/);
  });
});

describe('to', () => {
  it('serializes key and value with the given serdes and keeps the headers', async () => {
    const upper: Serde<string | null> = {
      name: 'upper',
      serialize: (v) => (v === null ? null : Buffer.from(v.toUpperCase())),
      deserialize: (b) => b?.toString() ?? null,
    };
    const b = new TopologyBuilder();
    b.stream('in', { key: stringSerde, value: json<N>() }).to('out', { key: upper, value: json<N>() });
    const driver = new TopologyTestDriver(b.build());
    await driver.inputTopic('in', stringSerde, json<N>()).pipe('abc', { n: 1 }, { headers: { trace: Buffer.from('t1') } });
    const [m] = driver.messages('out');
    expect(m!.key).toEqual(Buffer.from('ABC'));
    expect(JSON.parse(m!.value!.toString())).toEqual({ n: 1 });
    expect(m!.headers).toEqual({ trace: Buffer.from('t1') });
  });

  it('dead-letters a record its serializer refuses with class production and the node name', async () => {
    const picky: Serde<N> = {
      name: 'picky',
      serialize: (v) => {
        if (v.n > 100) throw new Error('too big');
        return Buffer.from(JSON.stringify(v));
      },
      deserialize: (b) => JSON.parse(b?.toString() ?? 'null') as N,
    };
    const b = new TopologyBuilder();
    b.stream('in', { key: stringSerde, value: json<N>() }).to('out', { key: stringSerde, value: picky }, { name: 'emit' });
    const driver = new TopologyTestDriver(b.build());
    const input = driver.inputTopic('in', stringSerde, json<N>());
    await input.pipe('big', { n: 1000 });
    await input.pipe('ok', { n: 1 });
    expect(driver.messages('out').map((m) => m.key?.toString())).toEqual(['ok']);
    expect(driver.deadLetters('in').map((d) => d.reason)).toMatchObject([{ errorClass: 'production', node: 'emit' }]);
    expect(driver.committedOffset('in')).toBe('2');
  });
});

describe('sink', () => {
  it('hands the writer typed records with their source position', async () => {
    const sink = new MemorySink<string | null, N>();
    const { input } = setup((s) => s.sink(sink));
    await input.pipe('a', { n: 1 }, { timestamp: 42, headers: { h: Buffer.from('v') } });
    expect(sink.records).toEqual([
      { key: 'a', value: { n: 1 }, timestamp: 42, headers: { h: Buffer.from('v') }, source: { topic: 'in', partition: 0, offset: '0' } },
    ]);
  });
});

describe('a throwing user function', () => {
  const boom = (r: StreamRecord<string | null, N>): void => {
    if (r.key === 'poison') throw new Error(`boom on ${r.key}`);
  };
  const cases: [string, (s: KStream<string | null, N>) => KStream<string | null, N>][] = [
    ['map', (s) => s.map((r) => (boom(r), { key: r.key, value: r.value }), 'op')],
    ['mapValues', (s) => s.mapValues((v, r) => (boom(r), v), 'op')],
    ['filter', (s) => s.filter((r) => (boom(r), true), 'op')],
    ['flatMap', (s) => s.flatMap((r) => (boom(r), [{ key: r.key, value: r.value }]), 'op')],
    ['flatMapValues', (s) => s.flatMapValues((v, r) => (boom(r), [v]), 'op')],
    ['peek', (s) => s.peek(boom, 'op')],
  ];

  it.each(cases)('in %s sends that record to the DLQ as a processing error of its node, and the next record goes on', async (_name, op) => {
    const sink = new MemorySink<string | null, N>();
    const { driver, input } = setup((s) => op(s).sink(sink));
    await input.pipe('poison', { n: 1 }, { headers: { orig: Buffer.from('h') } });
    await input.pipe('fine', { n: 2 });
    expect(sink.records.map((r) => r.key)).toEqual(['fine']);
    const dead = driver.deadLetters('in');
    expect(dead).toHaveLength(1);
    expect(dead[0]!.key).toEqual(Buffer.from('poison'));
    expect(dead[0]!.reason).toMatchObject({ errorClass: 'processing', node: 'op', errorMessage: 'boom on poison', sourceOffset: '0' });
    expect(driver.messages('in-dlq')[0]!.headers).toMatchObject({ orig: Buffer.from('h') } satisfies HeaderMap);
    expect(driver.committedOffset('in')).toBe('2');
    expect(driver.fatalError).toBeUndefined();
  });

  it('stops instead when the processing policy is fail', async () => {
    const sink = new MemorySink<string | null, N>();
    const { driver, input } = setup((s) => s.map((r) => (boom(r), { key: r.key, value: r.value }), 'op').sink(sink), { errorPolicies: { processing: 'fail' } });
    await input.pipe('poison', { n: 1 });
    expect(driver.fatalError?.message).toMatch(/processing error at op for in\[0\]@0: boom on poison/);
    expect(driver.deadLetters('in')).toEqual([]);
    expect(driver.committedOffset('in')).toBeUndefined();
  });
});
