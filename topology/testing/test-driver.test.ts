import { describe, expect, it } from 'vitest';
import { TopologyTestDriver } from './index.js';
import { TopologyBuilder, ValidationError, requiredStringSerde, stringSerde, type BatchWriter, type StreamRecord } from '../index.js';

const jsonSerde = <T>() => ({
  name: 'json',
  serialize: (v: T) => Buffer.from(JSON.stringify(v)),
  deserialize: (b: Buffer | null): T => JSON.parse(b?.toString() ?? 'null') as T,
});

class MemorySink<V> implements BatchWriter<StreamRecord<string, V>> {
  readonly name = 'memory';
  readonly batches: V[][] = [];
  write(batch: readonly StreamRecord<string, V>[]) {
    this.batches.push(batch.map((r) => r.value));
    return Promise.resolve();
  }
}

describe('TopologyTestDriver', () => {
  it('routes, sinks, dead-letters and commits', async () => {
    const b = new TopologyBuilder();
    const sink = new MemorySink<{ n: number }>();
    const s = b
      .stream('in', { key: requiredStringSerde, value: jsonSerde<{ n: number }>() })
      .validate((r) => (r.value.n < 0 ? { rule: 'non-negative', message: `n=${r.value.n}` } : undefined));
    const branches = s
      .split('route')
      .branch('big', (r) => r.value.n > 10)
      .defaultBranch('small');
    branches.big!.mapValues((v) => ({ big: v.n })).to('big', { key: stringSerde, value: jsonSerde<{ big: number }>() });
    s.sink(sink);
    const driver = new TopologyTestDriver(b.build());
    const input = driver.inputTopic('in', requiredStringSerde, jsonSerde<{ n: number }>());
    await input.pipe('a', { n: 5 });
    await input.pipe('b', { n: 50 });
    await input.pipe('c', { n: -1 });
    await driver.pipeRaw('in', Buffer.from('d'), Buffer.from('{not json'));
    expect(sink.batches.flat()).toEqual([{ n: 5 }, { n: 50 }]);
    expect(await driver.outputTopic('big', stringSerde, jsonSerde<{ big: number }>()).readKeyValues()).toEqual([{ key: 'b', value: { big: 50 }, headers: {} }]);
    const dead = driver.deadLetters('in');
    expect(dead.map((d) => d.reason.errorClass)).toEqual(['validation', 'deserialization']);
    expect(dead[0]!.reason.rule).toBe('non-negative');
    expect(driver.committedOffset('in')).toBe('4');
    expect(driver.inFlight).toBe(0);
    expect(new ValidationError('r', 'm').errorClass).toBe('validation');
    driver.close();
  });
});
