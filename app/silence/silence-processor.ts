/**
 * Finds silent devices (the low-level processor API): every reading records when the pipeline saw
 * its device in the `device-last-seen` store, by the wall clock; a wall-clock punctuation looks for
 * devices not seen for the timeout. Wall clock, not stream time: a device that went quiet moves no
 * stream time, and the check must run while no reading arrives at all.
 */
import type avro from 'avsc';
import type { DeviceSilence, TemperatureReading } from '../../schemas/index.js';
import {
  andThen,
  keyValueStore,
  requiredStringSerde,
  type KeyValueStore,
  type MaybeAsync,
  type Processor,
  type ProcessorContext,
  type StoreSpec,
  type StreamRecord,
} from '../../topology/index.js';
import { stateValueSerde } from '../state-value-serde.js';
import { onCheck, onReading, silenceCheckIntervalMs, type LastSeen } from './silence-tracker.js';

export const SILENCE_STORE = 'device-last-seen';

const lastSeenSchema: avro.Schema = {
  type: 'record',
  name: 'LastSeen',
  namespace: 'io.tempstream.state',
  fields: [
    { name: 'lastSeenAt', type: 'long' },
    { name: 'silent', type: 'boolean' },
  ],
};

/** device id → when it was last seen and whether SILENT was sent since. */
export const silenceStoreSpec = (): StoreSpec =>
  keyValueStore<string, LastSeen>(SILENCE_STORE, { key: requiredStringSerde, value: stateValueSerde<LastSeen>(lastSeenSchema) });

export interface SilenceProcessorOptions {
  readonly silenceMs: number;
  /**
   * Whether this instance runs the check. Two inputs (Avro and JSON) feed one store per task through
   * two processors; one check per task is enough, and both would find the same devices.
   */
  readonly checks: boolean;
}

export class SilenceProcessor implements Processor<string | null, TemperatureReading, string, DeviceSilence> {
  private context!: ProcessorContext<string, DeviceSilence>;
  private store!: KeyValueStore<string, LastSeen>;

  constructor(private readonly options: SilenceProcessorOptions) {}

  init(context: ProcessorContext<string, DeviceSilence>): void {
    this.context = context;
    this.store = context.getKeyValueStore<string, LastSeen>(SILENCE_STORE);
    if (this.options.checks) context.schedule(silenceCheckIntervalMs(this.options.silenceMs), 'wall-clock', (now) => this.check(now));
  }

  // Not an async function: with the store's synchronous serdes a reading is one synchronous step,
  // which costs the runtime no promise (the store's *Now methods and andThen).
  // A closure for what follows a store call only when the call waits: most readings take none.
  process(record: StreamRecord<string | null, TemperatureReading>): MaybeAsync<void> {
    const { deviceId } = record.value;
    const now = this.context.wallClockTime();
    const last = this.store.getNow(deviceId);
    return last instanceof Promise ? last.then((seen) => this.seen(deviceId, seen, now)) : this.seen(deviceId, last, now);
  }

  /** The device was seen at `now`: stored, and BACK sent if it had been reported silent. */
  private seen(deviceId: string, last: LastSeen | undefined, now: number): MaybeAsync<void> {
    const step = onReading(deviceId, last, now, this.options.silenceMs);
    const stored = this.store.putNow(deviceId, step.seen);
    const event = step.event;
    if (event === undefined) return stored;
    return andThen(stored, () => this.context.forward({ key: deviceId, value: event, timestamp: now }));
  }

  /** Every device of the task not seen for the timeout and not yet reported: SILENT, once. */
  private async check(now: number): Promise<void> {
    for (const { key: deviceId, value: seen } of await this.store.all()) {
      const step = onCheck(deviceId, seen, now, this.options.silenceMs);
      if (!step.event) continue;
      await this.store.put(deviceId, step.seen);
      this.context.forward({ key: deviceId, value: step.event, timestamp: now });
    }
  }
}
