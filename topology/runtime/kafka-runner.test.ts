import type { EachBatchPayload, Kafka } from 'kafkajs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { KafkaTopologyRunner, TopologyBuilder, bytesSerde, stringSerde, type Serde, type Topology } from '../index.js';
import { TransactionalOutput } from './kafka-transactions.js';

/**
 * Regression tests for a bug the reliability suite ran into (docs/reliability.md, "Bugs found"), shown
 * with a stand-in for KafkaJS that behaves as KafkaJS does at the point that matters, so the failure
 * is deterministic.
 */

type Listener = (event: { payload: { error: Error; restart: boolean; groupId: string; memberAssignment?: unknown } }) => void;

/** A KafkaJS consumer's surface as the runner uses it. Like KafkaJS, a crash disconnects first, after which pause() throws. */
class StandInConsumer {
  readonly events = { GROUP_JOIN: 'consumer.group_join', REBALANCING: 'consumer.rebalancing', CRASH: 'consumer.crash' } as const;
  private readonly listeners = new Map<string, Listener[]>();
  private running = false;
  disconnected = false;
  connected = false;
  runCalled = false;
  /** Resolved by a test that wants start() to wait in connect(). */
  connectGate: Promise<void> = Promise.resolve();
  readonly commits: unknown[] = [];
  connect = async (): Promise<void> => {
    await this.connectGate;
    this.connected = true;
  };
  subscribe = (): Promise<void> => Promise.resolve();
  commitOffsets = (offsets: unknown): Promise<void> => {
    this.commits.push(offsets);
    return Promise.resolve();
  };
  /** The runner's eachBatch, for tests that feed it batches by hand. */
  eachBatch: ((payload: EachBatchPayload) => Promise<void>) | undefined;
  run = (config: { eachBatch: (payload: EachBatchPayload) => Promise<void> }): Promise<void> => {
    this.running = true;
    this.runCalled = true;
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
    this.connected = false;
    return Promise.resolve();
  };

  /** What KafkaJS emits after the group (re)joined: every partition starts over. */
  join(): void {
    for (const l of this.listeners.get(this.events.GROUP_JOIN) ?? [])
      l({ payload: { error: new Error('none'), restart: false, groupId: 'g', memberAssignment: {} } });
  }

  /** What KafkaJS emits when a heartbeat or fetch learns the group rebalances, just before it rejoins (without waiting for listeners). */
  rebalance(): void {
    for (const l of this.listeners.get(this.events.REBALANCING) ?? []) l({ payload: { error: new Error('none'), restart: false, groupId: 'g' } });
  }

  /** What KafkaJS does on an error it will not restart from (e.g. KafkaJSGroupCoordinatorNotFound after a broker restart). */
  crash(error: Error): void {
    this.running = false;
    for (const l of this.listeners.get(this.events.CRASH) ?? []) l({ payload: { error, restart: false, groupId: 'g' } });
  }
}

/** One KafkaJS transaction as the runner uses it, recording what went into it and how it ended. */
class StandInTransaction {
  readonly sent: unknown[] = [];
  readonly offsets: unknown[] = [];
  ended: 'committed' | 'aborted' | undefined;
  constructor(private readonly failSendOffsets: boolean) {}
  send = (record: { messages: unknown[] }): Promise<void> => {
    this.sent.push(...record.messages);
    return Promise.resolve();
  };
  sendOffsets = (offsets: unknown): Promise<void> => {
    if (this.failSendOffsets) return Promise.reject(new Error('The coordinator is not available'));
    this.offsets.push(offsets);
    return Promise.resolve();
  };
  commit = (): Promise<void> => {
    this.ended = 'committed';
    return Promise.resolve();
  };
  abort = (): Promise<void> => {
    this.ended = 'aborted';
    return Promise.resolve();
  };
}

