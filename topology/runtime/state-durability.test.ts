import { describe, expect, it } from 'vitest';
import { TopologyBuilder } from '../dsl/builder.js';
import { keyValueStore } from '../processor/store-spec.js';
import type { InMemoryKeyValueStore } from '../state/key-value-store.js';
import type { ProcessorContext } from '../processor/processor.js';
import { requiredStringSerde, stringSerde } from '../serdes/basic.js';
import type { RawRecord } from '../records.js';
import { ManualClock } from '../testing/manual-clock.js';
import { Engine } from './engine.js';
import type { OutputProducer, ProducedMessage } from './output-producer.js';

/** A producer whose sends wait until the test acknowledges them, topic by topic. */
function heldProducer() {
  const pending: { topic: string; messages: readonly ProducedMessage[]; ack: () => void }[] = [];
  const producer: OutputProducer = {
    send: (topic, messages) => new Promise<void>((resolve) => pending.push({ topic, messages, ack: resolve })),
  };
  const ack = (topic: string) => {
    for (const p of pending.filter((x) => x.topic === topic)) p.ack();
    pending.splice(0, pending.length, ...pending.filter((x) => x.topic !== topic));
  };
  return { producer, pending, ack };
}

function lastValueTopology() {
  const builder = new TopologyBuilder();
  builder.addStateStore(keyValueStore('last', { key: requiredStringSerde, value: requiredStringSerde }));
  builder
    .stream<string | null, string | null>('in', { key: stringSerde, value: stringSerde })
    .process<string, string>(
      () => {
        let ctx: ProcessorContext<string, string>;
        return {
          init: (c) => void (ctx = c),
          process: async (r) => {
            await ctx.getKeyValueStore<string, string>('last').put(r.key ?? '', r.value ?? '');
            ctx.forward({ key: r.key ?? '', value: r.value ?? '' });
          },
        };
      },
      { name: 'remember', stores: ['last'] },
    )
    .to('out', { key: requiredStringSerde, value: requiredStringSerde });
  return builder.build();
}

const raw = (offset: number, key: string, value: string): RawRecord => ({
  topic: 'in',
  partition: 0,
  offset: String(offset),
  key: Buffer.from(key),
  value: Buffer.from(value),
  headers: {},
  timestamp: 1000 + offset,
});

const tick = async () => {
  for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
};

