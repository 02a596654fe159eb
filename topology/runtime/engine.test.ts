import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import { TopologyBuilder } from '../dsl/builder.js';
import { DeserializationError, FatalTopologyError, TransientError } from '../errors.js';
import type { RawRecord, StreamRecord } from '../records.js';
import { requiredStringSerde, stringSerde } from '../serdes/basic.js';
import type { Serde } from '../serdes/serde.js';
import { ManualClock } from '../testing/manual-clock.js';
import { TopologyTestDriver } from '../testing/test-driver.js';
import type { BatchWriter } from '../dsl/sink-contract.js';
import { readDlqHeaders } from './dlq.js';
import { Engine, type EngineOptions } from './engine.js';
import type { OutputProducer, ProducedMessage } from './output-producer.js';

interface N {
  n: number;
  route?: string;
}

const json: Serde<N> = {
  name: 'json',
  serialize: (v) => Buffer.from(JSON.stringify(v)),
  deserialize: (b) => {
    try {
      return JSON.parse(b?.toString() ?? 'null') as N;
    } catch (err) {
      throw new DeserializationError(`not JSON: ${(err as Error).message}`);
    }
  },
};

const settle = async () => {
  for (let i = 0; i < 10; i++) await new Promise((resolve) => setImmediate(resolve));
};

function deferred() {
  let resolve!: () => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** A producer that records what it sends and fails whenever `failure` says so. */
class FakeProducer implements OutputProducer {
  readonly sent: { topic: string; messages: ProducedMessage[] }[] = [];
  calls = 0;
  constructor(private readonly failure: (topic: string, messages: readonly ProducedMessage[], call: number) => Error | undefined = () => undefined) {}

  send(topic: string, messages: readonly ProducedMessage[]): Promise<void> {
    this.calls++;
    const error = this.failure(topic, messages, this.calls);
    if (error) return Promise.reject(error);
    this.sent.push({ topic, messages: [...messages] });
    return Promise.resolve();
  }

  isTransient(error: unknown): boolean {
    return error instanceof Error && error.message.startsWith('transient');
  }

  messages(topic: string): ProducedMessage[] {
    return this.sent.filter((s) => s.topic === topic).flatMap((s) => s.messages);
  }
}

/** A sink writer whose writes wait until the test resolves them, or fail for chosen records. */
class GatedWriter implements BatchWriter<StreamRecord<string, N>> {
  readonly gates: ReturnType<typeof deferred>[] = [];
  readonly written: string[] = [];
  constructor(
    readonly name: string,
    private readonly options: { gated?: boolean; poison?: (key: string) => boolean } = {},
  ) {}

  async write(batch: readonly StreamRecord<string, N>[]): Promise<void> {
    if (batch.some((r) => this.options.poison?.(r.key))) throw new Error(`cannot store ${batch.map((r) => r.key).join(',')}`);
    if (this.options.gated) {
      const gate = deferred();
      this.gates.push(gate);
      await gate.promise;
    }
    this.written.push(...batch.map((r) => r.key));
  }

  /** Resolves the write in flight (a sink has at most one). */
  release(): void {
    const gate = this.gates.shift();
    if (!gate) throw new Error(`${this.name}: no write in flight`);
    gate.resolve();
  }
}

let nextOffset = new Map<string, number>();
function raw(topic: string, key: string, value: N | string, partition = 0): RawRecord {
  const k = `${topic}/${partition}`;
  const offset = nextOffset.get(k) ?? 0;
  nextOffset.set(k, offset + 1);
  return {
    topic,
    partition,
    offset: String(offset),
    key: Buffer.from(key),
    value: Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)),
    headers: {},
    timestamp: 0,
  };
}

function engineFor(wire: (b: TopologyBuilder) => void, options: Partial<EngineOptions> = {}) {
  nextOffset = new Map();
  const b = new TopologyBuilder();
  wire(b);
  const clock = new ManualClock(0);
  const producer = (options.producer as FakeProducer | undefined) ?? new FakeProducer();
  const engine = new Engine(b.build(), {
    clock,
    sinkBatching: { maxRecords: 1, retryInitialMs: 100, retryMaxMs: 100 },
    topicBatching: { retryInitialMs: 100, retryMaxMs: 100 },
    ...options,
    producer,
  });
  const committed = (topic = 'in', partition = 0) => engine.tracker.due().find((o) => o.topic === topic && o.partition === partition)?.offset;
  return { engine, clock, producer, committed };
}

