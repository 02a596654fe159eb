/** The one table of figures, and the issue's targets checked against it. */
import { cpus, freemem, loadavg, totalmem } from 'node:os';
import type { Throughput } from './baselines.js';
import { DEFAULT_SQL_PATH } from '../sinks/index.js';
import { describeCpu } from './cpu.js';
import type { EndToEndResult } from './end-to-end.js';
import type { LatencyResult } from './latency.js';
import type { LoadResult } from './load.js';
import type { MemoryResult } from './memory.js';
import type { ScaleOutRun } from './scale-out.js';
import type { SinkCeiling } from './sink-ceiling.js';
import type { StateResult } from './state.js';

export interface Results {
  load?: LoadResult;
  topology?: EndToEndResult;
  /** One per latency run (--latency-runs). */
  latency?: LatencyResult[];
  seed?: Throughput;
  consume?: Throughput;
  /** The same consume ceiling with @platformatic/kafka, once per way of using it (issue 15). */
  consumePlatformatic?: Throughput[];
  scale?: ScaleOutRun[];
  /** The sink ceiling once per SQL path. */
  sinks?: SinkCeiling[];
  memory?: MemoryResult;
  /** Issue 13: restore, memory with 100,000 keys, CPU per record with and without state. */
  state?: StateResult;
}

export interface MachineInfo {
  readonly cpus: number;
  readonly memoryGiB: number;
  readonly freeGiB: number;
  readonly loadAtStart: readonly number[];
  loadAtEnd?: readonly number[];
  readonly node: string;
  readonly images: readonly string[];
  mariadb?: string;
  pipeline?: string;
}

export function machineInfo(images: readonly string[]): MachineInfo {
  return {
    cpus: cpus().length,
    memoryGiB: totalmem() / 2 ** 30,
    freeGiB: freemem() / 2 ** 30,
    loadAtStart: loadavg(),
    node: process.version,
    images,
  };
}

const int = (n: number | undefined): string => (n === undefined || !Number.isFinite(n) ? '–' : Math.round(n).toLocaleString('en-US'));
const mb = (kb: number | undefined): string => (kb === undefined || !Number.isFinite(kb) ? '–' : `${(kb / 1024).toFixed(0)} MB`);
const ratio = (topology: number | undefined, other: number | undefined): string =>
  topology === undefined || other === undefined ? '–' : `${(topology / other).toFixed(topology / other >= 10 ? 0 : 2)}×`;
const cpuNote = (us: number | undefined): string =>
  us === undefined ? '' : `; ${Number.isFinite(us) ? us.toFixed(2) : '–'} µs CPU per reading (bench process)`;
const load = (l: readonly number[] | undefined) => (l ? l.map((x) => x.toFixed(2)).join(' / ') : '–');

