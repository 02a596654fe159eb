/**
 * Reads a plan's records from Kafka and feeds them to an Engine running the temperature topology,
 * until every partition reaches its end offset. No consumer group of the live pipeline is involved:
 * the consumer joins a throwaway group of its own, never commits, and seeks each partition to the
 * plan's start (KafkaJS has no assign(); seeking after each join is its equivalent).
 */
import { randomUUID } from 'node:crypto';
import type { Kafka } from 'kafkajs';
import { Engine, KafkaBatchFeeder, kafkaOutputProducer, type EngineOptions, type OutputProducer, type Topology } from '../../topology/index.js';
import type { Logger } from '../logger.js';
import { ReplayCursor } from './cursor.js';
import type { ReplayPlan } from './plan.js';
import type { ProgressReporter } from './progress.js';
import type { RateLimiter } from './rate-limiter.js';

export interface ReplayOptions {
  readonly kafka: Kafka;
  readonly topology: Topology;
  readonly engine: Omit<EngineOptions, 'producer'>;
  readonly plan: ReplayPlan;
  readonly clientId: string;
  readonly logger: Logger;
  readonly progress: ProgressReporter;
  readonly limiter?: RateLimiter;
  /** Aborting stops reading; what was read is still written before runReplay resolves. */
  readonly signal?: AbortSignal;
  /** How long to wait for the sinks to write what was read. */
  readonly drainTimeoutMs: number;
  /** Wraps the producer the engine writes alerts and dead letters with (e.g. to hold back the DLQ). */
  readonly wrapProducer?: (producer: OutputProducer) => OutputProducer;
}

export interface ReplayOutcome {
  /** Records handed to the engine. */
  readonly read: number;
  /** False when stopped by the signal before the end of the plan. */
  readonly complete: boolean;
}

export async function runReplay(options: ReplayOptions): Promise<ReplayOutcome> {
  const { kafka, plan, logger } = options;
  const cursor = new ReplayCursor(plan);
  if (cursor.allDone()) return { read: 0, complete: true };

  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
  const groupId = `${options.clientId}-replay-${randomUUID()}`;
  // A short fetch wait: disconnecting waits for the fetch in flight, and the replay ends on a quiet log.
  const consumer = kafka.consumer({ groupId, allowAutoTopicCreation: false, readUncommitted: false, maxWaitTimeInMs: 250 });
  await producer.connect();
  const output = kafkaOutputProducer(producer);
  const engine = new Engine(options.topology, { ...options.engine, producer: options.wrapProducer ? options.wrapProducer(output) : output });
  let read = 0;
  let stopping = false;
  let settle!: { resolve: () => void; reject: (error: Error) => void };
  const finished = new Promise<void>((resolve, reject) => {
    settle = { resolve, reject };
  });
  engine.onFatal((error) => settle.reject(error));
  if (options.signal?.aborted) settle.resolve();
  options.signal?.addEventListener('abort', () => settle.resolve(), { once: true });

  /** Stops fetching partitions that are done, and ends the replay when all are. */
  const settleProgress = () => {
    const done = plan.partitions.map((p) => p.partition).filter((p) => cursor.isDone(p));
    if (done.length > 0) consumer.pause([{ topic: plan.topic, partitions: done }]);
    if (cursor.allDone()) settle.resolve();
  };

  const { GROUP_JOIN, END_BATCH_PROCESS, CRASH } = consumer.events;
  consumer.on(GROUP_JOIN, ({ payload }) => {
    logger.debug({ groupId, assignment: payload.memberAssignment }, 'replay consumer joined');
    // Every join starts from the group's commits (none: "earliest"), so seek every partition again.
    for (const partition of cursor.unfinished()) consumer.seek({ topic: plan.topic, partition, offset: String(cursor.nextOffset(partition)) });
    settleProgress();
  });
  // A batch of only control records or compacted gaps never reaches eachBatch; this event still says how far the fetch got.
  consumer.on(END_BATCH_PROCESS, ({ payload }) => {
    if (payload.topic !== plan.topic || payload.batchSize > 0) return;
    cursor.reached(payload.partition, BigInt(payload.lastOffset) + 1n);
    settleProgress();
  });
  consumer.on(CRASH, ({ payload }) => {
    if (!payload.restart) settle.reject(payload.error);
  });

  // The live runner's feed loop; the plan's window is the admission: records before the next wanted
  // offset are passed over, the end offset ends the partition.
  const feeder = new KafkaBatchFeeder(engine, {
    live: () => !stopping,
    admit: (partition, offset) => cursor.admit(partition, BigInt(offset)),
    beforeRecord: () => options.limiter?.take(),
    processed: (partition, offset) => {
      cursor.processed(partition, BigInt(offset));
      read++;
      options.progress.tick();
    },
    batchSeen: (batch) => {
      // The whole batch was seen: trailing control records count as passed too.
      cursor.reached(batch.partition, BigInt(batch.lastOffset()) + 1n);
      settleProgress();
    },
  });

  try {
    await consumer.connect();
    await consumer.subscribe({ topic: plan.topic, fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: plan.partitions.length,
      eachBatch: (payload) => feeder.feed(payload),
    });
    logger.debug({ groupId, partitions: cursor.unfinished() }, 'replay consumer running');
    await finished;
    stopping = true;
    const complete = cursor.allDone();
    logger.debug({ read, complete }, 'replay read its window; waiting for the sinks');
    const drained = await engine.drain(options.drainTimeoutMs);
    if (engine.failed) throw engine.failed;
    if (!drained) throw new Error(`the sinks did not finish writing within ${options.drainTimeoutMs} ms`);
    return { read, complete };
  } finally {
    stopping = true;
    options.progress.stop();
    engine.close();
    await consumer.disconnect().catch((err: unknown) => logger.warn({ err: String(err) }, 'replay consumer disconnect failed'));
    await producer.disconnect().catch((err: unknown) => logger.warn({ err: String(err) }, 'replay producer disconnect failed'));
    await deleteGroup(kafka, groupId, logger);
  }
}

/** The throwaway group has no offsets and no members left: remove it so that it does not show in group listings. */
async function deleteGroup(kafka: Kafka, groupId: string, logger: Logger): Promise<void> {
  const admin = kafka.admin();
  try {
    await admin.connect();
    await admin.deleteGroups([groupId]);
  } catch (err) {
    logger.debug({ groupId, err: String(err) }, 'could not delete the replay group; Kafka expires it');
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}