const source = (b: TopologyBuilder) => b.stream('in', { key: requiredStringSerde, value: json }, { name: 'src' });

describe('Engine error policy fail', () => {
  it('stops with a fatal error and never commits the failed record, while later records are still handled', async () => {
    const sink = new GatedWriter('db');
    const { engine, producer, committed } = engineFor(
      (b) =>
        source(b)
          .validate((r) => (r.value.n < 0 ? { rule: 'non-negative', message: 'negative' } : undefined), 'check')
          .sink(sink),
      { errorPolicies: { validation: 'fail' } },
    );
    const fatal = vi.fn();
    engine.onFatal(fatal);
    await engine.process(raw('in', 'a', { n: 1 }));
    await engine.process(raw('in', 'b', { n: -1 }));
    await engine.process(raw('in', 'c', { n: 2 }));
    await engine.flush();
    await settle();
    expect(engine.failed).toBeInstanceOf(FatalTopologyError);
    expect(engine.failed?.message).toBe('validation error at check for in[0]@1: negative');
    expect(fatal).toHaveBeenCalledTimes(1);
    expect(sink.written).toEqual(['a', 'c']);
    expect(committed()).toBe('1');
    expect(engine.tracker.inFlight('in', 0)).toBe(1);
    expect(producer.sent).toEqual([]); // nothing dead-lettered
  });

  it('reports the first fatal error only, also to a listener added afterwards', async () => {
    const { engine } = engineFor((b) => source(b).sink(new GatedWriter('db')), { errorPolicies: { deserialization: 'fail' } });
    await engine.process(raw('in', 'a', 'not json'));
    await engine.process(raw('in', 'b', 'still not json'));
    const late = vi.fn();
    engine.onFatal(late);
    expect(late).toHaveBeenCalledWith(engine.failed);
    expect(engine.failed?.message).toContain('in[0]@0');
  });
});

