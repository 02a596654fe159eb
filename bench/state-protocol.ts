/** What the bench parent and its state child say to each other over the IPC channel. */
import type { StateVariant } from './state-workload.js';

export const STATE_CHILD_CONFIG_ENV = 'BENCH_STATE_CHILD';

export type StateJob =
  /** ChangelogRestorer + KafkaChangelogSource into one InMemoryKeyValueStore per changelog partition, all partitions at once. */
  | { readonly kind: 'restore-direct'; readonly changelogTopic: string; readonly partitions: number }
  /** A KafkaTopologyRunner whose tasks restore the store on assignment; its input topic is empty. */
  | { readonly kind: 'restore-runner'; readonly groupId: string; readonly inputTopic: string; readonly outputTopic: string; readonly partitions: number }
  /** A KafkaTopologyRunner over a pre-produced backlog. */
  | { readonly kind: 'process'; readonly variant: StateVariant; readonly groupId: string; readonly inputTopic: string; readonly outputTopic: string };

export interface StateChildConfig {
  readonly brokers: string[];
  readonly job: StateJob;
}

/** process.memoryUsage() after a forced GC, and what the stores hold. */
export interface MemoryAfterGc {
  readonly rssBytes: number;
  readonly heapUsedBytes: number;
  readonly externalBytes: number;
  readonly arrayBuffersBytes: number;
  /** Per store: entries (keys, or key-window pairs) over all tasks. */
  readonly storeEntries: Readonly<Record<string, number>>;
}

export type ToStateChild = { readonly type: 'measure' } | { readonly type: 'stop' };

export type FromStateChild =
  /** Just before the timed work starts: user + system CPU seconds so far. */
  | { readonly type: 'starting'; readonly at: number; readonly cpuSeconds: number; readonly memory: MemoryAfterGc }
  /** The restore is complete (every partition): wall and CPU at that moment, entries applied. */
  | { readonly type: 'restored'; readonly at: number; readonly cpuSeconds: number; readonly entries: number | undefined }
  /** Answer to `measure`. */
  | { readonly type: 'measured'; readonly at: number; readonly cpuSeconds: number; readonly memory: MemoryAfterGc }
  | { readonly type: 'failed'; readonly error: string };
