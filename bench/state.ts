/**
 * Phase `state` (issue 13's acceptance): the cost of state, measured on the real broker.
 * 1. Restore: a changelog of 1,000,000 entries (100,000 device keys, each overwritten 10 times) read
 *    back by ChangelogRestorer + KafkaChangelogSource into InMemoryKeyValueStores, then by a
 *    KafkaTopologyRunner whose tasks restore on assignment (start → every task logged 'task state restored').
 * 2. Memory with 100,000 keys held: after the restores, and after processing into a key-value store
 *    and a 1-minute window store; process.memoryUsage() after a forced GC in the child.
 * 3. CPU per record of the same topology without state, with a key-value aggregate, and with the
 *    aggregate plus a window store, each over the same pre-produced backlog from a fresh group.
 * Every job runs in a child of its own (plain node on tsc output, --expose-gc), so CPU and memory are its own.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { CompressionTypes, Partitioners, type Message } from 'kafkajs';
import { changelogTopicSpec, ensureChangelogTopics, ensureTopics } from '../topology/index.js';
import { committedUpTo, endOffsets, sleep, sumOffsets, type BenchContext } from './context.js';
import { STATE_CHILD_CONFIG_ENV, type FromStateChild, type MemoryAfterGc, type StateChildConfig, type StateJob, type ToStateChild } from './state-protocol.js';
import {
  AGGREGATE_STORE,
  STATE_DEVICES,
  STATE_VARIANTS,
  aggregateSerde,
  changelogEntry,
  readingSerde,
  stateInput,
  type StateVariant,
} from './state-workload.js';

export interface StateOptions {
  /** Changelog entries to restore (keys: 100,000 devices, overwritten entries / 100,000 times). */
  readonly entries: number;
  /** Input records of the CPU comparison (100,000 devices, entries / 100,000 readings each). */
  readonly records: number;
  /** Runs of each variant, interleaved: the machine is shared, one run can be unlucky. */
  readonly runs: number;
  /** Profile every state child with node --cpu-prof into this folder. */
  readonly cpuProfDir?: string;
}

export interface RestoreFigures {
  readonly path: 'direct' | 'runner';
  readonly entries: number;
  readonly wallSeconds: number;
  readonly cpuSeconds: number;
  readonly perSecond: number;
  readonly before: MemoryAfterGc;
  readonly after: MemoryAfterGc;
  readonly load: readonly number[];
}

export interface ProcessingFigures {
  readonly variant: StateVariant;
  readonly run: number;
  readonly records: number;
  readonly wallSeconds: number;
  readonly cpuSeconds: number;
  readonly usPerRecord: number;
  readonly before: MemoryAfterGc;
  readonly after: MemoryAfterGc;
  readonly load: readonly number[];
}

export interface StateResult {
  readonly partitions: number;
  readonly changelogEntries: number;
  readonly produceSeconds: number;
  readonly restores: RestoreFigures[];
  readonly processing: ProcessingFigures[];
}

const live = new Set<ChildProcess>();

/** For Ctrl-C and errors: the state children this bench started, by their own handles. */
export function killAllStateChildren(): void {
  for (const c of live) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
}

/** One job in its own process; messages are awaited by type. */
class StateChild {
  private readonly inbox: FromStateChild[] = [];
  private waiting: (() => void) | undefined;
  private readonly exited: Promise<number | null>;

  constructor(private readonly child: ChildProcess) {
    live.add(child);
    this.exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
    void this.exited.then(() => {
      live.delete(child);
      this.waiting?.();
    });
    child.on('message', (m: FromStateChild) => {
      this.inbox.push(m);
      this.waiting?.();
    });
  }

