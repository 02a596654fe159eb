import { hostname } from 'node:os';
import type { Consumer, ConsumerConfig, Kafka, Producer } from 'kafkajs';
import type { Topology } from '../dsl/topology.js';
import { errorMessage } from '../errors.js';
import type { OffsetToCommit } from './commit-tracker.js';
import { Engine, type EngineOptions } from './engine.js';
import { KafkaBatchFeeder } from './kafka-batch-feeder.js';
import { EventLoopSlice } from './event-loop-slice.js';
import { kafkaOutputProducer } from './kafka-producer.js';
import { TransactionalOutput } from './kafka-transactions.js';
import { silentLogger, type Logger } from './logger.js';
import { RunnerLifecycle, type RunnerState } from './runner-state.js';
import { prepareChangelogTopics } from '../state/changelog-topics.js';
import { KafkaChangelogSource } from '../state/kafka-changelog-source.js';
import { coPartitionedAssigner } from './co-partitioned-assigner.js';
import type { QueryableStore } from './engine.js';

export type { RunnerState } from './runner-state.js';

export interface KafkaRunnerOptions extends Omit<EngineOptions, 'producer' | 'clock'> {
  readonly kafka: Kafka;
  readonly groupId: string;
  /** Where a group with no committed offset starts. */
  readonly fromBeginning?: boolean;
  readonly commitIntervalMs?: number;
  /** How long a graceful stop may take to drain in-flight records before it gives up on them. */
  readonly shutdownTimeoutMs?: number;
  readonly consumerConfig?: Partial<ConsumerConfig>;
  readonly partitionsConsumedConcurrently?: number;
  /**
   * `at_least_once` (default): outputs are produced as records pass, offsets committed after.
   * `exactly_once`: outputs, DLQ records and offsets commit in one Kafka transaction per checkpoint
   * (every `commitIntervalMs`, after draining in-flight records); pair it with idempotent sinks.
   */
  readonly processingGuarantee?: 'at_least_once' | 'exactly_once';
  /**
   * Transactional id for `exactly_once`. Default `<groupId>-<instanceId>`: stable per instance, so a
   * restarted instance (same id) fences the transactions of the zombie it replaces. Two live
   * instances must never share one: the second fences the first.
   */
  readonly transactionalId?: string;
  /** Names this instance in the default transactional id; default the host name (a pod's name). */
  readonly instanceId?: string;
  /**
   * `exactly_once`: how long (ms) the broker lets a transaction stay open before aborting it. A killed
   * instance's open transaction holds read_committed consumers, and the restore of its partitions by
   * their next owner, until then. Default 10 s, as Kafka Streams under exactly-once. A checkpoint
   * drains at most until 2 s before it: a transaction whose records do not settle by then can no
   * longer commit, and the runner stops (its records are read again from the last commit).
   */
  readonly transactionTimeoutMs?: number;
  /**
   * The longest stretch (ms) records are processed (fed, or run through a task's processors) without
   * letting the event loop run: database answers, producer acks and timers wait meanwhile, so this
   * bounds the latency a large batch adds. Default 10.
   */
  readonly maxBlockingMs?: number;
  /** Replication factor of changelog topics it creates; default the broker's. */
  readonly changelogReplicationFactor?: number;
}

/**
 * Runs a topology against Kafka: a KafkaJS consumer feeds the engine partition by partition (in
 * order within a partition, partitions concurrently), a committer commits only what the commit tracker
 * allows, and stop() drains before it commits and leaves.
 */
