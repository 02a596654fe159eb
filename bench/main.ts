/**
 * `npm run bench`: throughput, alert latency and memory of the temperature topology on a real
 * stack, next to the seed's way of doing it and to what Kafka and MySQL allow on their own.
 * Starts its own stack and always stops it (errors and Ctrl-C included). See docs/benchmarks.md.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { resolve } from 'node:path';
import mysql from 'mysql2/promise';
import type { RunningStack } from '../stack/harness.js';
import { runConsumeCeiling, runSeedWay } from './baselines.js';
import { runPlatformaticConsumeCeiling } from './consume-ceiling-platformatic.js';
import { profiledInProcess } from './in-process-profile.js';
import { formatScaleOut, runScaleOut } from './scale-out.js';
import { runSinkCeiling } from './sink-ceiling.js';
import { formatState, killAllStateChildren, runState } from './state.js';
import { openContext, type BenchContext } from './context.js';
import { settle } from './cpu.js';
import { runEndToEnd } from './end-to-end.js';
import { runLatency } from './latency.js';
import { loadBacklog } from './load.js';
import { runMemory } from './memory.js';
import { parseOptions } from './options.js';
import { formatSummary, profileOf, summarizeProfile } from './profile-summary.js';
import { formatMemoryWindows, formatTable, formatTargets, machineInfo, type MachineInfo, type Results } from './report.js';
import { killAllTopologyChildren, tsxRuntime } from './topology-process.js';
import { buildTopologyChild } from './build-child.js';

const options = parseOptions(process.argv.slice(2));
const t0 = Date.now();
const log = (line: string) => console.log(`[bench ${((Date.now() - t0) / 1000).toFixed(0).padStart(4)} s] ${line}`);

let stack: RunningStack | undefined;
let ctx: BenchContext | undefined;
let cleaning: Promise<void> | undefined;
const cleanup = (): Promise<void> =>
  (cleaning ??= (async () => {
    killAllTopologyChildren();
    killAllStateChildren();
    await ctx?.close();
    if (stack) {
      log('stopping the stack');
      await stack.stop();
    }
  })());

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    log(`${signal}: stopping children and the stack`);
    void cleanup().finally(() => process.exit(130));
  });
}

const results: Results = {};
let machine: MachineInfo | undefined;
try {
  log(
    `options: ${JSON.stringify({ ...options, only: [...options.only] })}; load average ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );
  const needsChild = (['topology', 'latency', 'memory', 'scale', 'state'] as const).some((p) => options.only.has(p));
  let runtime = tsxRuntime();
  if (needsChild && !options.tsxChild) {
    runtime = { name: 'node', script: buildTopologyChild(), execArgv: [] };
    log(`topology child compiled with tsc: ${runtime.script}`);
  }
  if (options.childNodeArgs.length > 0) runtime = { ...runtime, execArgv: [...runtime.execArgv, ...options.childNodeArgs] };
  const c = await openContext(options.partitions, runtime, options.pipelineSql, log, (s) => (stack = s));
  ctx = c;
  machine = machineInfo(Object.values(c.stack.images));
  machine.mariadb = await serverVersion(c);
  machine.pipeline = `${Object.entries(c.defaults)
    .map(([k, v]) => `${k} ${String(v)}`)
    .join(
      ', ',
    )}; readings sink SQL path ${options.pipelineSql}; topology child on ${runtime.name === 'node' ? 'plain node (tsc output, as deployed)' : 'tsx'}${options.childNodeArgs.length > 0 ? ` with ${options.childNodeArgs.join(' ')}` : ''}`;
  log(`pipeline settings (tempstream start's, from cli/config.ts and the environment): ${JSON.stringify(c.defaults)}`);
  const { only } = options;
  if (options.cpuProfDir) mkdirSync(options.cpuProfDir, { recursive: true });
  // A phase right after a million-row one would otherwise measure MariaDB's background flushing.
  const settled = async (phase: string) => log(`${phase}: waited ${(await settle(c.stack)).toFixed(0)} s for the stack to settle (containers below 0.15 CPU)`);

  // The state phase brings its own data: alone, it needs no readings backlog.
  if ([...only].some((p) => p !== 'state')) results.load = await loadBacklog(c, options.records, log);
  if (only.has('topology')) results.topology = await runEndToEnd(c, results.load?.expected, { cpuProfDir: options.cpuProfDir }, log);
  // The baselines before the latency phase: they must see the very backlog the topology saw.
  if (only.has('seed')) results.seed = await runSeedWay(c, { seconds: options.seedSeconds, records: options.seedRecords }, log);
  if (only.has('consume')) {
    // Each client on the same backlog, each in a group of its own; profiled in process with --cpu-prof.
    const profiled = async <T>(name: string, phase: () => Promise<T>): Promise<T> => {
      const { result, profile } = await profiledInProcess(options.cpuProfDir, name, phase);
      if (profile) console.log(`\nbench process, ${name}: ${formatSummary(summarizeProfile(profile))}\n`);
      return result;
    };
    results.consume = await profiled('consume-ceiling-kafkajs', () => runConsumeCeiling(c, log));
    results.consumePlatformatic = [];
    for (const way of ['stream', 'fetch'] as const)
      results.consumePlatformatic.push(await profiled(`consume-ceiling-platformatic-${way}`, () => runPlatformaticConsumeCeiling(c, way, log)));
  }
  if (only.has('sink')) {
    results.sinks = [];
    for (const path of options.sqlPaths) results.sinks.push(await runSinkCeiling(c, options.records, path, log));
  }
  // Scale-out on the same backlog as the end-to-end phase, before the latency and memory phases add to the topic.
  if (only.has('scale')) {
    await settled('scale-out');
    results.scale = await runScaleOut(c, options.instances, log);
  }
  if (only.has('latency')) {
    results.latency = [];
    for (let run = 1; run <= options.latencyRuns; run++) {
      await settled(`latency ${run} of ${options.latencyRuns}`);
      // Profiled once: the first run.
      const cpuProfDir = run === 1 ? options.cpuProfDir : undefined;
      results.latency.push(await runLatency(c, { rate: options.rate, seconds: options.latencySeconds, run, cpuProfDir }, log));
    }
  }
  if (only.has('memory')) {
    await settled('memory');
    results.memory = await runMemory(c, { seconds: options.memorySeconds, slowSinkMs: options.slowSinkMs }, log);
  }
  if (only.has('state')) {
    await settled('state');
    results.state = await runState(
      c,
      { entries: options.stateEntries, records: options.stateRecords, runs: options.stateRuns, cpuProfDir: options.cpuProfDir },
      log,
    );
  }

  machine.loadAtEnd = loadavg();
  console.log(`\n${formatTable(results, machine)}\n`);
  if (results.memory) console.log(`memory under a backlog, per 10 s:\n\n${formatMemoryWindows(results.memory)}\n`);
  if (results.state) console.log(`cost of state (issue 13):\n\n${formatState(results.state)}\n`);
  if (results.scale) console.log(`scale-out, one consumer group:\n\n${formatScaleOut(results.scale)}\n`);
  // Issue 15's targets are about the pipeline's phases: a state-only run measures none of them.
  if (results.load) console.log(`targets (issue 15):\n${formatTargets(results)}\n`);
  if (options.cpuProfDir) {
    for (const [phase, pid] of [
      ['end to end', results.topology?.pid],
      ['latency, first run (warm-up and live window)', results.latency?.[0]?.pid],
    ] as const) {
      if (pid === undefined) continue;
      const file = profileOf(options.cpuProfDir, pid);
      console.log(`\ntopology child, ${phase}: ${file ? formatSummary(summarizeProfile(file)) : `no profile of pid ${pid} in ${options.cpuProfDir}`}`);
    }
  }
  if (options.json) writeFileSync(resolve(options.json), JSON.stringify({ options: { ...options, only: [...options.only] }, machine, results }, null, 2));
} catch (err) {
  console.error(`[bench] failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  process.exitCode = 1;
} finally {
  await cleanup();
}
// KafkaJS and knex may leave timers behind; the bench is done.
process.exit(process.exitCode ?? 0);

async function serverVersion(c: BenchContext): Promise<string> {
  const conn = await mysql.createConnection({ ...c.settings.mysql });
  try {
    const [rows] = await conn.query<mysql.RowDataPacket[]>('SELECT VERSION() AS v');
    return `MySQL server ${String(rows[0]?.v)}`;
  } finally {
    await conn.end();
  }
}