  static start(ctx: BenchContext, job: StateJob, cpuProfDir: string | undefined): StateChild {
    const { childRuntime } = ctx;
    const script =
      childRuntime.name === 'node'
        ? childRuntime.script.replace(/topology-child\.js$/, 'state-child.js')
        : fileURLToPath(new URL('./state-child.ts', import.meta.url));
    const config: StateChildConfig = { brokers: ctx.settings.kafkaBrokers, job };
    return new StateChild(
      fork(script, [], {
        // The runtime's node flags (the Dockerfile's NODE_OPTIONS by default), and a GC that can be forced.
        execArgv: [...childRuntime.execArgv, '--expose-gc', ...(cpuProfDir ? ['--cpu-prof', '--cpu-prof-dir', cpuProfDir] : [])],
        env: { ...process.env, [STATE_CHILD_CONFIG_ENV]: JSON.stringify(config) },
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      }),
    );
  }

  async next<T extends FromStateChild['type']>(type: T, timeoutMs: number): Promise<Extract<FromStateChild, { type: T }>> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const failed = this.inbox.find((m) => m.type === 'failed');
      if (failed?.type === 'failed') throw new Error(`state child failed: ${failed.error}`);
      const i = this.inbox.findIndex((m) => m.type === type);
      if (i >= 0) return this.inbox.splice(i, 1)[0] as Extract<FromStateChild, { type: T }>;
      if (this.child.exitCode !== null || this.child.signalCode !== null) throw new Error(`state child exited (${this.child.exitCode}) before '${type}'`);
      if (Date.now() > deadline) throw new Error(`state child: no '${type}' within ${timeoutMs / 1000} s`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 1000);
        this.waiting = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  }

  /** Failures the child reported while the parent was not waiting for a message (e.g. while polling offsets). */
  check(): void {
    const failed = this.inbox.find((m) => m.type === 'failed');
    if (failed?.type === 'failed') throw new Error(`state child failed: ${failed.error}`);
  }

  send(message: ToStateChild): void {
    if (this.child.connected) this.child.send(message);
  }

  async stop(): Promise<void> {
    this.send({ type: 'stop' });
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 30_000);
    await this.exited;
    clearTimeout(timer);
  }
}

const CHUNK = 20_000;
const IN_FLIGHT = 4;

/** Produces `count` records made by `make(i)`, pre-encoded, in big batches (as load.ts does); returns the seconds. */
async function produce(ctx: BenchContext, topic: string, count: number, make: (i: number) => Message): Promise<number> {
  const messages = Array.from({ length: count }, (_, i) => make(i));
  const producer = ctx.kafka.producer({ allowAutoTopicCreation: false, createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  const started = performance.now();
  try {
    let next = 0;
    const worker = async () => {
      while (next < count) {
        const from = next;
        next = Math.min(count, next + CHUNK);
        await producer.sendBatch({ acks: -1, compression: CompressionTypes.None, topicMessages: [{ topic, messages: messages.slice(from, next) }] });
      }
    };
    await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
  } finally {
    await producer.disconnect();
  }
  return (performance.now() - started) / 1000;
}

/**
 * Creating topics is idempotent here, and just after a creation KRaft may still answer "this server
 * does not host this topic-partition" while it hands leadership out: retried for up to 30 s.
 */
async function untilLeadersKnown(create: () => Promise<unknown>): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      await create();
      return;
    } catch (err) {
      if (!(err instanceof Error && (err as { retriable?: boolean }).retriable === true) || Date.now() > deadline) throw err;
      await sleep(500);
    }
  }
}

/**
 * On a fresh broker the transaction and group coordinators load lazily; a runner that meets them
 * loading (InitProducerId or a join answered "loading") was seen to hang instead of retrying, so the
 * bench asks both once, retrying, before its first runner starts.
 */
async function untilCoordinatorsAnswer(ctx: BenchContext, outputTopic: string, inputTopic: string): Promise<void> {
  await untilLeadersKnown(async () => {
    const producer = ctx.kafka.producer({ idempotent: true, allowAutoTopicCreation: false });
    await producer.connect();
    try {
      await producer.send({ topic: outputTopic, acks: -1, messages: [{ key: 'warm-up', value: null }] });
    } finally {
      await producer.disconnect();
    }
  });
  await untilLeadersKnown(() => ctx.admin.fetchOffsets({ groupId: ctx.freshGroup('state-warm-up'), topics: [inputTopic] }));
}