describe('state changes and the commit', () => {
  it("writes a record's changes to the changelog only after its outputs were acknowledged, and commits it only after its changes were", async () => {
    const { producer, pending, ack } = heldProducer();
    const engine = new Engine(lastValueTopology(), { producer, clock: new ManualClock(0), applicationId: 'app' });
    await engine.process(raw(0, 'k', 'v1'));
    await tick();
    void engine.flush();
    await tick();
    expect(pending.map((p) => p.topic)).toEqual(['out']);
    expect(engine.tracker.due()).toEqual([]);

    ack('out');
    await tick();
    void engine.flush();
    await tick();
    expect(pending.map((p) => p.topic)).toEqual(['app-last-changelog']);
    expect(pending[0]!.messages[0]!.partition).toBe(0);
    expect(engine.tracker.due()).toEqual([]);

    ack('app-last-changelog');
    await tick();
    expect(engine.tracker.due()).toEqual([{ topic: 'in', partition: 0, offset: '1' }]);
    engine.close();
  });

  it('sends store changes through the changelog producer when there is one, and a held changelog write holds no output', async () => {
    const outputs = heldProducer();
    const changelogs = heldProducer();
    const clock = new ManualClock(0);
    const engine = new Engine(lastValueTopology(), { producer: outputs.producer, changelogProducer: changelogs.producer, clock, applicationId: 'app' });
    await engine.process(raw(0, 'k', 'v0'));
    await tick();
    clock.advance(1000);
    await tick();
    outputs.ack('out');
    await tick();
    clock.advance(1000);
    await tick();
    // Record 0's change is held on the changelog's own producer; the outputs' producer has nothing of it.
    expect(changelogs.pending.map((p) => p.topic)).toEqual(['app-last-changelog']);
    expect(outputs.pending).toEqual([]);
    // Record 1's output goes out, on its linger, while that changelog write is still in flight.
    await engine.process(raw(1, 'k', 'v1'));
    await tick();
    clock.advance(1000);
    await tick();
    expect(outputs.pending.map((p) => p.topic)).toEqual(['out']);
    outputs.ack('out');
    await tick();
    expect(engine.tracker.due()).toEqual([]);
    changelogs.ack('app-last-changelog');
    await tick();
    clock.advance(1000);
    await tick();
    changelogs.ack('app-last-changelog');
    await tick();
    expect(engine.tracker.due()).toEqual([{ topic: 'in', partition: 0, offset: '2' }]);
    engine.close();
  });

  it('does not count records waiting only on their changelog write against the in-flight cap: the linger holds no partition back', async () => {
    const written: string[] = [];
    const producer: OutputProducer = { send: (topic) => (written.push(topic), Promise.resolve()) };
    const clock = new ManualClock(0);
    const engine = new Engine(lastValueTopology(), { producer, clock, applicationId: 'app', maxInFlightPerPartition: 2 });
    for (let offset = 0; offset < 3; offset++) await engine.process(raw(offset, 'k', `v${offset}`));
    // Three in flight against a cap of two, outputs not yet written: the partition is full.
    expect(engine.waitForCapacity('in', 0)).toBeInstanceOf(Promise);
    await tick();
    // The outputs' linger ends, the changelog's (longer) does not.
    clock.advance(10);
    await tick();
    expect(written).toEqual(['out']);
    // All three wait only on their changelog write: the partition has room again.
    expect(engine.waitForCapacity('in', 0)).toBeUndefined();
    expect(engine.tracker.due()).toEqual([]);
    clock.advance(1000);
    await tick();
    expect(written).toEqual(['out', 'app-last-changelog']);
    expect(engine.tracker.due()).toEqual([{ topic: 'in', partition: 0, offset: '3' }]);
    engine.close();
  });

  it('sends a key changed by a thousand records while a changelog write is in flight as one entry, and commits them all once it is acknowledged', async () => {
    const { producer, pending, ack } = heldProducer();
    const engine = new Engine(lastValueTopology(), { producer, clock: new ManualClock(0), applicationId: 'app', maxInFlightPerPartition: 5000 });
    // Record 0's change is written first and held: the next thousand records' changes wait behind it.
    await engine.process(raw(0, 'k', 'v0'));
    await tick();
    void engine.flush();
    await tick();
    ack('out');
    await tick();
    void engine.flush();
    await tick();
    expect(pending.map((p) => p.topic)).toEqual(['app-last-changelog']);
    for (let offset = 1; offset <= 1000; offset++) await engine.process(raw(offset, 'k', `v${offset}`));
    // Their outputs acknowledged (in batches of the output topic's size), their changes wait in the changelog sink.
    for (let round = 0; round < 10; round++) {
      void engine.flush();
      await tick();
      ack('out');
      await tick();
    }
    ack('app-last-changelog');
    await tick();
    void engine.flush();
    await tick();
    // One batch, one entry: the last value, with the last record's offset (what a restore reads as applied).
    const changelog = pending.filter((p) => p.topic === 'app-last-changelog');
    expect(changelog.map((p) => p.messages.map((m) => `${m.value?.toString()}@${m.headers?.['tempstream.source.offset']?.toString()}`))).toEqual([
      ['v1000@1000'],
    ]);
    ack('app-last-changelog');
    await tick();
    expect(engine.tracker.due()).toEqual([{ topic: 'in', partition: 0, offset: '1001' }]);
    engine.close();
  });

  it('commits a record that changed two stores only once the changes to both changelogs are acknowledged', async () => {
    const builder = new TopologyBuilder();
    for (const name of ['first', 'second']) builder.addStateStore(keyValueStore(name, { key: requiredStringSerde, value: requiredStringSerde }));
    builder.stream<string | null, string | null>('in', { key: stringSerde, value: stringSerde }).process<string, string>(
      () => {
        let ctx: ProcessorContext<string, string>;
        return {
          init: (c) => void (ctx = c),
          process: (r) => {
            void ctx.getKeyValueStore<string, string>('first').putNow(r.key ?? '', r.value ?? '');
            void ctx.getKeyValueStore<string, string>('second').putNow(r.key ?? '', r.value ?? '');
          },
        };
      },
      { name: 'remember-twice', stores: ['first', 'second'] },
    );
    const { producer, pending, ack } = heldProducer();
    const engine = new Engine(builder.build(), { producer, clock: new ManualClock(0), applicationId: 'app' });
    await engine.process(raw(0, 'k', 'v'));
    await tick();
    void engine.flush();
    await tick();
    expect(pending.map((p) => p.topic)).toEqual(['app-first-changelog']);
    ack('app-first-changelog');
    await tick();
    expect(pending.map((p) => p.topic)).toEqual(['app-second-changelog']);
    expect(engine.tracker.due()).toEqual([]);
    ack('app-second-changelog');
    await tick();
    expect(engine.tracker.due()).toEqual([{ topic: 'in', partition: 0, offset: '1' }]);
    engine.close();
  });

  it('logs changes in the order the store made them even when a later record settles first', async () => {
    const { producer, pending, ack } = heldProducer();
    const engine = new Engine(lastValueTopology(), { producer, clock: new ManualClock(0), applicationId: 'app', topicBatching: { maxRecords: 1 } });
    await engine.process(raw(0, 'k', 'first'));
    await engine.process(raw(1, 'k', 'second'));
    await tick();
    void engine.flush();
    await tick();
    // Acknowledge the second output before the first: the first record's change must still be logged first.
    const outs = pending.filter((p) => p.topic === 'out');
    expect(outs.map((p) => p.messages[0]!.value!.toString())).toEqual(['first']); // one write at a time on a topic
    ack('out');
    await tick();
    void engine.flush();
    await tick();
    ack('out');
    await tick();
    void engine.flush();
    await tick();
    const logged: string[] = [];
    for (let i = 0; i < 5 && pending.length > 0; i++) {
      for (const p of pending.filter((x) => x.topic === 'app-last-changelog')) logged.push(...p.messages.map((m) => m.value!.toString()));
      ack('app-last-changelog');
      await tick();
      void engine.flush();
      await tick();
    }
    expect(logged).toEqual(['first', 'second']);
    expect(engine.tracker.due()).toEqual([{ topic: 'in', partition: 0, offset: '2' }]);
    engine.close();
  });

  it('a revoked task drops its state and logs nothing more; its records finish without moving an offset', async () => {
    const { producer, pending, ack } = heldProducer();
    const engine = new Engine(lastValueTopology(), { producer, clock: new ManualClock(0), applicationId: 'app' });
    await engine.process(raw(0, 'k', 'v1'));
    await tick();
    void engine.flush();
    await tick();
    engine.revoke([{ topic: 'in', partition: 0 }]);
    ack('out');
    await tick();
    void engine.flush();
    await tick();
    expect(pending.filter((p) => p.topic === 'app-last-changelog')).toEqual([]);
    expect(engine.tracker.totalInFlight()).toBe(0);
    expect(engine.tracker.due()).toEqual([]);
    engine.close();
  });
});

