import type { EachBatchPayload } from 'kafkajs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { RawRecord } from '../records.js';
import { EventLoopSlice } from './event-loop-slice.js';
import { KafkaBatchFeeder, type BatchFeederOptions, type FedEngine } from './kafka-batch-feeder.js';

/** A fetched batch of `n` messages as KafkaJS hands it over, recording what the feeder resolves and its heartbeats. */
function batchOf(n: number, options: { runningFor?: number } = {}) {
  const resolved: string[] = [];
  const record = { heartbeats: 0 };
  let isRunningCalls = 0;
  const messages = Array.from({ length: n }, (_, i) => ({
    offset: String(i),
    key: Buffer.from('k'),
    value: Buffer.from('v'),
    timestamp: '0',
    headers: {},
    attributes: 0,
  }));
  const payload = {
    batch: { topic: 'in', partition: 0, messages, lastOffset: () => String(n - 1) },
    isRunning: () => ++isRunningCalls <= (options.runningFor ?? Number.POSITIVE_INFINITY),
    isStale: () => false,
    heartbeat: () => {
      record.heartbeats++;
      return Promise.resolve();
    },
    resolveOffset: (offset: string) => void resolved.push(offset),
  } as unknown as EachBatchPayload;
  return { payload, resolved, record };
}

/** An engine that takes records in and makes readers wait, or decodes slowly, when the test says so. */
class StandInEngine implements FedEngine {
  readonly fed: string[] = [];
  capacity: Promise<void> | undefined;
  pending: Promise<void> | undefined;
  waitForCapacity(): Promise<void> | undefined {
    return this.capacity;
  }
  process(raw: RawRecord): void | Promise<void> {
    this.fed.push(raw.offset);
    return this.pending;
  }
}

const feederFor = (engine: FedEngine, options: Partial<BatchFeederOptions> = {}) => new KafkaBatchFeeder(engine, { live: () => true, ...options });