describe('Engine sink failures', () => {
  it('dead-letters the one record a sink refuses for good, with class sink and the sink node, and writes the others', async () => {
    const sink = new GatedWriter('db', { poison: (k) => k === 'bad' });
    const { engine, producer, committed } = engineFor((b) => source(b).sink(sink), { sinkBatching: { maxRecords: 10, lingerMs: 1000 } });
    for (const k of ['a', 'b', 'bad', 'c']) await engine.process(raw('in', k, { n: 1 }));
    await engine.flush();
    await settle();
    expect(sink.written).toEqual(['a', 'b', 'c']);
    const dead = producer.messages('in-dlq');
    expect(dead.map((m) => m.key?.toString())).toEqual(['bad']);
    expect(readDlqHeaders(dead[0]!.headers ?? {})).toMatchObject({ errorClass: 'sink', node: 'db', sourceOffset: '2', errorMessage: 'db: cannot store bad' });
    expect(committed()).toBe('4');
    expect(engine.failed).toBeUndefined();
  });

  it('stops when the DLQ itself refuses a record, and does not commit it', async () => {
    const producer = new FakeProducer((topic) => (topic === 'in-dlq' ? new Error('topic authorization failed') : undefined));
    const { engine, committed } = engineFor((b) => source(b).to('out', { key: stringSerde, value: json }), { producer });
    await engine.process(raw('in', 'a', 'not json'));
    await engine.process(raw('in', 'b', { n: 1 }));
    await engine.flush();
    await settle();
    expect(engine.failed?.message).toMatch(/cannot write in\[0\]@0 to DLQ in-dlq/);
    expect(committed()).toBeUndefined();
  });

  it('dead-letters a record the DLQ refuses as too large again without its value, when the producer says so, and commits it', async () => {
    class SizeLimitedProducer extends FakeProducer {
      isRecordTooLarge(error: unknown): boolean {
        // As the Kafka adapters do: the sink wraps the producer's error, so look down the cause chain.
        return error instanceof Error && (error.message === 'too large' || this.isRecordTooLarge(error.cause));
      }
    }
    const producer = new SizeLimitedProducer((topic, messages) =>
      topic === 'in-dlq' && messages.some((m) => m.value !== null) ? new Error('too large') : undefined,
    );
    const { engine, committed } = engineFor((b) => source(b).to('out', { key: stringSerde, value: json }), { producer });
    await engine.process(raw('in', 'a', 'not json'));
    await engine.flush();
    await settle();
    await engine.flush();
    await settle();
    const [dead] = producer.messages('in-dlq');
    expect(dead?.value).toBeNull();
    expect(readDlqHeaders(dead?.headers ?? {})).toMatchObject({ errorClass: 'deserialization', valueOmitted: '8 bytes, too large for in-dlq' });
    expect(engine.failed).toBeUndefined();
    expect(committed()).toBe('1');
  });

  it('retries a transient DLQ failure and commits the record once it is dead-lettered', async () => {
    const producer = new FakeProducer((topic, _m, call) => (topic === 'in-dlq' && call === 1 ? new Error('transient: not enough replicas') : undefined));
    const { engine, clock, committed } = engineFor((b) => source(b).to('out', { key: stringSerde, value: json }), { producer });
    await engine.process(raw('in', 'a', 'not json'));
    clock.advance(5); // DLQ linger
    await settle();
    expect(producer.messages('in-dlq')).toEqual([]);
    expect(committed()).toBeUndefined();
    clock.advance(100); // backoff
    await settle();
    expect(producer.messages('in-dlq').map((m) => m.key?.toString())).toEqual(['a']);
    expect(committed()).toBe('1');
    expect(engine.failed).toBeUndefined();
  });

  it('sends dead letters to the DLQ topic declared on the source', async () => {
    const { engine, producer } = engineFor((b) =>
      b.stream('in', { key: requiredStringSerde, value: json }, { name: 'src', dlqTopic: 'dead.in' }).to('out', { key: stringSerde, value: json }),
    );
    await engine.process(raw('in', 'a', 'not json'));
    await engine.flush();
    expect(producer.messages('dead.in')).toHaveLength(1);
    expect(producer.messages('in-dlq')).toEqual([]);
  });
});

describe('Engine production', () => {
  it('delivers output once after a transient producer failure, and commits only after delivery', async () => {
    const producer = new FakeProducer((topic, _m, call) => (topic === 'out' && call === 1 ? new Error('transient: leader not available') : undefined));
    const { engine, clock, committed } = engineFor((b) => source(b).to('out', { key: stringSerde, value: json }), { producer });
    await engine.process(raw('in', 'a', { n: 1 }));
    clock.advance(5); // topic linger
    await settle();
    expect(producer.calls).toBe(1);
    expect(producer.messages('out')).toEqual([]);
    expect(committed()).toBeUndefined();
    clock.advance(100); // backoff
    await settle();
    expect(producer.calls).toBe(2);
    expect(producer.messages('out').map((m) => m.key?.toString())).toEqual(['a']);
    expect(committed()).toBe('1');
    expect(producer.messages('in-dlq')).toEqual([]);
  });

  it('dead-letters records a producer refuses for good, with class production', async () => {
    const producer = new FakeProducer((topic) => (topic === 'out' ? new Error('record too large') : undefined));
    const { engine, committed } = engineFor((b) => source(b).to('out', { key: stringSerde, value: json }, { name: 'emit' }), { producer });
    await engine.process(raw('in', 'a', { n: 1 }));
    await engine.flush();
    await settle();
    const dead = producer.messages('in-dlq');
    expect(dead.map((m) => readDlqHeaders(m.headers ?? {}))).toMatchObject([
      { errorClass: 'production', node: 'emit', errorMessage: 'producing to out: record too large' },
    ]);
    expect(committed()).toBe('1');
  });
});

