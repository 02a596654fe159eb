import type { EachBatchPayload, Kafka } from 'kafkajs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { KafkaTopologyRunner, TopologyBuilder, bytesSerde, stringSerde, type Serde } from '../index.js';

/**
 * Regression tests for a bug the reliability suite ran into (docs/reliability.md, "Bugs found"), shown
 * with a stand-in for KafkaJS that behaves as KafkaJS does at the point that matters, so the failure
 * is deterministic.
 */

type Listener = (event: { payload: { error: Error; restart: boolean; groupId: string } }) => void;

/** A KafkaJS consumer's surface as the runner uses it. Like KafkaJS, a crash disconnects first, after which pause() throws. */
class StandInConsumer {
  readonly events = { GROUP_JOIN: 'consumer.group_join', REBALANCING: 'consumer.rebalancing', CRASH: 'consumer.crash' } as const;
  private readonly listeners = new Map<string, Listener[]>();
  private running = false;
  disconnected = false;
  connect = (): Promise<void> => Promise.resolve();
  subscribe = (): Promise<void> => Promise.resolve();
  commitOffsets = (): Promise<void> => Promise.resolve();
  /** The runner's eachBatch, for tests that feed it batches by hand. */
  eachBatch: ((payload: EachBatchPayload) => Promise<void>) | undefined;
  run = (config: { eachBatch: (payload: EachBatchPayload) => Promise<void> }): Promise<void> => {
    this.running = true;
    this.eachBatch = config.eachBatch;
    return Promise.resolve();
  };
  on = (event: string, listener: Listener): void => {
    this.listeners.set(event, [...(this.listeners.get(event) ?? []), listener]);
  };
  pause = (): void => {
    // kafkajs/src/consumer/index.js: `if (!consumerGroup) throw new KafkaJSNonRetriableError(...)`
    if (!this.running) throw new Error('Consumer group was not initialized, consumer#run must be called first');
  };
  disconnect = (): Promise<void> => {
    this.running = false;
    this.disconnected = true;
    return Promise.resolve();
  };

  /** What KafkaJS does on an error it will not restart from (e.g. KafkaJSGroupCoordinatorNotFound after a broker restart). */
  crash(error: Error): void {
    this.running = false;
    for (const l of this.listeners.get(this.events.CRASH) ?? []) l({ payload: { error, restart: false, groupId: 'g' } });
  }
}

function standInKafka() {
  const consumer = new StandInConsumer();
  const producer = { connect: () => Promise.resolve(), disconnect: () => Promise.resolve(), send: () => Promise.resolve([]) };
  const kafka = { consumer: () => consumer, producer: () => producer } as unknown as Kafka;
  return { kafka, consumer };
}

const topology = () => {
  const builder = new TopologyBuilder();
  builder.stream('in', { key: stringSerde, value: bytesSerde }).to('out', { key: stringSerde, value: bytesSerde });
  return builder.build();
};

describe('KafkaTopologyRunner after a consumer crash', () => {
  it('topology/runtime/kafka-runner.ts: a consumer crash KafkaJS does not restart fails the runner cleanly — stop() resolves, state "failed"', async () => {
    const { kafka, consumer } = standInKafka();
    const runner = new KafkaTopologyRunner(topology(), { kafka, groupId: 'g', commitIntervalMs: 60_000 });
    await runner.start();
    const crash = new Error('KafkaJSGroupCoordinatorNotFound: Failed to find group coordinator');
    consumer.crash(crash);
    await expect(runner.done()).rejects.toThrow(/coordinator/);
    // The regression: shutdown() called consumer.pause() on the crashed consumer, which threw; stop()
    // rejected (an unhandled rejection from onFatal's `void this.stop()`), the commit timer kept
    // running and the producer stayed connected.
    const stopped = await runner.stop().then(
      () => 'resolved',
      (err: unknown) => `rejected: ${err instanceof Error ? err.message : String(err)}`,
    );
    expect(stopped).toBe('resolved');
    expect(runner.state).toBe('failed');
    expect(consumer.disconnected).toBe(true);
  });
});