/** Markdown: readable on the terminal, pasted as it is into docs/benchmarks.md. */
export function formatTable(r: Results, machine: MachineInfo): string {
  const t = r.topology?.perSecond;
  const rows: string[][] = [['measurement', 'readings/s', 'topology ÷ this', 'detail']];
  if (r.load)
    rows.push([
      'load (producer, pre-encoded)',
      int(r.load.perSecond),
      '',
      `${int(r.load.records)} readings in ${r.load.seconds.toFixed(1)} s, sendBatch × 20,000, acks -1, no compression`,
    ]);
  if (r.topology) {
    const x = r.topology;
    rows.push([
      '**topology end to end**',
      `**${int(x.perSecond)}**`,
      '1×',
      `${int(x.records)} readings in ${x.seconds.toFixed(1)} s (start → all committed; ${x.spawnSeconds.toFixed(1)} s from fork); peak RSS ${mb(x.peakRssKb)}; ${int(x.rows)} rows, ${int(x.alerts)} alerts, ${int(x.dlq)} DLQ${x.problems.length ? ` — ${x.problems.join('; ')}` : ', counts check'}`,
    ]);
  }
  for (const b of [r.seed, r.consume, ...(r.consumePlatformatic ?? []), ...(r.sinks ?? [])])
    if (b) rows.push([b.name, int(b.perSecond), ratio(t, b.perSecond), `${b.note}${cpuNote(b.cpuMicrosPerRecord)}`]);
  for (const [i, l] of (r.latency ?? []).entries()) {
    rows.push([
      `alert latency, run ${i + 1} (produce → alert readable)`,
      int(l.achievedRate),
      '',
      `p50 ${l.p50Ms} ms, p99 ${l.p99Ms} ms, max ${l.maxMs} ms over ${int(l.alertsReceived)}/${int(l.alertsExpected)} alerts at ${int(l.offeredRate)}/s offered; topology RSS ${mb(l.peakRssKb)}`,
    ]);
  }
  if (r.memory) {
    const m = r.memory;
    rows.push([
      'memory under a backlog',
      '',
      '',
      `peak RSS ${mb(m.peakRssKb)} over ${m.seconds} s (first half ${mb(m.firstHalfPeakKb)}, second half ${mb(m.secondHalfPeakKb)}); in flight ≤ ${int(m.maxInFlight)} (cap ${int(m.inFlightCap)}); ${int(m.rowsStored)} of ${int(m.backlog)} stored (sink +${m.slowSinkMs} ms/transaction)`,
    ]);
  }
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((row) => row[c]!.length)));
  const line = (row: string[]) => `| ${row.map((cell, c) => cell.padEnd(widths[c]!)).join(' | ')} |`;
  const table = [line(rows[0]!), `| ${widths.map((w) => '-'.repeat(w)).join(' | ')} |`, ...rows.slice(1).map(line)].join('\n');
  const header = `machine: ${machine.cpus} CPUs, ${machine.memoryGiB.toFixed(0)} GiB; load average (1/5/15 min) at start ${load(machine.loadAtStart)}, at end ${load(machine.loadAtEnd)}; Node ${machine.node}; ${machine.mariadb ?? ''}; images ${machine.images.join(', ')}${machine.pipeline ? `\npipeline settings: ${machine.pipeline}` : ''}`;
  const cpu = r.topology
    ? `\n\nCPU from fork to the last commit of the topology run: ${describeCpu(r.topology.cpu, r.topology.spawnSeconds, machine.cpus)}\n\n${formatCpuPerReading(r)}`
    : '';
  return `${header}\n\n${table}${cpu}`;
}

/** µs of CPU per reading: the figure that holds on a noisy shared machine, where readings/s do not. */
export interface CpuPerReading {
  readonly topology: number;
  /** MariaDB's CPU per row stored. */
  readonly mysqlPerRow: number;
  readonly kafka: number;
  readonly registry: number;
}

export function cpuPerReading(t: EndToEndResult): CpuPerReading {
  const us = (seconds: number | undefined, n: number) => (seconds === undefined ? NaN : (seconds * 1e6) / n);
  return {
    topology: us(t.cpu.topology, t.records),
    mysqlPerRow: us(t.cpu.mysql, t.rows),
    kafka: us(t.cpu.kafka, t.records),
    registry: us(t.cpu.schemaRegistry, t.records),
  };
}

/** The issue's per-process targets: the topology's depends on whether the stateful features are on. */
export const TOPOLOGY_US_TARGET = { stateless: 10, stateful: 14 } as const;
export const MYSQL_US_PER_ROW_TARGET = 8;

function formatCpuPerReading(r: Results): string {
  if (!r.topology) return '';
  const c = cpuPerReading(r.topology);
  const topologyTarget = r.topology.stateful ? TOPOLOGY_US_TARGET.stateful : TOPOLOGY_US_TARGET.stateless;
  const verdict = (value: number, target: number) => (!Number.isFinite(value) ? 'not measured' : value <= target ? 'met' : 'missed');
  const us = (n: number) => (Number.isFinite(n) ? n.toFixed(1) : '–');
  const sink = defaultSinkCeiling(r);
  return [
    `CPU per reading, by process (end to end, ${int(r.topology.perSecond)} readings/s):`,
    '',
    '| process | CPU µs per reading | target | |',
    '| --- | --- | --- | --- |',
    `| topology (${r.topology.stateful ? 'stateful features on' : 'stateless pipeline'}) | ${us(c.topology)} | ≤ ${topologyTarget} | ${verdict(c.topology, topologyTarget)} |`,
    `| MySQL, per stored row | ${us(c.mysqlPerRow)} | ≤ ${MYSQL_US_PER_ROW_TARGET} | ${verdict(c.mysqlPerRow, MYSQL_US_PER_ROW_TARGET)} |`,
    `| Kafka | ${us(c.kafka)} | – | |`,
    `| schema registry | ${us(c.registry)} | – | |`,
    ...(sink
      ? [
          `| MySQL, per row, sink alone (${sink.sqlPath}) | ${us(sink.mysqlUsPerRow)} | ≤ ${MYSQL_US_PER_ROW_TARGET} | ${verdict(sink.mysqlUsPerRow, MYSQL_US_PER_ROW_TARGET)} |`,
        ]
      : []),
  ].join('\n');
}