export class KafkaTopologyRunner {
  readonly engine: Engine;
  private readonly feeder: KafkaBatchFeeder;
  private readonly consumer: Consumer;
  private readonly producer: Producer;
  /**
   * At least once, with state: the changelog's own producer. An idempotent KafkaJS producer has one
   * request in flight per broker, so on the outputs' producer a changelog write of up to 1 MiB held
   * every output behind it (at 5,000 records/s an output's p99 latency went from ~50 to ~300 ms). Under
   * exactly-once every write belongs to the one transaction, so there is no second producer.
   */
  private readonly changelogProducer: Producer | undefined;
  private readonly logger: Logger;
  private readonly transactions: TransactionalOutput | undefined;
  private readonly changelogSource: KafkaChangelogSource | undefined;
  /** Counts group joins: work begun for one join is dropped once another came. */
  private joins = 0;
  /** Exactly-once with state: partitions paused at the join until their task is restored (`topic\0partition`); no record of theirs is fed meanwhile. */
  private readonly held = new Set<string>();
  /** Closed while an exactly-once checkpoint or revocation drains: no new record enters the engine meanwhile. */
  private gate: Promise<void> | undefined;
  private gateHolders = 0;
  private openGate: (() => void) | undefined;
  private commitTimer: NodeJS.Timeout | undefined;
  /**
   * Exactly-once: set from the moment KafkaJS says the group rebalances until the join's revocation
   * aborted the open transaction. KafkaJS rejoins without waiting for our listeners, so a checkpoint
   * committed meanwhile can land after a partition's next owner restored its changelog and fetched its
   * offset: that owner then processes the records again (duplicates) or, its offset fetched after the
   * commit, without their changes (lost). Nothing commits in that window; the join's abort drops it.
   */
  private rebalancing = false;
  /** The commit, checkpoint or revocation in progress: they run one at a time. */
  private committing: Promise<void> | undefined;
  private readonly lifecycle = new RunnerLifecycle();
  /** start()'s work while it runs: a stop waits for it to unwind before it disconnects. */
  private starting: Promise<void> | undefined;
  private stopPromise: Promise<void> | undefined;
  /** When a stop began: the drain, an ongoing checkpoint and the final one all share this deadline. */
  private stopDeadline: number | undefined;
  /** A fatal error from outside the engine (a transaction commit, a consumer crash). */
  private fatalError: Error | undefined;
  private readonly finished: Promise<void>;
  private settleFinished!: { resolve: () => void; reject: (e: Error) => void };

