/**
 * Phase 2: the topology child, a fresh group and a fresh database, against the whole backlog. The
 * clock runs from just before runner.start() until the group has committed every partition to its
 * end: by the commit protocol, every record is then a row, an alert or a DLQ record.
 */
import { cpus } from 'node:os';
import { TOPICS, dlqTopicFor } from '../schemas/index.js';
import { cpuDelta, describeCpu, stackCpu, type CpuByPart } from './cpu.js';
import { committedUpTo, countRows, endOffsets, sleep, sumOffsets, topicSize, type BenchContext } from './context.js';
import type { FlushStats, TopologyChildConfig } from './child-protocol.js';
import type { ExpectedCounts } from './data.js';
import { describeLoopAndGc, TopologyProcess, type LoopAndGc } from './topology-process.js';

export interface EndToEndResult {
  readonly records: number;
  /** runner.start() → all offsets committed. */
  readonly seconds: number;
  readonly perSecond: number;
  /** fork() → all offsets committed: adds process start-up (tsx, imports). */
  readonly spawnSeconds: number;
  /** VmHWM when the last offset was committed. */
  readonly peakRssKb: number;
  /** getrusage maxrss reported by the child as it exited (after its drain and disconnects). */
  readonly exitMaxRssKb: number;
  readonly rows: number;
  readonly alerts: number;
  readonly dlq: number;
  readonly problems: string[];
  /** Time each sink spent writing, and its share of the run: a sink near 100 % is the bound. */
  readonly flushes: FlushStats;
  readonly sinkBusy: Readonly<Record<string, number>>;
  readonly loopAndGc: LoopAndGc;
  /** CPU seconds from fork to the last commit: the child and each container. */
  readonly cpu: CpuByPart;
  /** The child's pid: its --cpu-prof file carries it. */
  readonly pid: number;
  /** The topology declares state stores (the stateful features are on). */
  readonly stateful: boolean;
}

export async function runEndToEnd(
  ctx: BenchContext,
  expected: ExpectedCounts | undefined,
  options: { cpuProfDir?: string },
  log: (line: string) => void,
): Promise<EndToEndResult> {
  const mysqlUrl = await ctx.freshDatabase('bench_topology');
  const groupId = ctx.freshGroup('topology');
  const ends = await endOffsets(ctx.admin, TOPICS.readings);
  const records = sumOffsets(ends);
  const alertsBefore = await topicSize(ctx.admin, TOPICS.alerts);
  const dlqBefore = await topicSize(ctx.admin, dlqTopicFor(TOPICS.readings));

  const cpuBefore = stackCpu(ctx.stack);
  const spawnedAt = Date.now();
  const child = await TopologyProcess.spawn(childConfig(ctx, { mysqlUrl, groupId, slowSinkMs: 0 }), ctx.childRuntime, options);
  let doneAt: number | undefined;
  let lastReport = Date.now();
  try {
    const deadline = Date.now() + Math.max(300_000, records); // ≥ 1,000 readings/s, or something is wrong
    while (!(await committedUpTo(ctx.admin, groupId, TOPICS.readings, ends))) {
      if (child.failure) throw new Error(`topology failed: ${child.failure}`);
      if (Date.now() > deadline) throw new Error('the topology did not commit the backlog in time');
      if (Date.now() - lastReport >= 2000) {
        lastReport = Date.now();
        const s = child.childSamples.at(-1);
        if (s)
          log(
            `  topology: ${s.sink.stored} rows stored, ${s.inFlight} in flight, RSS ${mb(s.rssBytes / 1024)}, heap used ${mb(s.heapUsedBytes / 1024)} of ${mb(s.heapTotalBytes / 1024)}, external ${mb(s.externalBytes / 1024)}`,
          );
      }
      await sleep(100);
    }
    doneAt = Date.now();
  } finally {
    if (doneAt === undefined) child.kill();
  }
  const peakRssKb = child.procStatus()?.hwmKb ?? NaN;
  const cpu = { topology: child.procCpuSeconds() ?? NaN, ...cpuDelta(cpuBefore, stackCpu(ctx.stack)) };
  const stopped = await child.stop();
  const startedAt = child.startingAt ?? spawnedAt;
  const seconds = (doneAt - startedAt) / 1000;

  const sinkBusy = Object.fromEntries(Object.entries(stopped.flushes).map(([name, f]) => [name, f.ms / 1000 / seconds]));
  const rows = await countRows(ctx.settings, mysqlUrl);
  const alerts = (await topicSize(ctx.admin, TOPICS.alerts)) - alertsBefore;
  const dlq = (await topicSize(ctx.admin, dlqTopicFor(TOPICS.readings))) - dlqBefore;
  const problems: string[] = [];
  if (rows + dlq !== records) problems.push(`rows ${rows} + DLQ ${dlq} = ${rows + dlq}, not ${records}`);
  if (expected && expected.records === records) {
    if (rows !== expected.rows) problems.push(`rows ${rows}, expected ${expected.rows}`);
    if (alerts !== expected.alerts) problems.push(`alerts ${alerts}, expected ${expected.alerts}`);
    if (dlq !== expected.dlq) problems.push(`DLQ ${dlq}, expected ${expected.dlq}`);
  }
  const result: EndToEndResult = {
    records,
    seconds,
    perSecond: records / seconds,
    spawnSeconds: (doneAt - spawnedAt) / 1000,
    peakRssKb,
    exitMaxRssKb: stopped.maxRssKb,
    rows,
    alerts,
    dlq,
    problems,
    flushes: stopped.flushes,
    sinkBusy,
    cpu,
    loopAndGc: child.loopAndGc(startedAt, doneAt),
    pid: child.pid,
    stateful: child.stateful ?? false,
  };
  log(
    `topology: ${records} readings in ${seconds.toFixed(1)} s = ${Math.round(result.perSecond)}/s (${result.spawnSeconds.toFixed(1)} s from fork); ` +
      `peak RSS ${mb(peakRssKb)}; ${rows} rows, ${alerts} alerts, ${dlq} DLQ${problems.length ? `; PROBLEMS: ${problems.join('; ')}` : '; counts check'}`,
  );
  log(`  topology child: ${describeLoopAndGc(result.loopAndGc)}`);
  log(`  CPU from fork to the last commit: ${describeCpu(cpu, result.spawnSeconds, cpus().length)}`);
  for (const [name, f] of Object.entries(stopped.flushes)) {
    log(
      `  ${name}: ${f.batches} batches, ${(f.records / f.batches).toFixed(0)} records and ${(f.ms / f.batches).toFixed(1)} ms each; writing ${(100 * (sinkBusy[name] ?? 0)).toFixed(0)} % of the run`,
    );
  }
  return result;
}

export function childConfig(
  ctx: BenchContext,
  run: { mysqlUrl: string; groupId: string; slowSinkMs: number; shutdownTimeoutMs?: number },
): TopologyChildConfig {
  return {
    ...ctx.defaults,
    brokers: ctx.settings.kafkaBrokers,
    registryUrl: ctx.settings.schemaRegistryUrl,
    mysqlUrl: run.mysqlUrl,
    groupId: run.groupId,
    shutdownTimeoutMs: run.shutdownTimeoutMs ?? ctx.defaults.shutdownTimeoutMs,
    slowSinkMs: run.slowSinkMs,
    sqlPath: ctx.pipelineSqlPath,
  };
}

export const mb = (kb: number): string => `${(kb / 1024).toFixed(0)} MB`;