describe('assignment', () => {
  it("closes every task on a new assignment, a quiet partition's too, and restores the assigned ones from the changelog", () => {
    const { producer, ack } = heldProducer();
    const engine = new Engine(lastValueTopology(), { producer, clock: new ManualClock(0), applicationId: 'app' });
    engine.assign([
      { topic: 'in', partition: 0 },
      { topic: 'in', partition: 1 },
    ]);
    const quiet = engine.tasksHolding('last').get(1);
    expect(quiet?.closed).toBe(false);
    // A rebalance that revokes nothing with records (partition 1 never had one) still replaces its task.
    engine.revoke([]);
    engine.assign([{ topic: 'in', partition: 1 }]);
    expect(quiet?.closed).toBe(true);
    expect(engine.tasksHolding('last').get(1)).not.toBe(quiet);
    expect(engine.tasksHolding('last').has(0)).toBe(false);
    ack('out');
    engine.close();
  });
});

describe('restoring a task', () => {
  it("restores a task's stores at once, not one after the other (each restore is mostly waiting)", async () => {
    const builder = new TopologyBuilder();
    for (const name of ['a', 'b', 'c']) builder.addStateStore(keyValueStore(name, { key: requiredStringSerde, value: requiredStringSerde }));
    builder.stream<string | null, string | null>('in', { key: stringSerde, value: stringSerde }).process<string, string>(() => ({ process: () => undefined }), {
      name: 'uses-three',
      stores: ['a', 'b', 'c'],
    });
    // Each store's offset range answers only once all three were asked: a sequential restore never gets there.
    const asked: string[] = [];
    let allAsked!: () => void;
    const barrier = new Promise<void>((resolve) => (allAsked = resolve));
    const changelogSource = emptyChangelogs((topic) => {
      asked.push(topic);
      if (asked.length === 3) allAsked();
      return barrier;
    });
    const engine = new Engine(builder.build(), {
      producer: { send: () => Promise.resolve() },
      clock: new ManualClock(0),
      changelogSource,
      applicationId: 'app',
    });
    engine.assign([{ topic: 'in', partition: 0 }]);
    const restored = await Promise.race([engine.restored(0), new Promise((resolve) => setTimeout(() => resolve('still waiting'), 1000))]);
    expect(restored).toBe(true);
    expect(asked.sort()).toEqual(['app-a-changelog', 'app-b-changelog', 'app-c-changelog']);
    engine.close();
  });
});