  constructor(
    readonly topology: Topology,
    private readonly options: KafkaRunnerOptions,
  ) {
    this.logger = options.logger ?? silentLogger;
    const exactlyOnce = options.processingGuarantee === 'exactly_once';
    this.producer = options.kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
      transactionalId: exactlyOnce ? (options.transactionalId ?? `${options.groupId}-${options.instanceId ?? hostname()}`) : undefined,
      ...(exactlyOnce ? { transactionTimeout: options.transactionTimeoutMs ?? DEFAULT_TRANSACTION_TIMEOUT_MS } : {}),
    });
    this.transactions = exactlyOnce ? new TransactionalOutput(this.producer) : undefined;
    this.changelogProducer =
      topology.isStateful && !exactlyOnce ? options.kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false }) : undefined;
    this.consumer = options.kafka.consumer({
      groupId: options.groupId,
      allowAutoTopicCreation: false,
      readUncommitted: false,
      // KafkaJS waits 5 s for data on a quiet partition and a stop waits for that fetch; the Java
      // client's 500 ms keeps a graceful stop quick.
      maxWaitTimeInMs: 500,
      // Fetched records wait decoded, several times their wire size, until their turn: small fetches
      // keep them few (KafkaJS's 1 MiB per partition is ~15,000 small records, promoted to V8's old
      // space before they are used, so the heap grows between major collections).
      maxBytesPerPartition: DEFAULT_FETCH_BYTES_PER_PARTITION,
      maxBytes: DEFAULT_FETCH_BYTES,
      // A task's state lives with its partition number: every input topic's partition p must go to the same member.
      ...(topology.isStateful && topology.inputTopics.length > 1 ? { partitionAssigners: [coPartitionedAssigner] } : {}),
      ...options.consumerConfig,
    });
    this.changelogSource = topology.isStateful
      ? new KafkaChangelogSource(options.kafka, { groupIdPrefix: `${options.groupId}-restore`, awaitOpenTransactions: exactlyOnce })
      : undefined;
    // One slice for the feeder and every task: their synchronous stretches add up in one turn of the loop.
    const slice = new EventLoopSlice(options.maxBlockingMs);
    this.engine = new Engine(topology, {
      ...options,
      slice,
      producer: this.transactions ?? kafkaOutputProducer(this.producer),
      changelogProducer: this.changelogProducer && kafkaOutputProducer(this.changelogProducer),
      applicationId: options.groupId,
      changelogSource: this.changelogSource,
    });
    this.feeder = new KafkaBatchFeeder(this.engine, {
      slice,
      live: () => this.lifecycle.state === 'running' && !this.engine.closed,
      beforeRecord: () => this.passGate(),
      joins: () => this.joins,
      accepts: (topic, partition) => this.held.size === 0 || !this.held.has(`${topic}\u0000${partition}`),
    });
    this.finished = new Promise<void>((resolve, reject) => {
      this.settleFinished = { resolve, reject };
    });
    this.finished.catch(() => undefined); // observed through done()
    this.engine.onFatal((error) => this.onFatal(error));
  }

  get state(): RunnerState {
    return this.lifecycle.state;
  }

  /** Resolves when the runner stopped cleanly, rejects with the fatal error that stopped it. */
  done(): Promise<void> {
    return this.finished;
  }

  async start(): Promise<void> {
    this.lifecycle.moveTo('starting');
    this.starting = this.startUp();
    try {
      await this.starting;
    } catch (err) {
      const error = err instanceof Error ? err : new Error(errorMessage(err));
      this.onFatal(error);
      await this.stopPromise?.catch(() => undefined);
      throw error;
    }
  }

  /** Each await may see a stop() arrive: then it returns at once, so no consume loop or timer outlives the stop. */
  private async startUp(): Promise<void> {
    const stopped = () => this.lifecycle.state !== 'starting';
    if (this.topology.isStateful) {
      const partitions = await prepareChangelogTopics(this.options.kafka, {
        applicationId: this.options.groupId,
        inputTopics: this.topology.inputTopics,
        stores: this.topology.stores.map((s) => s.name),
        replicationFactor: this.options.changelogReplicationFactor,
      });
      this.logger.info({ stores: this.topology.stores.map((s) => s.name), partitions }, 'changelog topics ready');
      if (stopped()) return;
    }
    await this.producer.connect();
    await this.changelogProducer?.connect();
    if (stopped()) return;
    await this.consumer.connect();
    if (stopped()) return;
    for (const topic of this.topology.inputTopics) {
      await this.consumer.subscribe({ topic, fromBeginning: this.options.fromBeginning ?? true });
      if (stopped()) return;
    }

    const { GROUP_JOIN, REBALANCING, CRASH } = this.consumer.events;
    this.consumer.on(REBALANCING, () => {
      if (this.transactions) this.rebalancing = true;
      // Last chance to record progress before partitions move; a failure here only means more redelivery.
      else void this.commitDue('rebalance');
    });
    this.consumer.on(GROUP_JOIN, (event) => {
      // KafkaJS restarts every partition it keeps from the last commit after a join, so all
      // partitions start a new generation: records read before it can no longer move offsets.
      const before = this.engine.tracker.assigned();
      const assigned = Object.entries(event.payload.memberAssignment).flatMap(([topic, partitions]) => partitions.map((partition) => ({ topic, partition })));
      const generation = ++this.joins;
      // Exactly-once with state: no record of the new assignment is read until its task is restored
      // and its committed offset read again (resumeWhenRestored).
      const hold = this.transactions !== undefined && this.topology.isStateful && assigned.length > 0;
      this.held.clear();
      if (hold) {
        for (const a of assigned) this.held.add(`${a.topic}\u0000${a.partition}`);
        this.consumer.pause(byTopic(assigned));
      }
      // Tasks of the new assignment restore their state after the old ones are gone (and, under
      // exactly-once, after the open transaction with their changes was aborted).
      if (this.transactions)
        void this.revokeTransactionally(before).then(
          () => {
            this.engine.assign(assigned);
            if (hold) void this.resumeWhenRestored(assigned, generation);
          },
          (err: unknown) => this.onFatal(new Error(`revoking partitions after a join failed: ${errorMessage(err)}`, { cause: err })),
        );
      else {
        this.engine.revoke(before);
        this.engine.assign(assigned);
      }
      this.logger.info({ assignment: event.payload.memberAssignment }, 'partitions assigned');
    });
    this.consumer.on(CRASH, (event) => {
      const { error, restart } = event.payload;
      this.logger.error({ err: errorMessage(error), restart }, 'consumer crashed');
      if (!restart) this.onFatal(error);
    });

    await this.consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: this.options.partitionsConsumedConcurrently ?? 16,
      eachBatch: (payload) => this.feeder.feed(payload),
    });
    if (stopped()) return;
    this.commitTimer = setInterval(() => void this.commitDue('interval'), this.options.commitIntervalMs ?? 1000);
    this.lifecycle.moveTo('running');
    this.logger.info({ topics: this.topology.inputTopics, groupId: this.options.groupId }, 'topology running');
  }

  /**
   * Read access to a state store of this instance (Kafka Streams' interactive queries): the tasks
   * holding it, by input partition. Only partitions assigned here appear, and a task's store reads
   * empty until it is restored. Don't write to a store from outside.
   */
  stateStore(name: string): ReadonlyMap<number, QueryableStore> {
    return this.engine.queryableStore(name);
  }

  /** Waits while a checkpoint or a revocation holds new records back; undefined (no promise) when none does. */
  private passGate(): Promise<void> | undefined {
    if (!this.gate) return undefined;
    return (async () => {
      while (this.gate) await this.gate;
    })();
  }

  /** Commits what the tracker allows; one commit at a time. */
  commitDue(reason: string): Promise<void> {
    if (this.committing) return this.committing;
    if (this.transactions) return this.exclusive(() => this.checkpoint(reason));
    const offsets = this.engine.tracker.due();
    if (offsets.length === 0) return Promise.resolve();
    return this.exclusive(() =>
      this.consumer
        .commitOffsets(offsets.map((o) => ({ topic: o.topic, partition: o.partition, offset: o.offset })))
        .then(() => {
          this.engine.tracker.markCommitted(offsets);
          this.logger.debug({ reason, offsets: summarize(offsets) }, 'offsets committed');
        })
        .catch((err: unknown) => {
          this.logger.warn({ reason, err: errorMessage(err) }, 'commit failed; will retry');
        }),
    );
  }

  /** Runs `task` after the commit, checkpoint or revocation in progress, as the one in progress. */
  private exclusive(task: () => Promise<void>): Promise<void> {
    const run: Promise<void> = (this.committing ?? Promise.resolve())
      .catch(() => undefined)
      .then(task)
      .finally(() => {
        if (this.committing === run) this.committing = undefined;
      });
    this.committing = run;
    return run;
  }

  /** Holds new records back until every holder released it. */
  private closeGate(): () => void {
    if (this.gateHolders++ === 0) {
      this.gate = new Promise<void>((resolve) => {
        this.openGate = resolve;
      });
    }
    let released = false;
    return () => {
      if (released) return;
      released = true;
      if (--this.gateHolders > 0) return;
      const open = this.openGate;
      this.gate = undefined;
      this.openGate = undefined;
      open?.();
    };
  }

  private get transactionTimeoutMs(): number {
    return this.options.transactionTimeoutMs ?? DEFAULT_TRANSACTION_TIMEOUT_MS;
  }

  /**
   * Exactly-once: when the open transaction (or one begun now) must be committed by (epoch ms), a
   * margin before the broker aborts it at its timeout.
   */
  private transactionDeadline(): number {
    const since = this.transactions?.openSince ?? Date.now();
    return since + this.transactionTimeoutMs - Math.min(TRANSACTION_COMMIT_MARGIN_MS, this.transactionTimeoutMs / 5);
  }

  /** How long a drain may take now: the shutdown timeout, or what is left of the stop's deadline. */
  private drainBudget(): number {
    const full = this.options.shutdownTimeoutMs ?? 30_000;
    return this.stopDeadline === undefined ? full : Math.max(0, Math.min(full, this.stopDeadline - Date.now()));
  }

  /**
   * Exactly-once checkpoint: close the gate, drain every record in flight (sinks flushed, outputs in
   * the transaction), then commit the transaction with the offsets. A record whose outputs are in a
   * transaction is always complete when it commits, so no output is committed without its offset.
   */
  private async checkpoint(reason: string): Promise<void> {
    const transactions = this.transactions!;
    // After a failed commit nothing may commit again: the aborted outputs' offsets would go with it.
    if (transactions.broken) return;
    const release = this.closeGate();
    try {
      const drained = await this.engine.drain(Math.min(this.drainBudget(), this.transactionDeadline() - Date.now()));
      if (!drained) {
        this.logger.warn({ reason, inFlight: this.engine.inFlightReport() }, 'checkpoint could not drain; nothing committed this time');
        if (transactions.openSince !== undefined && Date.now() >= this.transactionDeadline() && !this.engine.failed) {
          // The broker aborts the transaction at its timeout: no later commit of it can succeed, and
          // its outputs must never commit. Say why now, rather than fail later on a fenced epoch.
          const error = new Error(
            `exactly_once: the open transaction could not be committed within the transaction timeout (${this.transactionTimeoutMs} ms, ` +
              'TRANSACTION_TIMEOUT_MS / transactionTimeoutMs) because its records did not settle in time; stopping, and its records are read again from the last commit',
          );
          this.transactions!.refuse(error);
          this.onFatal(error);
        }
        return;
      }
      if (this.rebalancing) {
        this.logger.debug({ reason }, 'checkpoint skipped: the group is rebalancing, the join aborts this transaction');
        return;
      }
      const offsets = this.engine.tracker.due();
      await transactions.commit(this.options.groupId, offsets);
      this.engine.tracker.markCommitted(offsets);
      this.logger.debug({ reason, offsets: summarize(offsets) }, 'transaction committed');
    } catch (err) {
      // Outputs of records the tracker counts as handled were aborted: going on could commit past them.
      this.onFatal(new Error(`transaction commit failed: ${errorMessage(err)}`, { cause: err }));
    } finally {
      release();
    }
  }

  /**
   * Exactly-once revocation, after a (re)join: the records read before it may now belong to another
   * member, which reads them again from the last commit. Their outputs must not commit without their
   * offsets (duplicates), and their offsets can no longer be committed safely (KafkaJS's transactional
   * offset commit carries no group generation, and it has no revocation hook that holds the rebalance
   * until a commit is done, as Kafka Streams' onPartitionsRevoked does). So: hold new records back, let
   * the old ones settle so all their outputs are in the open transaction, abort it, then forget them.
   * Since the group began to rebalance nothing was committed (see `rebalancing`): the records since the
   * last checkpoint are read again by their partition's next owner, from state without their changes.
   */
  private revokeTransactionally(partitions: readonly { topic: string; partition: number }[]): Promise<void> {
    const release = this.closeGate();
    return this.exclusive(async () => {
      try {
        const settled = await this.engine.drain(this.drainBudget());
        if (!settled) this.logger.warn({ inFlight: this.engine.inFlightReport() }, 'records of revoked partitions did not settle');
        await this.transactions!.abort();
        this.rebalancing = false;
        this.engine.revoke(partitions);
        this.logger.info({ partitions: partitions.length }, 'open transaction aborted on rebalance; its records will be read again');
        // Outputs of revoked records still to come would land in a later transaction: stop instead,
        // and commit nothing more, not even in the stop (those outputs may settle by then).
        if (!settled) {
          const error = new Error('records of revoked partitions did not settle before the shutdown timeout; stopping so none of their outputs commits');
          this.transactions!.refuse(error);
          if (!this.engine.failed) this.onFatal(error);
        }
      } finally {
        release();
      }
    });
  }

  /**
   * Exactly-once with state, after a join: the previous owner of a partition may have committed its
   * last transaction just before it (or be committing it right now), and KafkaJS read the group's
   * committed offsets at the join without waiting for such a pending transactional commit (no KIP-447
   * require_stable). The restore waits for every transaction open on the task's changelogs to be
   * decided (the restore fence), and that transaction carried the offsets too: so once a task is
   * restored, its partitions' committed offsets are read again and the consumer starts there, and
   * neither the state nor any output of a record the previous owner committed is made twice.
   */
  private async resumeWhenRestored(assigned: readonly { topic: string; partition: number }[], generation: number): Promise<void> {
    const current = () => generation === this.joins && (this.lifecycle.state === 'starting' || this.lifecycle.state === 'running');
    const admin = this.options.kafka.admin();
    try {
      await admin.connect();
      const numbers = [...new Set(assigned.map((a) => a.partition))];
      await Promise.all(
        numbers.map(async (p) => {
          if (!(await this.engine.restored(p)) || !current()) return;
          const mine = assigned.filter((a) => a.partition === p);
          const topics = [...new Set(mine.map((a) => a.topic))];
          const committed = await admin.fetchOffsets({ groupId: this.options.groupId, topics });
          if (!current()) return;
          const from: string[] = [];
          for (const { topic, partitions } of committed)
            for (const { partition, offset } of partitions)
              if (partition === p && BigInt(offset) >= 0n) {
                this.consumer.seek({ topic, partition, offset });
                from.push(`${topic}[${partition}]=${offset}`);
              }
          for (const a of mine) this.held.delete(`${a.topic}\u0000${a.partition}`);
          this.consumer.resume(byTopic(mine));
          this.logger.debug({ partition: p, from: from.join(' ') }, 'restored partition resumed from its committed offset');
        }),
      );
    } catch (err) {
      // Paused partitions would stay paused: stop rather than silently hold them.
      if (current()) this.onFatal(new Error(`could not resume restored partitions: ${errorMessage(err)}`, { cause: err }));
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
  }

  /**
   * Graceful stop: stop fetching, drain in-flight records through their sinks, commit, leave the
   * group, disconnect. Records not drained by the deadline stay uncommitted and are read again.
   */
  stop(): Promise<void> {
    this.stopPromise ??= this.shutdown();
    return this.stopPromise;
  }

  private async shutdown(): Promise<void> {
    this.stopDeadline = Date.now() + (this.options.shutdownTimeoutMs ?? 30_000);
    const failedAlready = this.lifecycle.state === 'failed';
    this.lifecycle.moveTo('stopping');
    // start() sees the stop at its next step and returns without running; wait for that before disconnecting.
    await withinDeadline(
      this.starting?.catch(() => undefined),
      this.stopDeadline,
    );
    try {
      this.consumer.pause(this.topology.inputTopics.map((topic) => ({ topic })));
    } catch (err) {
      // A consumer KafkaJS crashed and disconnected (or one never run) has nothing to pause.
      this.logger.warn({ err: errorMessage(err) }, 'could not pause the consumer');
    }
    const drained = failedAlready ? false : await this.engine.drain(this.drainBudget());
    if (!drained) this.logger.warn({ inFlight: this.engine.inFlightReport() }, 'stopping with records in flight; they will be read again');
    if (this.commitTimer) clearInterval(this.commitTimer);
    await withinDeadline(this.committing, this.stopDeadline);
    if (!this.transactions?.broken) await this.commitDue('shutdown');
    // Whatever the last checkpoint did not commit belongs to records that did not settle: drop it.
    await this.transactions?.abort();
    this.engine.close();
    await this.consumer.disconnect().catch((err: unknown) => this.logger.warn({ err: errorMessage(err) }, 'consumer disconnect failed'));
    await this.producer.disconnect().catch((err: unknown) => this.logger.warn({ err: errorMessage(err) }, 'producer disconnect failed'));
    await this.changelogProducer?.disconnect().catch((err: unknown) => this.logger.warn({ err: errorMessage(err) }, 'changelog producer disconnect failed'));
    await this.changelogSource?.close().catch((err: unknown) => this.logger.warn({ err: errorMessage(err) }, 'restore fence producer disconnect failed'));
    const failure = this.engine.failed ?? this.fatalError;
    if (failure) {
      this.lifecycle.moveTo('failed');
      this.settleFinished.reject(failure);
    } else {
      this.lifecycle.moveTo('stopped');
      this.settleFinished.resolve();
    }
    this.logger.info({ state: this.lifecycle.state }, 'topology stopped');
  }

  private onFatal(error: Error): void {
    this.fatalError ??= error;
    // Already failing, or a stop already under way that will report it.
    if (!this.lifecycle.canMoveTo('failed') || this.lifecycle.state === 'stopping' || this.lifecycle.state === 'idle') return;
    this.logger.error({ err: error.message }, 'fatal error: stopping the topology');
    this.lifecycle.moveTo('failed');
    void this.stop().catch((err: unknown) => this.logger.error({ err: errorMessage(err) }, 'stopping after a fatal error failed'));
    if (!this.engine.failed) this.settleFinished.reject(error);
  }
}

