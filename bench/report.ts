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

export interface Results {
  load?: LoadResult;
  topology?: EndToEndResult;
  latency?: LatencyResult;
  seed?: Throughput;
  consume?: Throughput;
  scale?: ScaleOutRun[];
  /** The sink ceiling once per SQL path. */
  sinks?: SinkCeiling[];
  memory?: MemoryResult;
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
  for (const b of [r.seed, r.consume, ...(r.sinks ?? [])]) if (b) rows.push([b.name, int(b.perSecond), ratio(t, b.perSecond), b.note]);
  if (r.latency) {
    const l = r.latency;
    rows.push([
      'alert latency (produce → alert readable)',
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
    ? `\n\nCPU from fork to the last commit of the topology run: ${describeCpu(r.topology.cpu, r.topology.spawnSeconds, machine.cpus)}`
    : '';
  return `${header}\n\n${table}${cpu}`;
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

/** The issue's targets, each with the figure that decides it. */
export function formatTargets(r: Results): string {
  const lines: string[] = [];
  const check = (ok: boolean | undefined, text: string) => lines.push(`- ${ok === undefined ? 'not measured' : ok ? 'MET' : 'MISSED'}: ${text}`);
  const t = r.topology?.perSecond;
  check(t && r.seed ? t >= 30 * r.seed.perSecond : undefined, `topology ≥ 30× the seed's way (${ratio(t, r.seed?.perSecond)})`);
  const sink = defaultSinkCeiling(r);
  const lowerCeiling = r.consume && sink ? Math.min(r.consume.perSecond, sink.perSecond) : undefined;
  check(
    t && lowerCeiling ? t >= 0.7 * lowerCeiling : undefined,
    `topology ≥ 0.7× the lower ceiling (${int(lowerCeiling)}/s): ${t && lowerCeiling ? (t / lowerCeiling).toFixed(2) : '–'}×`,
  );
  check(t ? t >= 100_000 : undefined, `aim: 100,000 readings/s (${int(t)}/s)`);
  check(r.latency ? r.latency.p99Ms < 100 : undefined, `p99 alert latency < 100 ms at ${int(r.latency?.offeredRate)}/s (${r.latency?.p99Ms ?? '–'} ms)`);
  const peaks = [r.topology?.peakRssKb, r.memory?.peakRssKb, r.latency?.peakRssKb].filter((x): x is number => x !== undefined && Number.isFinite(x));
  check(peaks.length ? Math.max(...peaks) < 300 * 1024 : undefined, `peak RSS < 300 MB whatever N (${mb(peaks.length ? Math.max(...peaks) : undefined)})`);
  return lines.join('\n');
}

/** The sink ceiling of the path the pipeline runs with. */
export const defaultSinkCeiling = (r: Results): SinkCeiling | undefined => r.sinks?.find((s) => s.sqlPath === DEFAULT_SQL_PATH);
