import {
  InMemoryKeyValueStore,
  RecordingChangeLogger,
  type ForwardedRecord,
  type KeyValueStore,
  type Processor,
  type ProcessorContext,
  type Punctuator,
  type StoreSpec,
  type StreamRecord,
} from '../../topology/index.js';

/**
 * One processor with its key-value stores, no topology and no runtime: for unit tests of a
 * processor's own logic. Records go in one at a time; what it forwards, what it logged to each
 * changelog and the punctuations it scheduled are there to read. End-to-end runs use the
 * TopologyTestDriver (TemperatureTestKit).
 */
export class ProcessorHarness<KIn, VIn, KOut, VOut> {
  readonly forwarded: ForwardedRecord<KOut, VOut>[] = [];
  readonly changelog = new RecordingChangeLogger();
  wallClock: number;
  private readonly stores = new Map<string, InMemoryKeyValueStore<unknown, unknown>>();
  private readonly punctuators: { intervalMs: number; type: string; fn: Punctuator }[] = [];
  private offset = 0;

  constructor(
    private readonly processor: Processor<KIn, VIn, KOut, VOut>,
    specs: readonly StoreSpec[],
    options: { wallClock?: number } = {},
  ) {
    this.wallClock = options.wallClock ?? Date.UTC(2026, 0, 1);
    for (const spec of specs) {
      if (spec.kind !== 'key-value') throw new Error(`ProcessorHarness holds key-value stores only, not ${spec.name}`);
      this.stores.set(
        spec.name,
        new InMemoryKeyValueStore({
          name: spec.name,
          changelogTopic: `harness-${spec.name}-changelog`,
          keySerde: spec.keySerde,
          valueSerde: spec.valueSerde,
          context: { changeLogger: this.changelog, recordTimestamp: () => this.wallClock },
        }),
      );
    }
  }

  async init(): Promise<this> {
    const context: ProcessorContext<KOut, VOut> = {
      partition: 0,
      streamTime: undefined,
      wallClockTime: () => this.wallClock,
      getKeyValueStore: <K, V>(name: string) => this.store<K, V>(name),
      getWindowStore: () => {
        throw new Error('ProcessorHarness has no window stores');
      },
      forward: (record) => void this.forwarded.push(record),
      schedule: (intervalMs, type, fn) => {
        const entry = { intervalMs, type, fn };
        this.punctuators.push(entry);
        return { cancel: () => void this.punctuators.splice(this.punctuators.indexOf(entry), 1) };
      },
    };
    await this.processor.init?.(context);
    return this;
  }

  store<K, V>(name: string): KeyValueStore<K, V> {
    const store = this.stores.get(name);
    if (!store) throw new Error(`no store ${name} in this harness`);
    return store as unknown as KeyValueStore<K, V>;
  }

  async process(key: KIn, value: VIn, timestamp = this.wallClock): Promise<void> {
    await this.processAtOnce(key, value, timestamp);
  }

  /** Processes a record and returns what process() returned: undefined when it ran in one synchronous step. */
  processAtOnce(key: KIn, value: VIn, timestamp = this.wallClock): void | Promise<void> {
    const record: StreamRecord<KIn, VIn> = { key, value, timestamp, headers: {}, source: { topic: 'harness', partition: 0, offset: String(this.offset++) } };
    return this.processor.process(record);
  }

  /** The punctuations scheduled, as (interval, type). */
  get schedules(): { intervalMs: number; type: string }[] {
    return this.punctuators.map(({ intervalMs, type }) => ({ intervalMs, type }));
  }

  /** Moves the wall clock and runs every wall-clock punctuation once at the new time (as a due schedule would). */
  async punctuateWallClockAt(now: number): Promise<void> {
    this.wallClock = now;
    for (const p of [...this.punctuators]) if (p.type === 'wall-clock') await p.fn(now);
  }
}