describe('Engine deserialization', () => {
  it('dead-letters bytes the serde cannot read, with the schema id the serde reports', async () => {
    const withIds: Serde<N> & { schemaIdOf(bytes: Buffer | null): number | undefined } = { ...json, schemaIdOf: () => 17 };
    const { engine, producer, committed } = engineFor((b) =>
      b.stream('in', { key: requiredStringSerde, value: withIds }, { name: 'src' }).to('out', { key: stringSerde, value: json }),
    );
    await engine.process(raw('in', 'a', '{oops'));
    await engine.flush();
    const [dead] = producer.messages('in-dlq');
    expect(dead!.value?.toString()).toBe('{oops');
    expect(readDlqHeaders(dead!.headers ?? {})).toMatchObject({ errorClass: 'deserialization', node: 'src', schemaId: '17' });
    expect(committed()).toBe('1');
  });

  it('waits with backoff while the serde reports a transient error, then processes the record once', async () => {
    let down = 2;
    const flaky: Serde<N> = {
      ...json,
      deserialize: (b) => {
        if (down-- > 0) throw new TransientError('registry away');
        return json.deserialize(b, 'in');
      },
    };
    const sink = new GatedWriter('db');
    const { engine, clock, committed } = engineFor((b) => b.stream('in', { key: requiredStringSerde, value: flaky }).sink(sink));
    vi.spyOn(Math, 'random').mockReturnValue(1);
    let done = false;
    const processing = Promise.resolve(engine.process(raw('in', 'a', { n: 1 }))).then(() => {
      done = true;
    });
    await settle();
    expect(done).toBe(false);
    clock.advance(100);
    await settle();
    expect(done).toBe(false);
    clock.advance(200);
    await processing;
    await settle();
    expect(sink.written).toEqual(['a']);
    expect(committed()).toBe('1');
    vi.restoreAllMocks();
  });

  it('refuses a record from a topic the topology does not read', () => {
    const { engine } = engineFor((b) => source(b).sink(new GatedWriter('db')));
    expect(() => engine.process(raw('elsewhere', 'a', { n: 1 }))).toThrow(/not an input/);
  });
});

describe('Engine backpressure', () => {
  it('makes waitForCapacity pend once maxInFlightPerPartition records are unhandled, and resolves it when writes complete', async () => {
    const sink = new GatedWriter('db', { gated: true });
    const { engine } = engineFor((b) => source(b).sink(sink), { maxInFlightPerPartition: 3 });
    for (const k of ['a', 'b']) {
      await engine.process(raw('in', k, { n: 1 }));
      expect(engine.waitForCapacity('in', 0)).toBeUndefined();
    }
    await engine.process(raw('in', 'c', { n: 1 }));
    const wait = engine.waitForCapacity('in', 0);
    expect(wait).toBeInstanceOf(Promise);
    let resolved = false;
    void wait!.then(() => {
      resolved = true;
    });
    await settle();
    expect(resolved).toBe(false);
    expect(engine.waitForCapacity('in', 1)).toBeUndefined(); // other partitions have their own room
    sink.release(); // a's write completes
    await settle();
    expect(resolved).toBe(true);
    expect(engine.tracker.inFlight('in', 0)).toBe(2);
  });

  it('releases every waiter when the engine closes', async () => {
    const sink = new GatedWriter('db', { gated: true });
    const { engine } = engineFor((b) => source(b).sink(sink), { maxInFlightPerPartition: 1 });
    await engine.process(raw('in', 'a', { n: 1 }));
    const wait = engine.waitForCapacity('in', 0);
    expect(wait).toBeInstanceOf(Promise);
    engine.close();
    await expect(wait).resolves.toBeUndefined();
    expect(engine.closed).toBe(true);
    expect(engine.waitForCapacity('in', 0)).toBeUndefined();
  });
});