/** Waits for `promise`, but not past `deadline` (epoch ms). */
async function withinDeadline(promise: Promise<unknown> | undefined, deadline: number): Promise<void> {
  if (!promise) return;
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, Math.max(0, deadline - Date.now()));
  });
  try {
    await Promise.race([promise, expired]);
  } finally {
    clearTimeout(timer);
  }
}

/** As Kafka Streams under exactly-once: a killed instance's open transaction holds its partitions' next owner this long at most. */
const DEFAULT_TRANSACTION_TIMEOUT_MS = 10_000;
/** Time kept, before the broker's transaction timeout, for the commit itself (offsets, end of transaction). */
const TRANSACTION_COMMIT_MARGIN_MS = 2_000;

/**
 * A quarter of KafkaJS's defaults, measured in docs/benchmarks.md: a third less peak RSS for the same
 * throughput (a few thousand small records per partition per fetch is plenty to keep sinks busy).
 */
const DEFAULT_FETCH_BYTES_PER_PARTITION = 256 * 1024;
const DEFAULT_FETCH_BYTES = 2 * 1024 * 1024;

const summarize = (offsets: readonly OffsetToCommit[]) => offsets.map((o) => `${o.topic}[${o.partition}]=${o.offset}`).join(' ');

/** KafkaJS's pause/resume shape: partitions grouped by topic. */
function byTopic(partitions: readonly { topic: string; partition: number }[]): { topic: string; partitions: number[] }[] {
  const topics = new Map<string, number[]>();
  for (const { topic, partition } of partitions) topics.set(topic, [...(topics.get(topic) ?? []), partition]);
  return [...topics].map(([topic, list]) => ({ topic, partitions: list }));
}
