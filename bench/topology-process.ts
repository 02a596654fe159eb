/**
 * Parent side of the topology child: forks it under tsx (as `npm run tempstream` runs), follows its
 * messages, samples its RSS from /proc every second, and stops it.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { ReadingsSinkCounters } from '../sinks/index.js';
import { CHILD_CONFIG_ENV, type FlushStats, type FromChild, type ToChild, type TopologyChildConfig } from './child-protocol.js';

export interface ProcSample {
  /** Date.now() */
  readonly at: number;
  readonly rssKb: number;
  /** VmHWM: the peak RSS so far. */
  readonly hwmKb: number;
}

export type ChildSample = Extract<FromChild, { type: 'sample' }>;

export interface LoopAndGc {
  /** The longest single event-loop block seen. */
  readonly loopDelayMaxMs: number;
  /** The worst one-second p99 of event-loop delay. */
  readonly loopDelayP99MaxMs: number;
  readonly gcPauseMaxMs: number;
  /** Share of wall time spent in GC pauses. */
  readonly gcShare: number;
}

export const describeLoopAndGc = (d: LoopAndGc): string =>
  `event loop blocked up to ${d.loopDelayMaxMs.toFixed(0)} ms (worst 1 s p99 ${d.loopDelayP99MaxMs.toFixed(0)} ms); GC pauses up to ${d.gcPauseMaxMs.toFixed(0)} ms, ${(100 * d.gcShare).toFixed(1)} % of the time`;

export interface StopResult {
  readonly maxRssKb: number;
  readonly cpuSeconds: number;
  readonly sink: ReadingsSinkCounters;
  readonly flushes: FlushStats;
  readonly warnings: Readonly<Record<string, number>>;
}

/** How the child runs: compiled on plain node (as the service is deployed), or under tsx. */
export interface ChildRuntime {
  readonly name: 'node' | 'tsx';
  readonly script: string;
  readonly execArgv: readonly string[];
}

export const tsxRuntime = (): ChildRuntime => ({
  name: 'tsx',
  script: fileURLToPath(new URL('./topology-child.ts', import.meta.url)),
  execArgv: ['--import', 'tsx'],
});

const live = new Set<TopologyProcess>();

/** For Ctrl-C and errors: every child this bench started, by its own pid. */
export function killAllTopologyChildren(): void {
  for (const p of live) p.kill();
}

export class TopologyProcess {
  startingAt: number | undefined;
  runningAt: number | undefined;
  /** Whether the child's topology declares state stores, as it said once running. */
  stateful: boolean | undefined;
  failure: string | undefined;
  readonly childSamples: ChildSample[] = [];
  readonly procSamples: ProcSample[] = [];
  private readonly sampler: NodeJS.Timeout;
  private stopped: StopResult | undefined;
  private readonly exited: Promise<number | null>;

  private constructor(private readonly child: ChildProcess) {
    live.add(this);
    this.exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
    void this.exited.then(() => live.delete(this));
    child.on('message', (message: FromChild) => this.onMessage(message));
    this.sampler = setInterval(() => {
      const s = this.procStatus();
      if (s) this.procSamples.push(s);
    }, 1000);
    this.sampler.unref();
  }

  static async spawn(config: TopologyChildConfig, runtime: ChildRuntime, options: { cpuProfDir?: string } = {}): Promise<TopologyProcess> {
    const execArgv = [...runtime.execArgv];
    if (options.cpuProfDir) execArgv.push('--cpu-prof', '--cpu-prof-dir', options.cpuProfDir);
    const child = fork(runtime.script, [], {
      execArgv,
      env: { ...process.env, [CHILD_CONFIG_ENV]: JSON.stringify(config) },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const p = new TopologyProcess(child);
    await new Promise<void>((resolve, reject) => {
      const onExit = (code: number | null) => reject(new Error(`topology child exited (${code}) before it ran: ${p.failure ?? 'see its output'}`));
      child.once('exit', onExit);
      const check = (message: FromChild) => {
        if (message.type === 'running') {
          child.off('exit', onExit);
          child.off('message', check);
          resolve();
        }
      };
      child.on('message', check);
    });
    return p;
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  private onMessage(message: FromChild): void {
    switch (message.type) {
      case 'starting':
        this.startingAt = message.at;
        break;
      case 'running':
        this.runningAt = message.at;
        this.stateful = message.stateful;
        break;
      case 'sample':
        this.childSamples.push(message);
        break;
      case 'failed':
        this.failure = message.error;
        console.error(`[bench] topology child failed: ${message.error}`);
        break;
      case 'stopped':
        this.stopped = { maxRssKb: message.maxRssKb, cpuSeconds: message.cpuSeconds, sink: message.sink, flushes: message.flushes, warnings: message.warnings };
        break;
    }
  }

  /** Event-loop blocking and GC pauses between two Date.now() instants, from the child's samples. */
  loopAndGc(from: number, to: number): LoopAndGc {
    const inside = this.childSamples.filter((s) => s.at > from && s.at <= to + 1000);
    const max = (f: (s: ChildSample) => number) => Math.max(0, ...inside.map(f));
    return {
      loopDelayMaxMs: max((s) => s.loopDelayMaxMs),
      loopDelayP99MaxMs: max((s) => s.loopDelayP99Ms),
      gcPauseMaxMs: max((s) => s.gcPauseMaxMs),
      gcShare: inside.reduce((n, s) => n + s.gcPauseTotalMs, 0) / Math.max(1, to - from),
    };
  }

  /** VmRSS and VmHWM of the child now, from /proc (undefined once it has gone). */
  procStatus(): ProcSample | undefined {
    let text: string;
    try {
      text = readFileSync(`/proc/${this.pid}/status`, 'utf8');
    } catch {
      return undefined;
    }
    const kb = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? NaN);
    return { at: Date.now(), rssKb: kb('VmRSS'), hwmKb: kb('VmHWM') };
  }

  /** user + system CPU seconds of the child so far, from /proc/<pid>/stat (clock ticks of 1/100 s). */
  procCpuSeconds(): number | undefined {
    try {
      const stat = readFileSync(`/proc/${this.pid}/stat`, 'utf8');
      // Fields after the command (which may hold spaces) start at ')': state is field 3, utime 14, stime 15.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      return (Number(fields[11]) + Number(fields[12])) / 100;
    } catch {
      return undefined;
    }
  }

  /** Asks for a graceful stop (drain, commit, leave) and waits for the child to exit. */
  async stop(timeoutMs = 60_000): Promise<StopResult> {
    clearInterval(this.sampler);
    if (this.child.connected) this.child.send({ type: 'stop' } satisfies ToChild);
    const timer = setTimeout(() => this.kill(), timeoutMs);
    const code = await this.exited;
    clearTimeout(timer);
    if (!this.stopped) throw new Error(`topology child exited (${code}) without reporting`);
    if (code !== 0) throw new Error(`topology child exited with ${code}: ${this.failure ?? 'no reason given'}`);
    return this.stopped;
  }

  kill(): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
  }
}