/** A transactional KafkaJS producer: `failSendOffsets` lists which transactions (0-based) fail their sendOffsets. */
class StandInProducer {
  readonly transactions: StandInTransaction[] = [];
  failSendOffsets = new Set<number>();
  failBegin = 0;
  config: { transactionalId?: string } = {};
  connect = (): Promise<void> => Promise.resolve();
  disconnect = (): Promise<void> => Promise.resolve();
  send = (): Promise<unknown[]> => Promise.resolve([]);
  sendBatch = (): Promise<unknown[]> => Promise.resolve([]);
  transaction = (): Promise<StandInTransaction> => {
    if (this.failBegin > 0) {
      this.failBegin--;
      return Promise.reject(new Error('The producer attempted a transactional operation in an invalid state'));
    }
    const txn = new StandInTransaction(this.failSendOffsets.has(this.transactions.length));
    this.transactions.push(txn);
    return Promise.resolve(txn);
  };
  /** Transactions that committed offsets: what the group would see as committed. */
  committedOffsets(): unknown[] {
    return this.transactions.filter((t) => t.ended === 'committed').flatMap((t) => t.offsets);
  }
}

function standInKafka() {
  const consumer = new StandInConsumer();
  const producer = new StandInProducer();
  const kafka = {
    consumer: () => consumer,
    producer: (config: { transactionalId?: string }) => {
      producer.config = config;
      return producer;
    },
  } as unknown as Kafka;
  return { kafka, consumer, producer };
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
  const messages = Array.from({ length: n }, (_, i) => ({
    offset: String(i),
    key: Buffer.from('k'),
    value: Buffer.from('v'),
    timestamp: '0',
    headers: {},
    attributes: 0,
  }));
  const payload = {
    batch: { topic: 'in', partition: 0, messages },
    isRunning: () => ++isRunningCalls <= (options.runningFor ?? Number.POSITIVE_INFINITY),
    isStale: () => false,
    heartbeat: () => Promise.resolve(),
    resolveOffset: (offset: string) => void resolved.push(offset),
  } as unknown as EachBatchPayload;
  return { payload, resolved };
}

// The feed loop itself is tested in kafka-batch-feeder.test.ts; this checks the runner feeds through it.
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

const settle = () => new Promise<void>((resolve) => setTimeout(resolve, 20));

describe('KafkaTopologyRunner stopped while it starts', () => {
  it('does not go on to run when stop() came while start() awaited connect: no consume loop, no commit timer, disconnected, stopped', async () => {
    const { kafka, consumer } = standInKafka();
    let connect!: () => void;
    consumer.connectGate = new Promise<void>((resolve) => (connect = resolve));
    const runner = new KafkaTopologyRunner(topology(), { kafka, groupId: 'g', commitIntervalMs: 10 });
    const setInterval = vi.spyOn(globalThis, 'setInterval');
    try {
      const starting = runner.start();
      await settle();
      const stopping = runner.stop();
      connect();
      await starting;
      await stopping;
      expect(runner.state).toBe('stopped');
      expect(consumer.runCalled).toBe(false);
      expect(consumer.connected).toBe(false);
      expect(setInterval).not.toHaveBeenCalled();
    } finally {
      setInterval.mockRestore();
    }
  });

  it('has a closed engine refuse input without tracking it, so no offset is committed for it', async () => {
    const { kafka, consumer } = standInKafka();
    const runner = new KafkaTopologyRunner(topology(), { kafka, groupId: 'g', commitIntervalMs: 60_000 });
    await runner.start();
    await runner.stop();
    expect(() => runner.engine.process({ topic: 'in', partition: 0, offset: '7', key: null, value: Buffer.from('v'), timestamp: 0, headers: {} })).toThrow(
      /closed/,
    );
    expect(runner.engine.tracker.totalInFlight()).toBe(0);
    expect(runner.engine.tracker.due()).toEqual([]);
    expect(consumer.commits).toEqual([]);
  });

  it('cannot be started again once stopped', async () => {
    const { kafka } = standInKafka();
    const runner = new KafkaTopologyRunner(topology(), { kafka, groupId: 'g', commitIntervalMs: 60_000 });
    await runner.stop();
    await expect(runner.start()).rejects.toThrow(/stopped/);
    expect(runner.state).toBe('stopped');
  });
});