export function formatMemoryWindows(m: MemoryResult): string {
  return [
    '| seconds | peak RSS | heap used (min–max) | max in flight | rows stored |',
    '| --- | --- | --- | --- | --- |',
    ...m.windows.map(
      (w) => `| ${w.fromSecond}–${w.fromSecond + 10} | ${mb(w.peakRssKb)} | ${mb(w.minHeapKb)}–${mb(w.maxHeapKb)} | ${int(w.inFlight)} | ${int(w.rows)} |`,
    ),
  ].join('\n');
}

/** Issue 15's targets, each with the figure that decides it; then the earlier ones still kept. */
export function formatTargets(r: Results): string {
  const lines: string[] = [];
  const check = (ok: boolean | undefined, text: string) => lines.push(`- ${ok === undefined ? 'not measured' : ok ? 'MET' : 'MISSED'}: ${text}`);
  const t = r.topology?.perSecond;
  const cpu = r.topology ? cpuPerReading(r.topology) : undefined;
  const topologyTarget = r.topology?.stateful ? TOPOLOGY_US_TARGET.stateful : TOPOLOGY_US_TARGET.stateless;
  check(
    cpu && Number.isFinite(cpu.topology) ? cpu.topology <= topologyTarget : undefined,
    `topology ≤ ${topologyTarget} µs CPU per reading (${r.topology?.stateful ? 'stateful features on' : 'stateless pipeline'}): ${cpu ? cpu.topology.toFixed(1) : '–'} µs`,
  );
  check(
    cpu && Number.isFinite(cpu.mysqlPerRow) ? cpu.mysqlPerRow <= MYSQL_US_PER_ROW_TARGET : undefined,
    `MySQL ≤ ${MYSQL_US_PER_ROW_TARGET} µs server CPU per stored row, end to end: ${cpu ? cpu.mysqlPerRow.toFixed(1) : '–'} µs`,
  );
  for (const s of r.sinks ?? [])
    check(
      s.mysqlUsPerRow <= MYSQL_US_PER_ROW_TARGET,
      `MySQL ≤ ${MYSQL_US_PER_ROW_TARGET} µs per row, sink alone, ${s.sqlPath}: ${s.mysqlUsPerRow.toFixed(1)} µs`,
    );
  check(t ? t >= 50_000 : undefined, `end to end ≥ 50,000 readings/s: ${int(t)}/s`);
  const sink = defaultSinkCeiling(r);
  const lowerCeiling = r.consume && sink ? Math.min(r.consume.perSecond, sink.perSecond) : undefined;
  check(
    t && lowerCeiling ? t >= 0.7 * lowerCeiling : undefined,
    `end to end ≥ 0.7× the lower ceiling (${int(lowerCeiling)}/s): ${t && lowerCeiling ? (t / lowerCeiling).toFixed(2) : '–'}×`,
  );
  const runs = r.latency ?? [];
  check(
    runs.length >= 5 ? runs.every((l) => l.p99Ms < 100) : undefined,
    `p99 alert latency < 100 ms at ${int(runs[0]?.offeredRate)}/s in every one of 5 runs: ${runs.length ? runs.map((l) => `${l.p99Ms} ms`).join(', ') : '–'}`,
  );
  const peaks = [
    r.topology?.peakRssKb,
    r.memory?.peakRssKb,
    ...runs.map((l) => l.peakRssKb),
    ...(r.scale ?? []).flatMap((s) => s.perInstance.map((p) => p.peakRssKb)),
  ].filter((x): x is number => x !== undefined && Number.isFinite(x));
  check(peaks.length ? Math.max(...peaks) < 300 * 1024 : undefined, `peak RSS < 300 MB at any backlog: ${mb(peaks.length ? Math.max(...peaks) : undefined)}`);
  lines.push('earlier targets:');
  check(t && r.seed ? t >= 30 * r.seed.perSecond : undefined, `topology ≥ 30× the seed's way (${ratio(t, r.seed?.perSecond)})`);
  return lines.join('\n');
}

/** The sink ceiling of the path the pipeline runs with. */
export const defaultSinkCeiling = (r: Results): SinkCeiling | undefined => r.sinks?.find((s) => s.sqlPath === DEFAULT_SQL_PATH);