describe('KafkaBatchFeeder', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('feeds every record in order and resolves the last offset once per batch', async () => {
    const engine = new StandInEngine();
    const { payload, resolved } = batchOf(5);
    await feederFor(engine).feed(payload);
    expect(engine.fed).toEqual(['0', '1', '2', '3', '4']);
    expect(resolved).toEqual(['4']);
  });

  it('resolves only what it fed when the consumer stops mid-batch, so the rest is fetched again', async () => {
    const engine = new StandInEngine();
    // maxBlockingMs 0: the loop gives way before every record, and a stop can only be seen then.
    const { payload, resolved } = batchOf(5, { runningFor: 2 });
    await feederFor(engine, { slice: new EventLoopSlice(0) }).feed(payload);
    expect(resolved).toEqual(['1']);
  });

  it('drops the rest of a batch a group join overtook, and resolves nothing of it', async () => {
    const engine = new StandInEngine();
    const { payload, resolved } = batchOf(5);
    let joins = 1;
    // The second record's decoding waits; a join comes meanwhile (the partition may be another member's now).
    const feeder = feederFor(engine, { joins: () => joins });
    const original = engine.process.bind(engine);
    engine.process = (raw) => {
      void original(raw);
      if (raw.offset !== '1') return undefined;
      return new Promise<void>((resolve) =>
        setTimeout(() => {
          joins++;
          resolve();
        }, 0),
      );
    };
    await feeder.feed(payload);
    expect(engine.fed).toEqual(['0', '1']);
    // Resolving '1' now would move the new assignment's fetch position past records it never read.
    expect(resolved).toEqual([]);
  });

  it('feeds nothing of a partition its owner holds back, and resolves nothing', async () => {
    const engine = new StandInEngine();
    const { payload, resolved } = batchOf(3);
    await feederFor(engine, { accepts: (topic, partition) => !(topic === 'in' && partition === 0) }).feed(payload);
    expect(engine.fed).toEqual([]);
    expect(resolved).toEqual([]);
  });

  it('lets the event loop run while a long batch is fed', async () => {
    const { payload } = batchOf(50);
    let ranDuringBatch = false;
    let batchDone = false;
    setImmediate(() => (ranDuringBatch = !batchDone));
    await feederFor(new StandInEngine(), { slice: new EventLoopSlice(0) })
      .feed(payload)
      .then(() => (batchDone = true));
    expect(ranDuringBatch).toBe(true);
  });

  it('waits for the engine to have room, heartbeating every second meanwhile, then goes on', async () => {
    vi.useFakeTimers();
    const engine = new StandInEngine();
    let room!: () => void;
    engine.capacity = new Promise<void>((resolve) => (room = resolve));
    const { payload, resolved, record } = batchOf(1);
    const feeding = feederFor(engine).feed(payload);
    await vi.advanceTimersByTimeAsync(3_500);
    expect(record.heartbeats).toBeGreaterThanOrEqual(3);
    expect(engine.fed).toEqual([]);
    engine.capacity = undefined;
    room();
    await vi.advanceTimersByTimeAsync(10);
    await feeding;
    expect(resolved).toEqual(['0']);
  });

  it('heartbeats every second while a checkpoint holds the gate, so a long drain does not cost the group membership', async () => {
    vi.useFakeTimers();
    const engine = new StandInEngine();
    let open!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    const { payload, resolved, record } = batchOf(1);
    const feeding = feederFor(engine, { beforeRecord: () => gate }).feed(payload);
    await vi.advanceTimersByTimeAsync(3_500);
    expect(record.heartbeats).toBeGreaterThanOrEqual(3);
    expect(engine.fed).toEqual([]);
    open();
    await vi.advanceTimersByTimeAsync(10);
    await feeding;
    expect(engine.fed).toEqual(['0']);
    expect(resolved).toEqual(['0']);
  });

  it('leaves a backpressure wait, resolving nothing, when its owner is no longer live', async () => {
    vi.useFakeTimers();
    const engine = new StandInEngine();
    engine.capacity = new Promise<void>(() => undefined);
    let live = true;
    const { payload, resolved } = batchOf(2);
    const feeding = feederFor(engine, { live: () => live }).feed(payload);
    await vi.advanceTimersByTimeAsync(1_500);
    live = false;
    await vi.advanceTimersByTimeAsync(1_000);
    await feeding;
    expect(engine.fed).toEqual([]);
    expect(resolved).toEqual([]);
  });

  it('heartbeats while a record waits on a slow decode, and leaves it unresolved when the consumer stops meanwhile', async () => {
    vi.useFakeTimers();
    const engine = new StandInEngine();
    engine.pending = new Promise<void>(() => undefined);
    const { payload, resolved, record } = batchOf(1, { runningFor: 3 });
    const feeding = feederFor(engine).feed(payload);
    await vi.advanceTimersByTimeAsync(5_500);
    await feeding;
    expect(record.heartbeats).toBeGreaterThanOrEqual(1);
    expect(resolved).toEqual([]);
  });

  it("follows the owner's admission: skipped offsets still resolve, the batch ends at past-end, and batchSeen reports it", async () => {
    const engine = new StandInEngine();
    const seen: string[] = [];
    const processed: string[] = [];
    const { payload, resolved } = batchOf(6);
    await feederFor(engine, {
      admit: (_p, offset) => (offset < '2' ? 'skip' : offset < '4' ? 'process' : 'past-end'),
      processed: (_p, offset) => void processed.push(offset),
      batchSeen: (batch) => void seen.push(batch.lastOffset()),
    }).feed(payload);
    expect(engine.fed).toEqual(['2', '3']);
    expect(processed).toEqual(['2', '3']);
    expect(resolved).toEqual(['3']);
    expect(seen).toEqual(['5']);
  });

  it('awaits beforeRecord (a gate, a rate limit) before each record it feeds, and not for skipped ones', async () => {
    const engine = new StandInEngine();
    let calls = 0;
    const { payload } = batchOf(4);
    await feederFor(engine, {
      admit: (_p, offset) => (offset === '0' ? 'skip' : 'process'),
      beforeRecord: () => {
        calls++;
        return Promise.resolve();
      },
    }).feed(payload);
    expect(calls).toBe(3);
    expect(engine.fed).toEqual(['1', '2', '3']);
  });
});