describe('Engine capacity across rebalances', () => {
  it('admits no more than maxInFlightPerPartition records in all while a sink is down, however many rebalances happen', async () => {
    const sink = new GatedWriter('db', { gated: true }); // the sink is down: nothing settles
    const { engine } = engineFor((b) => source(b).sink(sink), { maxInFlightPerPartition: 3, sinkBatching: { maxRecords: 1 } });
    let admitted = 0;
    for (let rebalance = 0; rebalance < 5; rebalance++) {
      // The partition is read again from its last commit (none): offsets start over.
      for (let offset = 0; offset < 10 && engine.waitForCapacity('in', 0) === undefined; offset++) {
        await engine.process({
          topic: 'in',
          partition: 0,
          offset: String(offset),
          key: Buffer.from(`k${offset}`),
          value: Buffer.from('{"n":1}'),
          headers: {},
          timestamp: 0,
        });
        admitted++;
      }
      engine.revoke([{ topic: 'in', partition: 0 }]);
    }
    // Each revoke used to forget its records while they stayed in the sink's buffer: 3 more a rebalance.
    expect(admitted).toBe(3);
    expect(engine.tracker.inFlight('in', 0)).toBe(3);
    while (sink.gates.length > 0) {
      sink.release();
      await settle();
    }
    expect(sink.written).toEqual(['k0', 'k1', 'k2']);
    expect(engine.tracker.inFlight('in', 0)).toBe(0);
    expect(engine.waitForCapacity('in', 0)).toBeUndefined();
  });
});

describe('Engine commits across sinks', () => {
  /** `in` -> sink A for routes containing A, sink B for routes containing B. */
  const twoSinks = () => {
    const a = new GatedWriter('A', { gated: true });
    const bw = new GatedWriter('B', { gated: true });
    const h = engineFor((b) => {
      const s = source(b);
      s.filter((r) => r.value.route?.includes('A') ?? false, 'toA').sink(a);
      s.filter((r) => r.value.route?.includes('B') ?? false, 'toB').sink(bw);
    });
    return { ...h, a, b: bw };
  };

  it('does not commit a record that one of its two sinks has not acknowledged', async () => {
    const { engine, a, b, committed } = twoSinks();
    await engine.process(raw('in', 'x', { n: 0, route: 'AB' }));
    await settle();
    a.release();
    await settle();
    expect(committed()).toBeUndefined();
    b.release();
    await settle();
    expect(committed()).toBe('1');
  });

  it('does not commit past an earlier record still in a slow sink when later ones complete first', async () => {
    const { engine, a, b, committed } = twoSinks();
    await engine.process(raw('in', 'slow', { n: 0, route: 'A' }));
    await engine.process(raw('in', 'fast1', { n: 1, route: 'B' }));
    await engine.process(raw('in', 'dropped', { n: 2, route: '' }));
    await settle();
    b.release();
    await settle();
    expect(b.written).toEqual(['fast1']);
    expect(committed()).toBeUndefined();
    expect(engine.tracker.inFlight('in', 0)).toBe(1);
    a.release();
    await settle();
    expect(committed()).toBe('3');
  });

  it('commits exactly the fully acknowledged prefix, for any routing and acknowledgement order (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.constantFrom('', 'A', 'B', 'AB'), { minLength: 1, maxLength: 8 }),
        fc.array(fc.boolean(), { minLength: 16, maxLength: 16 }),
        async (routes, order) => {
          const { engine, a, b, committed } = twoSinks();
          for (const [i, route] of routes.entries()) await engine.process(raw('in', `k${i}`, { n: i, route }));
          await settle();
          const queues = { A: routes.flatMap((r, i) => (r.includes('A') ? [i] : [])), B: routes.flatMap((r, i) => (r.includes('B') ? [i] : [])) };
          const acked = { A: 0, B: 0 };
          const expected = () => {
            const complete = (i: number) => (['A', 'B'] as const).every((s) => !queues[s].includes(i) || queues[s].indexOf(i) < acked[s]);
            let prefix = 0;
            while (prefix < routes.length && complete(prefix)) prefix++;
            return prefix === 0 ? undefined : String(prefix);
          };
          expect(committed()).toBe(expected());
          for (const pickA of order) {
            const s = pickA ? 'A' : 'B';
            if (acked[s] >= queues[s].length) continue;
            (s === 'A' ? a : b).release();
            acked[s]++;
            await settle();
            expect(committed()).toBe(expected());
          }
          for (const s of ['A', 'B'] as const) {
            while (acked[s] < queues[s].length) {
              (s === 'A' ? a : b).release();
              acked[s]++;
              await settle();
            }
          }
          expect(committed()).toBe(String(routes.length));
          engine.close();
        },
      ),
      { numRuns: 40 },
    );
  });
});

