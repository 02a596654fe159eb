/**
 * Runs one processor of the low-level API as one task would, without the runtime: stores built from
 * their specs (in memory, changes recorded), stream time from record timestamps, wall-clock
 * punctuation on a manual clock. For tests of processors on their own.
 */
import type { ForwardedRecord, Processor, ProcessorContext, ProcessorSupplier } from '../../topology/processor/processor.js';
import type { StoreSpec, WindowStore } from '../../topology/processor/store-spec.js';
import type { StreamRecord } from '../../topology/records.js';
import { RecordingChangeLogger } from '../../topology/state/change-logger.js';
import { InMemoryKeyValueStore, type KeyValueStore } from '../../topology/state/key-value-store.js';
import { PunctuationScheduler } from '../../topology/state/punctuation-scheduler.js';
import { InMemoryWindowStore } from '../../topology/state/window-store.js';
import { ManualClock } from '../../topology/testing/manual-clock.js';

export class ProcessorHarness<KIn, VIn, KOut, VOut> {
  readonly clock: ManualClock;
  readonly forwarded: ForwardedRecord<KOut, VOut>[] = [];
  readonly changeLoggers = new Map<string, RecordingChangeLogger>();
  private readonly scheduler: PunctuationScheduler;
  private readonly stores = new Map<string, InMemoryKeyValueStore<unknown, unknown> | InMemoryWindowStore<unknown, unknown>>();
  private readonly processor: Processor<KIn, VIn, KOut, VOut>;
  private streamTime: number | undefined;
  private recordTimestamp = 0;
  private offset = 0;

  constructor(
    supplier: ProcessorSupplier<KIn, VIn, KOut, VOut>,
    specs: readonly StoreSpec[],
    readonly partition = 0,
    startTime = 0,
  ) {
    this.clock = new ManualClock(startTime);
    this.scheduler = new PunctuationScheduler(this.clock);
    for (const spec of specs) {
      const changeLogger = new RecordingChangeLogger();
      this.changeLoggers.set(spec.name, changeLogger);
      const common = {
        name: spec.name,
        changelogTopic: `app-${spec.name}-changelog`,
        keySerde: spec.keySerde,
        valueSerde: spec.valueSerde,
        context: { changeLogger, recordTimestamp: () => this.recordTimestamp },
      };
      this.stores.set(
        spec.name,
        spec.kind === 'key-value'
          ? new InMemoryKeyValueStore(common)
          : new InMemoryWindowStore({ ...common, windows: spec.windows, retentionMs: spec.retentionMs }),
      );
    }
    this.processor = supplier();
  }

  async init(): Promise<this> {
    await this.processor.init?.(this.context());
    return this;
  }

  /** One record, as a task processes it: stream time first, then the processor, then stream-time punctuation. */
  async pipe(key: KIn, value: VIn, timestamp: number): Promise<void> {
    await this.pipeAtOnce(key, value, timestamp);
    await this.scheduler.advanceStreamTime(timestamp);
  }

  /** The processor's part of pipe() (no stream-time punctuation): returns what process() returned, undefined when it ran in one synchronous step. */
  pipeAtOnce(key: KIn, value: VIn, timestamp: number): void | Promise<void> {
    this.streamTime = Math.max(this.streamTime ?? timestamp, timestamp);
    this.recordTimestamp = timestamp;
    const record: StreamRecord<KIn, VIn> = {
      key,
      value,
      timestamp,
      headers: {},
      source: { topic: 'in', partition: this.partition, offset: String(this.offset++) },
    };
    return this.processor.process(record);
  }

  /** Moves the wall clock and runs the wall-clock punctuations that fall due. */
  async advanceWallClock(ms: number): Promise<void> {
    this.clock.advance(ms);
    this.recordTimestamp = this.clock.now();
    await this.scheduler.punctuateWallClock();
  }

  store<K, V>(name: string): KeyValueStore<K, V> | WindowStore<K, V> {
    const store = this.stores.get(name);
    if (!store) throw new Error(`no store ${name}`);
    return store as unknown as KeyValueStore<K, V> | WindowStore<K, V>;
  }

  /** Takes what was forwarded since the last call. */
  take(): ForwardedRecord<KOut, VOut>[] {
    return this.forwarded.splice(0);
  }

  private context(): ProcessorContext<KOut, VOut> {
    const store = (name: string) => {
      const s = this.stores.get(name);
      if (!s) throw new Error(`store ${name} is not one of this processor's`);
      return s;
    };
    const streamTime = () => this.streamTime;
    return {
      partition: this.partition,
      get streamTime() {
        return streamTime();
      },
      wallClockTime: () => this.clock.now(),
      getKeyValueStore: <K, V>(name: string) => store(name) as unknown as KeyValueStore<K, V>,
      getWindowStore: <K, V>(name: string) => store(name) as unknown as WindowStore<K, V>,
      forward: (record) => void this.forwarded.push(record),
      schedule: (intervalMs, type, fn) => this.scheduler.schedule(intervalMs, type, fn),
    };
  }
}
