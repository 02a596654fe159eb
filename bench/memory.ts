/**
 * Phase 5 (issue 3's acceptance): memory under a backlog. A fresh group faces the whole topic while
 * its database is slow (every transaction starts `slowSinkMs` late, so ~1,000 rows per delay): the
 * consumer could read far faster than the sink writes. RSS must level off at what the in-flight cap
 * (MAX_IN_FLIGHT_PER_PARTITION × partitions) and KafkaJS's fetch sizes allow, whatever the backlog.
 */
import { TOPICS } from '../schemas/index.js';
import { sleep, topicSize, type BenchContext } from './context.js';
import { childConfig, mb } from './end-to-end.js';
import { TopologyProcess, type ProcSample } from './topology-process.js';

export interface MemoryResult {
  readonly backlog: number;
  readonly seconds: number;
  readonly slowSinkMs: number;
  readonly rowsStored: number;
  readonly maxInFlight: number;
  readonly inFlightCap: number;
  readonly peakRssKb: number;
  /** Peak RSS within each 10 s window: a plateau shows as flat numbers. */
  readonly windows: {
    readonly fromSecond: number;
    readonly peakRssKb: number;
    /** Lowest heap used in the window: what survived the last GC, i.e. what is really held. */
    readonly minHeapKb: number;
    readonly maxHeapKb: number;
    readonly inFlight: number;
    readonly rows: number;
  }[];
  readonly firstHalfPeakKb: number;
  readonly secondHalfPeakKb: number;
}

const WINDOW_SECONDS = 10;

export async function runMemory(ctx: BenchContext, options: { seconds: number; slowSinkMs: number }, log: (line: string) => void): Promise<MemoryResult> {
  const mysqlUrl = await ctx.freshDatabase('bench_memory');
  const groupId = ctx.freshGroup('memory');
  const backlog = await topicSize(ctx.admin, TOPICS.readings);
  const inFlightCap = ctx.defaults.maxInFlightPerPartition * ctx.partitions;
  log(`  memory: backlog ${backlog} readings, sink slowed by ${options.slowSinkMs} ms per transaction, in-flight cap ${inFlightCap}; ${options.seconds} s`);
  // A short drain at the end: the point is the plateau, not finishing the backlog.
  const child = await TopologyProcess.spawn(childConfig(ctx, { mysqlUrl, groupId, slowSinkMs: options.slowSinkMs, shutdownTimeoutMs: 2000 }), ctx.childRuntime);
  const t0 = child.runningAt ?? Date.now();
  const samples: ProcSample[] = [];
  try {
    for (let second = 1; second <= options.seconds; second++) {
      await sleep(t0 + second * 1000 - Date.now());
      if (child.failure) throw new Error(`topology failed: ${child.failure}`);
      const s = child.procStatus();
      if (s) samples.push(s);
      if (second % WINDOW_SECONDS === 0) {
        const c = child.childSamples.at(-1);
        log(
          `  memory: ${second} s RSS ${mb(s?.rssKb ?? NaN)} (peak ${mb(s?.hwmKb ?? NaN)}), ${c?.inFlight ?? '?'} in flight, ${c?.sink.stored ?? '?'} rows stored`,
        );
      }
    }
  } finally {
    await child.stop(30_000).catch((err: unknown) => log(`  memory: stopping the topology: ${String(err)}`));
  }
  const windows: MemoryResult['windows'][number][] = [];
  for (let from = 0; from < options.seconds; from += WINDOW_SECONDS) {
    const inWindow = samples.filter((s) => s.at - t0 > from * 1000 && s.at - t0 <= (from + WINDOW_SECONDS) * 1000);
    const childInWindow = child.childSamples.filter((s) => s.at - t0 > from * 1000 && s.at - t0 <= (from + WINDOW_SECONDS) * 1000);
    windows.push({
      fromSecond: from,
      peakRssKb: Math.max(...inWindow.map((s) => s.rssKb)),
      minHeapKb: Math.min(...childInWindow.map((s) => s.heapUsedBytes / 1024)),
      maxHeapKb: Math.max(...childInWindow.map((s) => s.heapUsedBytes / 1024)),
      inFlight: Math.max(0, ...childInWindow.map((s) => s.inFlight)),
      rows: childInWindow.at(-1)?.sink.stored ?? 0,
    });
  }
  const half = t0 + (options.seconds / 2) * 1000;
  const result: MemoryResult = {
    backlog,
    seconds: options.seconds,
    slowSinkMs: options.slowSinkMs,
    rowsStored: child.childSamples.at(-1)?.sink.stored ?? 0,
    maxInFlight: Math.max(0, ...child.childSamples.map((s) => s.inFlight)),
    inFlightCap,
    peakRssKb: Math.max(...samples.map((s) => s.hwmKb)),
    windows,
    firstHalfPeakKb: Math.max(...samples.filter((s) => s.at <= half).map((s) => s.rssKb)),
    secondHalfPeakKb: Math.max(...samples.filter((s) => s.at > half).map((s) => s.rssKb)),
  };
  log(
    `memory: peak RSS ${mb(result.peakRssKb)} (first half ${mb(result.firstHalfPeakKb)}, second half ${mb(result.secondHalfPeakKb)}); ` +
      `max in flight ${result.maxInFlight} (cap ${inFlightCap}); ${result.rowsStored} of ${backlog} stored`,
  );
  return result;
}