describe('Engine linger', () => {
  it('writes and commits only once the linger passes when nothing flushes eagerly', async () => {
    const sink = new GatedWriter('db');
    const b = new TopologyBuilder();
    source(b).sink(sink);
    const driver = new TopologyTestDriver(b.build(), { autoFlush: false, sinkBatching: { lingerMs: 100 } });
    await driver.inputTopic('in', requiredStringSerde, json).pipe('a', { n: 1 });
    await driver.settle();
    expect(sink.written).toEqual([]);
    expect(driver.committedOffset('in')).toBeUndefined();
    expect(driver.inFlight).toBe(1);
    await driver.advanceTime(99);
    expect(sink.written).toEqual([]);
    await driver.advanceTime(1);
    expect(sink.written).toEqual(['a']);
    expect(driver.committedOffset('in')).toBe('1');
    expect(driver.inFlight).toBe(0);
  });

  it('batches the records that arrive within one linger into one write', async () => {
    const batches: string[][] = [];
    const writer: BatchWriter<StreamRecord<string, N>> = {
      name: 'db',
      write: (batch) => {
        batches.push(batch.map((r) => r.key));
        return Promise.resolve();
      },
    };
    const b = new TopologyBuilder();
    source(b).sink(writer);
    const driver = new TopologyTestDriver(b.build(), { autoFlush: false, sinkBatching: { lingerMs: 100 } });
    const input = driver.inputTopic('in', requiredStringSerde, json);
    await input.pipe('a', { n: 1 });
    await driver.advanceTime(50);
    await input.pipe('b', { n: 2 });
    await driver.advanceTime(50);
    expect(batches).toEqual([['a', 'b']]);
  });
});

describe('Engine in-flight report', () => {
  it('names the partitions holding records, the oldest of each, and the sink holding them, and is empty once they settle', async () => {
    const db = new GatedWriter('db', { gated: true });
    const { engine } = engineFor((b) => source(b).sink(db), { sinkBatching: { maxRecords: 2, lingerMs: 10_000 } });
    await engine.process(raw('in', 'a', { n: 1 }, 0));
    await engine.process(raw('in', 'b', { n: 2 }, 3));
    await engine.process(raw('in', 'c', { n: 3 }, 3));
    await settle();
    const report = engine.inFlightReport();
    expect(report.records).toEqual([
      { topic: 'in', partition: 0, inFlight: 1, oldest: '0', retiredGenerations: 0 },
      { topic: 'in', partition: 3, inFlight: 2, oldest: '0', retiredGenerations: 0 },
    ]);
    expect(report.sinks).toEqual([{ name: 'db', buffered: 1, writing: 1 }]);
    expect(report.punctuations).toBe(0);
    const drained = engine.drain(5_000);
    await settle();
    db.release();
    await settle();
    db.release();
    await expect(drained).resolves.toBe(true);
    expect(engine.inFlightReport()).toEqual({ records: [], punctuations: 0, tasks: [], sinks: [] });
  });

  it('counts a revoked generation still in flight apart from the current one', async () => {
    const db = new GatedWriter('db', { gated: true });
    const { engine } = engineFor((b) => source(b).sink(db));
    await engine.process(raw('in', 'old', { n: 1 }));
    engine.revoke([{ topic: 'in', partition: 0 }]);
    await engine.process({ ...raw('in', 'new', { n: 2 }), offset: '0' });
    await settle();
    expect(engine.inFlightReport().records).toEqual([{ topic: 'in', partition: 0, inFlight: 2, oldest: '0', retiredGenerations: 1 }]);
  });
});