/** A fetched batch of `n` messages as KafkaJS hands it over, recording what the runner resolves. */
function batchOf(n: number, options: { runningFor?: number } = {}) {
  const resolved: string[] = [];
  let isRunningCalls = 0;
  const messages = Array.from({ length: n }, (_, i) => ({ offset: String(i), key: Buffer.from('k'), value: Buffer.from('v'), timestamp: '0', headers: {}, attributes: 0 }));
  const payload = {
    batch: { topic: 'in', partition: 0, messages },
    isRunning: () => ++isRunningCalls <= (options.runningFor ?? Number.POSITIVE_INFINITY),
    isStale: () => false,
    heartbeat: () => Promise.resolve(),
    resolveOffset: (offset: string) => void resolved.push(offset),
  } as unknown as EachBatchPayload;
  return { payload, resolved };
}

describe('KafkaTopologyRunner batch loop', () => {
  it('resolves the last processed offset once per batch', async () => {
    const { kafka, consumer } = standInKafka();
    const runner = new KafkaTopologyRunner(topology(), { kafka, groupId: 'g', commitIntervalMs: 60_000 });
    await runner.start();
    const { payload, resolved } = batchOf(5);
    await consumer.eachBatch!(payload);
    expect(resolved).toEqual(['4']);
    await runner.stop();
  });

  it('resolves only what it processed when the consumer stops mid-batch, so the rest is fetched again', async () => {
    const { kafka, consumer } = standInKafka();
    // maxBlockingMs 0: the loop gives way before every record, and a stop can only be seen then.
    const runner = new KafkaTopologyRunner(topology(), { kafka, groupId: 'g', commitIntervalMs: 60_000, maxBlockingMs: 0 });
    await runner.start();
    const { payload, resolved } = batchOf(5, { runningFor: 2 });
    await consumer.eachBatch!(payload);
    expect(resolved).toEqual(['1']);
    await runner.stop();
  });

  it('lets the event loop run while a long batch is processed', async () => {
    const { kafka, consumer } = standInKafka();
    const runner = new KafkaTopologyRunner(topology(), { kafka, groupId: 'g', commitIntervalMs: 60_000, maxBlockingMs: 0 });
    await runner.start();
    const { payload } = batchOf(50);
    let ranDuringBatch = false;
    let batchDone = false;
    setImmediate(() => (ranDuringBatch = !batchDone));
    await consumer.eachBatch!(payload).then(() => (batchDone = true));
    expect(ranDuringBatch).toBe(true);
    await runner.stop();
  });
});

describe('KafkaTopologyRunner while a record waits on a dependency', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  /** A runner whose only record decodes once the test releases it: a schema the registry is slow to give. */
  async function waitingRunner() {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const slowValue: Serde<Buffer> = { name: 'slow', serialize: (v) => v, deserialize: (b) => gate.then(() => b ?? Buffer.alloc(0)) };
    const builder = new TopologyBuilder();
    builder.stream('in', { key: stringSerde, value: slowValue }).to('out', { key: stringSerde, value: bytesSerde });
    const { kafka, consumer } = standInKafka();
    const runner = new KafkaTopologyRunner(builder.build(), { kafka, groupId: 'g', commitIntervalMs: 60_000 });
    await runner.start();
    return { runner, consumer, release };
  }

  it('leaves the batch, the waiting record unresolved, when the consumer stops running meanwhile', async () => {
    const { runner, consumer, release } = await waitingRunner();
    vi.useFakeTimers();
    const { payload, resolved } = batchOf(1, { runningFor: 1 });
    let left = false;
    const batch = consumer.eachBatch!(payload).then(() => (left = true));
    await vi.advanceTimersByTimeAsync(1_500);
    expect(left).toBe(true);
    expect(resolved).toEqual([]);
    await batch;
    release();
    vi.useRealTimers();
    await runner.stop();
  });

  it('heartbeats every second while a batch waits on a slow decode, so a long registry outage does not cost the group membership', async () => {
    const { runner, consumer, release } = await waitingRunner();
    vi.useFakeTimers();
    const { payload, resolved } = batchOf(1);
    let beats = 0;
    payload.heartbeat = () => {
      beats++;
      return Promise.resolve();
    };
    const batch = consumer.eachBatch!(payload);
    await vi.advanceTimersByTimeAsync(5_500);
    expect(beats).toBeGreaterThanOrEqual(5);
    release();
    await vi.advanceTimersByTimeAsync(10);
    await batch;
    expect(resolved).toEqual(['0']);
    vi.useRealTimers();
    await runner.stop();
  });
});
