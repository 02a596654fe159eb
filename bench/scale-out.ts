/**
 * Scale-out: 1, 2, 3 … topology processes in one consumer group share the input's partitions, as
 * instances on several machines would. Each count runs against the whole backlog with a fresh group
 * and database; the clock runs from the first instance starting until the group has committed every
 * partition. On one machine the instances share its cores with Kafka and MariaDB, so the figure that
 * carries to a fleet is the CPU each instance spends per reading it handled, not the aggregate rate.
 */
import { TOPICS } from '../schemas/index.js';
import { cpuDelta, stackCpu, type CpuByPart } from './cpu.js';
import { committedUpTo, countRows, endOffsets, sleep, sumOffsets, type BenchContext } from './context.js';
import { childConfig } from './end-to-end.js';
import { TopologyProcess } from './topology-process.js';

export interface InstanceFigures {
  /** Rows this instance stored: the readings it handled, but for the few it dead-lettered. */
  readonly rows: number;
  readonly cpuSeconds: number;
  readonly usPerReading: number;
  readonly peakRssKb: number;
}

export interface ScaleOutRun {
  readonly instances: number;
  readonly partitions: number;
  readonly records: number;
  /** First instance starting → every partition committed. */
  readonly seconds: number;
  readonly perSecond: number;
  readonly perInstance: readonly InstanceFigures[];
  /** All instances' CPU over all readings. */
  readonly topologyUsPerReading: number;
  /** Containers' CPU µs per reading over the same span. */
  readonly stackUsPerReading: CpuByPart;
  readonly problems: readonly string[];
}

export async function runScaleOut(ctx: BenchContext, counts: readonly number[], log: (line: string) => void): Promise<ScaleOutRun[]> {
  const runs: ScaleOutRun[] = [];
  for (const n of counts) runs.push(await runInstances(ctx, n, log));
  return runs;
}

async function runInstances(ctx: BenchContext, n: number, log: (line: string) => void): Promise<ScaleOutRun> {
  const mysqlUrl = await ctx.freshDatabase(`bench_scale_${n}`);
  const groupId = ctx.freshGroup(`scale-${n}`);
  const ends = await endOffsets(ctx.admin, TOPICS.readings);
  const records = sumOffsets(ends);
  const cpuBefore = stackCpu(ctx.stack);
  // Started together, so the group's first assignment spreads the partitions over all of them.
  const children = await Promise.all(
    Array.from({ length: n }, () => TopologyProcess.spawn(childConfig(ctx, { mysqlUrl, groupId, slowSinkMs: 0 }), ctx.childRuntime)),
  );
  let doneAt: number | undefined;
  try {
    const deadline = Date.now() + Math.max(300_000, records);
    while (!(await committedUpTo(ctx.admin, groupId, TOPICS.readings, ends))) {
      const failed = children.find((c) => c.failure);
      if (failed) throw new Error(`a topology instance failed: ${failed.failure}`);
      if (Date.now() > deadline) throw new Error(`${n} instances did not commit the backlog in time`);
      await sleep(100);
    }
    doneAt = Date.now();
  } finally {
    if (doneAt === undefined) for (const c of children) c.kill();
  }
  const cpuSeconds = children.map((c) => c.procCpuSeconds() ?? NaN);
  const peaks = children.map((c) => c.procStatus()?.hwmKb ?? NaN);
  const stack = cpuDelta(cpuBefore, stackCpu(ctx.stack));
  const stopped = await Promise.all(children.map((c) => c.stop()));
  const startedAt = Math.min(...children.map((c) => c.startingAt ?? Date.now()));
  const seconds = (doneAt - startedAt) / 1000;
  const perInstance = stopped.map((s, i) => ({
    rows: s.sink.stored,
    cpuSeconds: cpuSeconds[i]!,
    usPerReading: (cpuSeconds[i]! * 1e6) / Math.max(1, s.sink.stored),
    peakRssKb: peaks[i]!,
  }));
  const rows = await countRows(ctx.settings, mysqlUrl);
  const problems: string[] = [];
  const storedByInstances = perInstance.reduce((sum, p) => sum + p.rows, 0);
  if (storedByInstances !== rows) problems.push(`instances say ${storedByInstances} rows stored, the table has ${rows}`);
  const run: ScaleOutRun = {
    instances: n,
    partitions: ctx.partitions,
    records,
    seconds,
    perSecond: records / seconds,
    perInstance,
    topologyUsPerReading: (cpuSeconds.reduce((a, b) => a + b, 0) * 1e6) / records,
    stackUsPerReading: Object.fromEntries(Object.entries(stack).map(([k, v]) => [k, (v * 1e6) / records])),
    problems,
  };
  log(
    `scale-out: ${n} instance(s) on ${ctx.partitions} partitions: ${records} readings in ${seconds.toFixed(1)} s = ${Math.round(run.perSecond)}/s; ` +
      `per instance ${perInstance.map((p) => `${p.rows} rows, ${p.usPerReading.toFixed(1)} µs CPU per reading`).join('; ')}${problems.length ? `; PROBLEMS: ${problems.join('; ')}` : ''}`,
  );
  return run;
}

/** Markdown, one line per instance count. */
export function formatScaleOut(runs: readonly ScaleOutRun[]): string {
  const us = (n: number | undefined) => (n === undefined || !Number.isFinite(n) ? '–' : n.toFixed(1));
  return [
    '| instances | partitions | readings/s (all) | topology CPU µs/reading, each instance | topology µs/reading (all) | MySQL µs/reading | Kafka µs/reading | rows per instance |',
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
    ...runs.map(
      (r) =>
        `| ${r.instances} | ${r.partitions} | ${Math.round(r.perSecond).toLocaleString('en-US')} | ${r.perInstance.map((p) => us(p.usPerReading)).join(', ')} | ${us(r.topologyUsPerReading)} | ${us(r.stackUsPerReading.mysql)} | ${us(r.stackUsPerReading.kafka)} | ${r.perInstance.map((p) => p.rows.toLocaleString('en-US')).join(', ')}${r.problems.length ? ` (${r.problems.join('; ')})` : ''} |`,
    ),
  ].join('\n');
}
