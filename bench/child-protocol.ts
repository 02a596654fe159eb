/** What the bench parent and its topology child say to each other over the IPC channel. */
import type { ReadingsSinkCounters, SqlPath } from '../sinks/index.js';
import type { UserDefaults } from './user-defaults.js';

/** Where the child runs, and the settings `tempstream start` would use (UserDefaults). */
export interface TopologyChildConfig extends UserDefaults {
  readonly brokers: string[];
  readonly registryUrl: string;
  readonly mysqlUrl: string;
  readonly groupId: string;
  /** > 0: every sink transaction starts this much later (the memory phase's slow database). */
  readonly slowSinkMs: number;
  /** How the readings sink sends rows (sinks/mysql-readings-sink.ts). */
  readonly sqlPath: SqlPath;
}

/** Per sink (MySQL, each output topic, the DLQ): batches written and the time spent writing them. */
export type FlushStats = Readonly<Record<string, { readonly batches: number; readonly records: number; readonly ms: number }>>;

export const CHILD_CONFIG_ENV = 'BENCH_TOPOLOGY_CHILD';

export type ToChild = { readonly type: 'stop' };

export type FromChild =
  /** Just before runner.start(): the clock of the end-to-end phase starts here. */
  | { readonly type: 'starting'; readonly at: number }
  /** `stateful`: the topology declares state stores (the stateful features are on). */
  | { readonly type: 'running'; readonly at: number; readonly stateful: boolean }
  | {
      readonly type: 'sample';
      readonly at: number;
      readonly rssBytes: number;
      readonly heapUsedBytes: number;
      /** V8's heap as reserved from the OS, used or not. */
      readonly heapTotalBytes: number;
      /** Memory outside the V8 heap held by JS objects: Buffers (fetched batches, sockets). */
      readonly externalBytes: number;
      readonly inFlight: number;
      readonly cpuSeconds: number;
      /** Since the previous sample: the longest the event loop was blocked, and GC pauses. */
      readonly loopDelayMaxMs: number;
      readonly loopDelayP99Ms: number;
      readonly gcPauseMaxMs: number;
      readonly gcPauseTotalMs: number;
      readonly sink: ReadingsSinkCounters;
      readonly flushes: FlushStats;
    }
  | {
      readonly type: 'stopped';
      readonly maxRssKb: number;
      /** user + system CPU of the child, seconds. */
      readonly cpuSeconds: number;
      readonly sink: ReadingsSinkCounters;
      readonly flushes: FlushStats;
      readonly warnings: Readonly<Record<string, number>>;
    }
  | { readonly type: 'failed'; readonly error: string };
