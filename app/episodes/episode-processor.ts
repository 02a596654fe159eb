/**
 * Runs the episode tracker on a task's valid readings (the low-level processor API): the open
 * episode of each device lives in the `alert-episodes` store, so it survives a restart and moves with
 * its partition; OPENED and RESOLVED events go downstream keyed by device id.
 */
import type avro from 'avsc';
import type { TemperatureReading, TempAlertEpisode } from '../../schemas/index.js';
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
import { toFahrenheit } from '../rules/index.js';
import { stateValueSerde } from '../state-value-serde.js';
import { trackEpisode, type EpisodeSettings, type OpenEpisode } from './episode-tracker.js';

export const EPISODE_STORE = 'alert-episodes';

/** The store's value: Avro binary of this schema (JSON of it before, still read: stateValueSerde). */
const openEpisodeSchema: avro.Schema = {
  type: 'record',
  name: 'OpenEpisode',
  namespace: 'io.tempstream.state',
  fields: [
    { name: 'direction', type: { type: 'enum', name: 'OpenEpisodeDirection', symbols: ['HIGH', 'LOW'] } },
    { name: 'openedAt', type: 'long' },
    { name: 'firstTemperatureF', type: 'double' },
    { name: 'peakTemperatureF', type: 'double' },
    { name: 'lastTemperatureF', type: 'double' },
    { name: 'readings', type: 'int' },
    { name: 'latestReadingAt', type: 'long' },
  ],
};

/** device id → its open episode; a device with none has no entry. */
export const episodeStoreSpec = (): StoreSpec =>
  keyValueStore<string, OpenEpisode>(EPISODE_STORE, { key: requiredStringSerde, value: stateValueSerde<OpenEpisode>(openEpisodeSchema) });

export class EpisodeProcessor implements Processor<string | null, TemperatureReading, string, TempAlertEpisode> {
  private context!: ProcessorContext<string, TempAlertEpisode>;
  private store!: KeyValueStore<string, OpenEpisode>;

  constructor(private readonly settings: EpisodeSettings) {}

  init(context: ProcessorContext<string, TempAlertEpisode>): void {
    this.context = context;
    this.store = context.getKeyValueStore<string, OpenEpisode>(EPISODE_STORE);
  }

  // Not an async function: with the store's synchronous serdes a reading is one synchronous step,
  // which costs the runtime no promise (the store's *Now methods and andThen).
  // A closure for what follows a store call only when the call waits: most readings take none.
  process(record: StreamRecord<string | null, TemperatureReading>): MaybeAsync<void> {
    const reading = record.value;
    const open = this.store.getNow(reading.deviceId);
    return open instanceof Promise ? open.then((o) => this.track(reading, o)) : this.track(reading, open);
  }

  private track(reading: TemperatureReading, open: OpenEpisode | undefined): MaybeAsync<void> {
    const { deviceId, readingTime } = reading;
    const step = trackEpisode(open, { deviceId, readingTime, fahrenheit: toFahrenheit(reading) }, this.settings);
    // Most readings are in range with nothing open: no store change, nothing logged, nothing sent.
    const changed = step.open ? this.store.putNow(deviceId, step.open) : open ? this.store.deleteNow(deviceId) : undefined;
    if (step.events.length === 0) return changed instanceof Promise ? changed.then(() => undefined) : undefined;
    return andThen(changed, () => {
      for (const event of step.events) this.context.forward({ key: deviceId, value: event });
    });
  }
}