/** A fresh broker's group coordinator can answer "not the coordinator" or "loading" for a while: `fallback` (not yet), ask again. */
async function unlessRetriable<T>(ask: () => Promise<T>, fallback: T): Promise<T> {
  try {
    return await ask();
  } catch (err) {
    if (err instanceof Error && (err as { retriable?: boolean }).retriable === true) return fallback;
    throw err;
  }
}

const mb = (bytes: number): string => `${(bytes / 2 ** 20).toFixed(1)} MB`;
/** RSS, and the heap and the Buffers (array buffers) inside it. */
const memText = (m: MemoryAfterGc): string => `RSS ${mb(m.rssBytes)} (heap ${mb(m.heapUsedBytes)}, buffers ${mb(m.arrayBuffersBytes)})`;
const loadText = (l: readonly number[]): string => l.map((x) => x.toFixed(2)).join(' ');
const storeText = (m: MemoryAfterGc): string =>
  Object.entries(m.storeEntries)
    .map(([k, v]) => `${k} ${v.toLocaleString('en-US')}`)
    .join(', ') || 'no store';

export async function runState(ctx: BenchContext, options: StateOptions, log: (line: string) => void): Promise<StateResult> {
  const stamp = Date.now().toString(36);
  const partitions = ctx.partitions;
  // Kept forever: the records are dated 2024 (STATE_BASE_TIME), so the default 7-day retention would
  // let the broker's retention check delete them mid-run (consumers then meet "offset out of range"
  // and the group never commits the end: runs that stalled at 0 or 280,000 of 300,000).
  const topic = (name: string) => ({
    topic: `bench-state-${name}-${stamp}`,
    numPartitions: partitions,
    replicationFactor: -1,
    configEntries: [{ name: 'retention.ms', value: '-1' }],
  });
  const restoreIn = topic('restore-in');
  const input = topic('in');
  const output = topic('out');
  await untilLeadersKnown(() => ensureTopics(ctx.kafka, [restoreIn, input, output]));

  for (const t of [restoreIn, input, output]) await endOffsets(ctx.admin, t.topic);
  const restores: RestoreFigures[] = [];
  let changelogEntries = 0;
  let produceSeconds = 0;
  // --state-entries 0: only the CPU comparison (the restore jobs measure something else, and take a while).
  if (options.entries > 0) {
    // 1. The changelog, exactly where the runner of group `restoreGroup` will look for its store.
    const restoreGroup = ctx.freshGroup('state-restore');
    const spec = changelogTopicSpec({ applicationId: restoreGroup, storeName: AGGREGATE_STORE, partitions });
    await untilLeadersKnown(() => ensureChangelogTopics(ctx.kafka, [spec]));
    for (const t of [spec]) await endOffsets(ctx.admin, t.topic);
    log(`  state: producing ${options.entries.toLocaleString('en-US')} changelog entries (${STATE_DEVICES.toLocaleString('en-US')} keys) to ${spec.topic}`);
    produceSeconds = await produce(ctx, spec.topic, options.entries, (i) => {
      const { key, value } = changelogEntry(i);
      return { key, value: aggregateSerde.serialize(value, spec.topic) as Buffer };
    });
    changelogEntries = sumOffsets(await endOffsets(ctx.admin, spec.topic));
    log(`  state: changelog of ${changelogEntries.toLocaleString('en-US')} entries over ${partitions} partitions produced in ${produceSeconds.toFixed(1)} s`);

    const restoreJobs: [RestoreFigures['path'], StateJob][] = [
      ['direct', { kind: 'restore-direct', changelogTopic: spec.topic, partitions }],
      ['runner', { kind: 'restore-runner', groupId: restoreGroup, inputTopic: restoreIn.topic, outputTopic: output.topic, partitions }],
    ];
    for (const [path, job] of restoreJobs) {
      const child = StateChild.start(ctx, job, options.cpuProfDir);
      try {
        const starting = await child.next('starting', 60_000);
        const restored = await child.next('restored', 600_000);
        child.send({ type: 'measure' });
        const measured = await child.next('measured', 60_000);
        const wallSeconds = (restored.at - starting.at) / 1000;
        const entries = restored.entries ?? changelogEntries;
        const figures: RestoreFigures = {
          path,
          entries,
          wallSeconds,
          cpuSeconds: restored.cpuSeconds - starting.cpuSeconds,
          perSecond: entries / wallSeconds,
          before: starting.memory,
          after: measured.memory,
          load: loadavg(),
        };
        restores.push(figures);
        log(
          `  state: restore ${path}: ${entries.toLocaleString('en-US')} entries in ${wallSeconds.toFixed(1)} s = ${Math.round(figures.perSecond).toLocaleString('en-US')}/s, ` +
            `${figures.cpuSeconds.toFixed(1)} CPU s; after GC ${memText(figures.after)} holding ${storeText(figures.after)}, ` +
            `before ${memText(figures.before)}; load ${loadText(figures.load)}`,
        );
      } finally {
        await child.stop();
      }
    }
  }

  // 3. (and 2.) The same backlog through each variant, from a fresh group each time.
  const records = options.records;
  log(`  state: producing ${records.toLocaleString('en-US')} readings of ${STATE_DEVICES.toLocaleString('en-US')} devices to ${input.topic}`);
  await produce(ctx, input.topic, records, (i) => {
    const { key, value } = stateInput(i);
    return { key, value: readingSerde.serialize(value, input.topic) as Buffer, timestamp: String(value.at) };
  });
  const ends = await endOffsets(ctx.admin, input.topic);
  await untilCoordinatorsAnswer(ctx, output.topic, input.topic);
  const processing: ProcessingFigures[] = [];
  for (let run = 1; run <= options.runs; run++) {
    for (const variant of STATE_VARIANTS) {
      // A runner was seen to stall on a fresh broker (a fetch answered "offset out of range", then no
      // progress): such a run measures nothing, so it is abandoned and run again from a fresh group.
      for (let attempt = 1; ; attempt++) {
        try {
          processing.push(await processOnce(ctx, options, variant, run, attempt, input.topic, output.topic, ends, log));
          break;
        } catch (err) {
          if (!(err instanceof StalledRun) || attempt >= 3) throw err;
          log(`  state: ${variant} run ${run}: ${err.message}; running it again from a fresh group`);
        }
      }
    }
  }
  return { partitions, changelogEntries, produceSeconds, restores, processing };
}