/** A topology whose one store is written by records whose key decodes only once `release` is called: a record still decoding across a rebalance. */
function slowlyDecodedTopology() {
  let release!: () => void;
  const held = new Promise<void>((resolve) => (release = resolve));
  const slowKey = { name: 'slow', deserialize: async (b: Buffer | null) => (await held, b?.toString() ?? null) };
  const builder = new TopologyBuilder();
  builder.addStateStore(keyValueStore('last', { key: requiredStringSerde, value: requiredStringSerde }));
  builder.stream<string | null, string | null>('in', { key: slowKey, value: stringSerde }).process<string, string>(
    () => {
      let ctx: ProcessorContext<string, string>;
      return { init: (c) => void (ctx = c), process: (r) => ctx.getKeyValueStore<string, string>('last').put(r.key ?? '', r.value ?? '') };
    },
    { name: 'remember', stores: ['last'] },
  );
  return { topology: builder.build(), release };
}

/** A changelog source whose partitions are all empty; `asked` sees each offset range asked for (a restore begun), and may hold it back. */
function emptyChangelogs(asked: (topic: string, partition: number) => unknown) {
  return {
    offsetRange: async (topic: string, partition: number) => {
      await asked(topic, partition);
      return { start: 0n, end: 0n };
    },
    read: () => ({ [Symbol.asyncIterator]: () => ({ next: () => Promise.resolve({ done: true as const, value: undefined }) }) }),
  };
}

describe('a record read before a rebalance', () => {
  it('does not change the state of the task that replaced its own, when its decoding finished after the rebalance', async () => {
    const { topology, release } = slowlyDecodedTopology();
    const sent: string[] = [];
    const engine = new Engine(topology, { producer: { send: (topic) => Promise.resolve(void sent.push(topic)) }, clock: new ManualClock(0) });
    const pending = engine.process(raw(0, 'k', 'old'));
    engine.revoke([{ topic: 'in', partition: 0 }]);
    engine.assign([{ topic: 'in', partition: 0 }]);
    release();
    await pending;
    await tick();
    await engine.flush();
    await tick();
    const store = engine.tasksHolding('last').get(0)!.store('last') as InMemoryKeyValueStore<string, string>;
    expect(await store.get('k')).toBeUndefined();
    expect(sent).toEqual([]);
    expect(engine.tracker.totalInFlight()).toBe(0);
    engine.close();
  });

  it('makes no task (and no restore) for a partition moved to another instance, when its decoding finished after the rebalance', async () => {
    const { topology, release } = slowlyDecodedTopology();
    const restored: number[] = [];
    const changelogSource = emptyChangelogs((_topic, partition) => restored.push(partition));
    const engine = new Engine(topology, { producer: { send: () => Promise.resolve() }, clock: new ManualClock(0), changelogSource });
    engine.assign([{ topic: 'in', partition: 0 }]);
    const pending = engine.process(raw(0, 'k', 'old'));
    engine.revoke([{ topic: 'in', partition: 0 }]);
    engine.assign([{ topic: 'in', partition: 1 }]);
    release();
    await pending;
    await tick();
    await engine.flush();
    await tick();
    expect([...engine.tasksHolding('last').keys()]).toEqual([1]);
    expect(restored).toEqual([1]);
    expect(engine.tracker.totalInFlight()).toBe(0);
    engine.close();
  });
});