describe('KafkaTopologyRunner exactly_once', () => {
  /** An exactly-once runner over the stand-in, of `built` (default: `in` to `out`). */
  const eos = (kafka: Kafka, extra: { shutdownTimeoutMs?: number; transactionTimeoutMs?: number } = {}, built: Topology = topology()) =>
    new KafkaTopologyRunner(built, {
      kafka,
      groupId: 'g',
      commitIntervalMs: 60_000,
      processingGuarantee: 'exactly_once',
      topicBatching: { lingerMs: 0 },
      ...extra,
    });

  it('never commits offsets again after a transactional commit failed: the shutdown that follows commits nothing', async () => {
    const { kafka, consumer, producer } = standInKafka();
    producer.failSendOffsets.add(0);
    const runner = eos(kafka);
    await runner.start();
    await consumer.eachBatch!(batchOf(3).payload);
    await runner.commitDue('interval');
    await expect(runner.done()).rejects.toThrow(/transaction commit failed/);
    await runner.stop();
    expect(producer.transactions[0]!.ended).toBe('aborted');
    expect(producer.committedOffsets()).toEqual([]);
    expect(consumer.commits).toEqual([]);
    expect(runner.state).toBe('failed');
  });

  it('aborts the open transaction on a rebalance: outputs of revoked records never commit without their offsets', async () => {
    const { kafka, consumer, producer } = standInKafka();
    const runner = eos(kafka);
    await runner.start();
    await consumer.eachBatch!(batchOf(3).payload);
    await runner.engine.flush(); // the outputs are in the open transaction now
    expect(producer.transactions[0]!.sent).toHaveLength(3);
    consumer.join(); // the group rebalanced: these records' partitions may now belong to another member
    await runner.commitDue('interval');
    await runner.stop();
    const committedOutputs = producer.transactions.filter((t) => t.ended === 'committed').flatMap((t) => t.sent);
    expect(committedOutputs).toEqual([]);
    expect(producer.transactions[0]!.ended).toBe('aborted');
  });

  it('commits nothing from the moment the group rebalances until the join aborted the open transaction', async () => {
    // KafkaJS rejoins at once: a commit in that window can land after a partition's next owner restored
    // its state and fetched its offset, which then reprocesses the records (duplicates) or loses their changes.
    const { kafka, consumer, producer } = standInKafka();
    const runner = eos(kafka);
    await runner.start();
    await consumer.eachBatch!(batchOf(3).payload);
    consumer.rebalance();
    await runner.commitDue('interval');
    expect(producer.committedOffsets()).toEqual([]);
    consumer.join();
    await runner.commitDue('interval');
    expect(producer.transactions[0]!.ended).toBe('aborted');
    expect(producer.committedOffsets()).toEqual([]);
    // After the join, checkpoints commit again.
    await consumer.eachBatch!(batchOf(2).payload);
    await runner.commitDue('interval');
    expect(producer.committedOffsets()).not.toEqual([]);
    await runner.stop();
  });

  it('commits nothing more after a revocation whose records did not settle, so their late outputs never become visible', async () => {
    const { kafka, consumer, producer } = standInKafka();
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    // A value serializer that waits: the records' outputs are sent only once it is released, after the revocation gave up on them.
    const waitingValue = { name: 'waiting', serialize: async (value: Buffer | null) => (await held, value) };
    const builder = new TopologyBuilder();
    builder.stream('in', { key: stringSerde, value: bytesSerde }).to('out', { key: stringSerde, value: waitingValue });
    const runner = eos(kafka, { shutdownTimeoutMs: 50 }, builder.build());
    await runner.start();
    await consumer.eachBatch!(batchOf(2).payload);
    consumer.join();
    await expect(runner.done()).rejects.toThrow(/did not settle/);
    release();
    await runner.stop();
    const committed = producer.transactions.filter((t) => t.ended === 'committed');
    expect(committed.flatMap((t) => t.sent)).toEqual([]);
    expect(producer.committedOffsets()).toEqual([]);
  });

  it('bounds a whole stop by shutdownTimeoutMs: the drain and the final checkpoint share one deadline', async () => {
    const { kafka, consumer } = standInKafka();
    const builder = new TopologyBuilder();
    // A sink that never answers: records stay in flight, so every drain runs to its time limit.
    builder.stream('in', { key: stringSerde, value: bytesSerde }).sink({ name: 'stuck', write: () => new Promise<void>(() => undefined) });
    const runner = eos(kafka, { shutdownTimeoutMs: 50 }, builder.build());
    await runner.start();
    await consumer.eachBatch!(batchOf(2).payload);
    const drain = vi.spyOn(runner.engine, 'drain');
    await runner.stop();
    const budget = drain.mock.calls.reduce((sum, [ms]) => sum + ms, 0);
    expect(budget).toBeLessThanOrEqual(50);
  });

  it('stops, naming the setting, when a checkpoint cannot drain before the transaction timeout: the broker aborts the transaction then, and nothing of it commits', async () => {
    const { kafka, consumer, producer } = standInKafka();
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const builder = new TopologyBuilder();
    // One output sent into the transaction, and a sink that answers only once released: the records stay in flight.
    const stream = builder.stream('in', { key: stringSerde, value: bytesSerde });
    stream.to('out', { key: stringSerde, value: bytesSerde });
    stream.sink({ name: 'slow', write: () => held });
    const runner = eos(kafka, { transactionTimeoutMs: 500 }, builder.build());
    await runner.start();
    await consumer.eachBatch!(batchOf(2).payload);
    await settle();
    expect(producer.transactions[0]?.sent).toHaveLength(2);
    const began = Date.now();
    await runner.commitDue('interval');
    // The drain stopped at the transaction's deadline (400 ms: 500 less a fifth kept for the commit), not the 30 s shutdown timeout.
    expect(Date.now() - began).toBeLessThan(5_000);
    await expect(runner.done()).rejects.toThrow(/TRANSACTION_TIMEOUT_MS/);
    release();
    await runner.stop();
    expect(producer.transactions.filter((t) => t.ended === 'committed').flatMap((t) => t.sent)).toEqual([]);
    expect(producer.committedOffsets()).toEqual([]);
  });

  it('derives a stable transactional id from the group and the instance, so a restarted instance fences its zombie', async () => {
    const first = standInKafka();
    eos(first.kafka);
    await settle();
    const second = standInKafka();
    eos(second.kafka);
    expect(first.producer.config.transactionalId).toBeDefined();
    expect(second.producer.config.transactionalId).toBe(first.producer.config.transactionalId);
    const named = standInKafka();
    new KafkaTopologyRunner(topology(), { kafka: named.kafka, groupId: 'g', processingGuarantee: 'exactly_once', instanceId: 'pod-1' });
    expect(named.producer.config.transactionalId).toBe('g-pod-1');
  });
});

describe('TransactionalOutput', () => {
  it('begins a new transaction after a failed begin instead of failing every later send', async () => {
    const { producer } = standInKafka();
    producer.failBegin = 1;
    const output = new TransactionalOutput(producer as never);
    await expect(output.send('out', [{ key: null, value: Buffer.from('a') }])).rejects.toThrow(/invalid state/);
    await output.send('out', [{ key: null, value: Buffer.from('b') }]);
    expect(producer.transactions).toHaveLength(1);
    expect(producer.transactions[0]!.sent).toHaveLength(1);
  });
});