class StalledRun extends Error {}

/** Committed offsets of `groupId` on `topic`, summed (a fresh group's missing ones count 0). */
async function committedTotal(ctx: BenchContext, groupId: string, topic: string): Promise<number> {
  const [result] = await ctx.admin.fetchOffsets({ groupId, topics: [topic] });
  return (result?.partitions ?? []).reduce((n, p) => n + Math.max(0, Number(p.offset)), 0);
}

const STALL_MS = 90_000;

/** One variant over the backlog, in a child of its own, from a fresh group; throws StalledRun when the group's commits stop moving. */
async function processOnce(
  ctx: BenchContext,
  options: StateOptions,
  variant: StateVariant,
  run: number,
  attempt: number,
  inputTopic: string,
  outputTopic: string,
  ends: ReadonlyMap<number, number>,
  log: (line: string) => void,
): Promise<ProcessingFigures> {
  const records = options.records;
  const groupId = ctx.freshGroup(`state-${variant}-${run}-${attempt}`);
  const child = StateChild.start(ctx, { kind: 'process', variant, groupId, inputTopic, outputTopic }, options.cpuProfDir);
  try {
    const starting = await child.next('starting', 60_000);
    let committed = 0;
    let movedAt = Date.now();
    while (!(await unlessRetriable(() => committedUpTo(ctx.admin, groupId, inputTopic, ends), false))) {
      child.check();
      const total = await unlessRetriable(() => committedTotal(ctx, groupId, inputTopic), committed);
      if (total !== committed) {
        committed = total;
        movedAt = Date.now();
      } else if (Date.now() - movedAt > STALL_MS) {
        throw new StalledRun(`no commit moved for ${STALL_MS / 1000} s (${committed} of ${sumOffsets(ends)} committed)`);
      }
      await sleep(250);
    }
    child.send({ type: 'measure' });
    const measured = await child.next('measured', 60_000);
    const cpuSeconds = measured.cpuSeconds - starting.cpuSeconds;
    const figures: ProcessingFigures = {
      variant,
      run,
      records,
      wallSeconds: (measured.at - starting.at) / 1000,
      cpuSeconds,
      usPerRecord: (cpuSeconds * 1e6) / records,
      before: starting.memory,
      after: measured.memory,
      load: loadavg(),
    };
    log(
      `  state: ${variant} run ${run}: ${records.toLocaleString('en-US')} records, ${cpuSeconds.toFixed(1)} CPU s = ${figures.usPerRecord.toFixed(1)} µs/record ` +
        `(${figures.wallSeconds.toFixed(1)} s wall); after GC ${memText(figures.after)} holding ${storeText(figures.after)}; load ${loadText(figures.load)}`,
    );
    return figures;
  } finally {
    await child.stop();
  }
}