describe('Engine stopping', () => {
  it('drains: flushes until nothing is in flight', async () => {
    const sink = new GatedWriter('db');
    const { engine, committed } = engineFor((b) => source(b).sink(sink), { sinkBatching: { maxRecords: 100, lingerMs: 10_000 } });
    await engine.process(raw('in', 'a', { n: 1 }));
    await expect(engine.drain(5_000)).resolves.toBe(true);
    expect(sink.written).toEqual(['a']);
    expect(committed()).toBe('1');
  });

  it('leaves buffered records unwritten and uncommitted after close, and flush still returns', async () => {
    const sink = new GatedWriter('db');
    const { engine, clock, committed } = engineFor((b) => source(b).sink(sink), { sinkBatching: { maxRecords: 100, lingerMs: 100 } });
    await engine.process(raw('in', 'a', { n: 1 }));
    engine.close();
    await engine.flush();
    clock.advance(1000);
    await settle();
    expect(sink.written).toEqual([]);
    expect(committed()).toBeUndefined();
  });

  it('reports what happens to an observer', async () => {
    const observer = { received: vi.fn(), handled: vi.fn(), deadLettered: vi.fn(), produced: vi.fn() };
    const { engine } = engineFor((b) => source(b).to('out', { key: stringSerde, value: json }), { observer });
    await engine.process(raw('in', 'a', { n: 1 }));
    await engine.process(raw('in', 'b', 'bad'));
    await engine.flush();
    await settle();
    expect(observer.received).toHaveBeenCalledTimes(2);
    expect(observer.handled).toHaveBeenCalledTimes(2);
    expect(observer.deadLettered).toHaveBeenCalledWith('deserialization', 'src');
    expect(observer.produced).toHaveBeenCalledWith('out', 1);
  });
});

describe('Engine drain waits without spinning', () => {
  /** A value serde whose decoding waits until the test lets it go: a schema fetch that takes a while. */
  function slowSerde() {
    const gate = deferred();
    const serde: Serde<N> = { name: 'slow', serialize: (v) => json.serialize(v, 'in'), deserialize: (b) => gate.promise.then(() => json.deserialize(b, 'in')) };
    return { serde, release: gate.resolve };
  }

  const realTime = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

  it('flushes a handful of times, not in a loop, while a record waits on a slow dependency, and writes it once it comes', async () => {
    const { serde, release } = slowSerde();
    const sink = new GatedWriter('db');
    const { engine, committed } = engineFor((b) => b.stream('in', { key: requiredStringSerde, value: serde }, { name: 'src' }).sink(sink), {
      sinkBatching: { maxRecords: 100, lingerMs: 10_000 },
    });
    const flush = vi.spyOn(engine, 'flush');
    const processing = engine.process(raw('in', 'a', { n: 1 }));
    const drained = engine.drain(5_000);
    await realTime(100);
    // Polling with setImmediate flushes thousands of times in 100 ms.
    expect(flush.mock.calls.length).toBeLessThan(5);
    release();
    await processing;
    await expect(drained).resolves.toBe(true);
    expect(sink.written).toEqual(['a']);
    expect(committed()).toBe('1');
    expect(flush.mock.calls.length).toBeLessThan(8);
  });

  it('stops flushing once it timed out', async () => {
    const { serde } = slowSerde();
    const { engine } = engineFor((b) => b.stream('in', { key: requiredStringSerde, value: serde }, { name: 'src' }).sink(new GatedWriter('db')));
    const flush = vi.spyOn(engine, 'flush');
    void engine.process(raw('in', 'a', { n: 1 }));
    await expect(engine.drain(20)).resolves.toBe(false);
    const atTimeout = flush.mock.calls.length;
    await realTime(60);
    expect(flush.mock.calls.length).toBe(atTimeout);
    engine.close();
  });

  it('returns false as soon as the engine closes, and flushes no more', async () => {
    const { serde } = slowSerde();
    const { engine } = engineFor((b) => b.stream('in', { key: requiredStringSerde, value: serde }, { name: 'src' }).sink(new GatedWriter('db')));
    const flush = vi.spyOn(engine, 'flush');
    void engine.process(raw('in', 'a', { n: 1 }));
    const drained = engine.drain(60_000);
    await realTime(10);
    engine.close();
    const outcome = await Promise.race([drained, realTime(200).then(() => 'still draining')]);
    expect(outcome).toBe(false);
    const atClose = flush.mock.calls.length;
    await realTime(60);
    expect(flush.mock.calls.length).toBe(atClose);
  });
});