/** Markdown, pasted as it is into docs/benchmarks.md. */
export function formatState(r: StateResult): string {
  const lines: string[] = [];
  lines.push(`changelog: ${r.changelogEntries.toLocaleString('en-US')} entries, ${STATE_DEVICES.toLocaleString('en-US')} keys, ${r.partitions} partitions`, '');
  lines.push(
    '| restore | entries | wall s | entries/s | CPU s | RSS after GC, empty → restored | heap used | buffers | held | load 1/5/15 |',
    '|---|---|---|---|---|---|---|---|---|---|',
  );
  for (const x of r.restores)
    lines.push(
      `| ${x.path === 'direct' ? 'ChangelogRestorer + KafkaChangelogSource' : 'KafkaTopologyRunner (start → all tasks restored)'} | ${x.entries.toLocaleString('en-US')} | ${x.wallSeconds.toFixed(1)} | ${Math.round(x.perSecond).toLocaleString('en-US')} | ${x.cpuSeconds.toFixed(1)} | ${mb(x.before.rssBytes)} → ${mb(x.after.rssBytes)} | ${mb(x.before.heapUsedBytes)} → ${mb(x.after.heapUsedBytes)} | ${mb(x.before.arrayBuffersBytes)} → ${mb(x.after.arrayBuffersBytes)} | ${storeText(x.after)} | ${loadText(x.load)} |`,
    );
  lines.push(
    '',
    '| topology | run | records | CPU s | µs/record | wall s | RSS after GC | heap used | buffers | held | load 1/5/15 |',
    '|---|---|---|---|---|---|---|---|---|---|---|',
  );
  for (const x of r.processing)
    lines.push(
      `| ${x.variant} | ${x.run} | ${x.records.toLocaleString('en-US')} | ${x.cpuSeconds.toFixed(1)} | ${x.usPerRecord.toFixed(1)} | ${x.wallSeconds.toFixed(1)} | ${mb(x.after.rssBytes)} | ${mb(x.after.heapUsedBytes)} | ${mb(x.after.arrayBuffersBytes)} | ${storeText(x.after)} | ${loadText(x.load)} |`,
    );
  const best = (v: StateVariant) => Math.min(...r.processing.filter((x) => x.variant === v).map((x) => x.usPerRecord));
  const base = best('stateless');
  lines.push(
    '',
    `cost of state (best run of each): ${STATE_VARIANTS.map((v) => `${v} ${best(v).toFixed(1)} µs/record`).join(', ')}; ` +
      `key-value aggregate +${(best('kv') - base).toFixed(1)} µs/record (${((100 * (best('kv') - base)) / base).toFixed(0)} %), with the window store +${(best('kv-window') - base).toFixed(1)} µs/record (${((100 * (best('kv-window') - base)) / base).toFixed(0)} %)`,
  );
  return lines.join('\n');
}
