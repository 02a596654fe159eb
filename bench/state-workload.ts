/**
 * The state phase's data and topologies, shared by the parent (which produces the data) and the
 * state child (which runs the topologies): 100,000 devices, a per-device aggregate as JSON, and the
 * same topology with and without state so that the difference is the cost of state.
 */
import {
  TimeWindows,
  TopologyBuilder,
  keyValueStore,
  requiredStringSerde,
  windowStore,
  type ProcessorContext,
  type Serde,
  type Topology,
} from '../topology/index.js';

export const STATE_DEVICES = 100_000;
/** Input records are dated from here; a device's readings are 30 s apart, so its records span two 1-minute windows. */
export const STATE_BASE_TIME = Date.UTC(2024, 0, 1);
export const READING_SPACING_MS = 30_000;
export const AGGREGATE_STORE = 'device-aggregate';
export const MINUTE_STORE = 'device-minute';

export interface Reading {
  readonly t: number;
  readonly at: number;
}

/** A device's running aggregate: what a stateful pipeline keeps per key. */
export interface Aggregate {
  readonly count: number;
  readonly min: number;
  readonly max: number;
  readonly sum: number;
  readonly last: number;
}

export const deviceKey = (i: number): string => `device-${String(i % STATE_DEVICES).padStart(6, '0')}`;

/** The i-th input record: device i mod 100,000, its (i div 100,000)-th reading. */
export function stateInput(i: number): { key: string; value: Reading } {
  const round = Math.floor(i / STATE_DEVICES);
  const at = STATE_BASE_TIME + round * READING_SPACING_MS + (i % 1000);
  return { key: deviceKey(i), value: { t: 60 + ((i * 7919) % 300) / 10, at } };
}

/** The changelog's i-th entry: the aggregate of device i mod 100,000 after (i div 100,000) + 1 readings. */
export function changelogEntry(i: number): { key: string; value: Aggregate } {
  const count = Math.floor(i / STATE_DEVICES) + 1;
  const t = 60 + ((i * 7919) % 300) / 10;
  return { key: deviceKey(i), value: { count, min: t - 3.5, max: t + 4.25, sum: t * count, last: STATE_BASE_TIME + count * READING_SPACING_MS } };
}

export function jsonSerde<T>(name: string): Serde<T> {
  return {
    name,
    serialize: (value) => Buffer.from(JSON.stringify(value)),
    deserialize: (bytes) => {
      if (bytes === null) throw new Error(`${name}: a null payload`);
      return JSON.parse(bytes.toString('utf8')) as T;
    },
  };
}

export const readingSerde = jsonSerde<Reading>('reading-json');
export const aggregateSerde = jsonSerde<Aggregate>('aggregate-json');

const first = (r: Reading): Aggregate => ({ count: 1, min: r.t, max: r.t, sum: r.t, last: r.at });
const add = (a: Aggregate, r: Reading): Aggregate => ({
  count: a.count + 1,
  min: Math.min(a.min, r.t),
  max: Math.max(a.max, r.t),
  sum: a.sum + r.t,
  last: Math.max(a.last, r.at),
});

/**
 * `stateless`: each reading mapped to a one-reading aggregate and sent on. `kv`: the running
 * aggregate kept per device in a key-value store and sent on. `kv-window`: also a per-minute
 * aggregate per device in a window store of 1-minute tumbling windows. Same input, same output topic.
 */
export type StateVariant = 'stateless' | 'kv' | 'kv-window';
export const STATE_VARIANTS: readonly StateVariant[] = ['stateless', 'kv', 'kv-window'];

export function stateTopology(variant: StateVariant, inputTopic: string, outputTopic: string): Topology {
  const builder = new TopologyBuilder();
  const input = builder.stream<string, Reading>(inputTopic, { key: requiredStringSerde, value: readingSerde });
  const out = { key: requiredStringSerde, value: aggregateSerde };
  if (variant === 'stateless') {
    input.mapValues((r) => first(r), 'one-reading').to(outputTopic, out);
    return builder.build();
  }
  builder.addStateStore(keyValueStore(AGGREGATE_STORE, { key: requiredStringSerde, value: aggregateSerde }));
  const withWindow = variant === 'kv-window';
  const minutes = TimeWindows.of(60_000);
  if (withWindow) builder.addStateStore(windowStore(MINUTE_STORE, { key: requiredStringSerde, value: aggregateSerde }, minutes));
  input
    .process<string, Aggregate>(
      () => {
        let context: ProcessorContext<string, Aggregate>;
        return {
          init: (c) => void (context = c),
          process: async (record) => {
            const store = context.getKeyValueStore<string, Aggregate>(AGGREGATE_STORE);
            const before = await store.get(record.key);
            const next = before ? add(before, record.value) : first(record.value);
            await store.put(record.key, next);
            if (withWindow) {
              const minute = context.getWindowStore<string, Aggregate>(MINUTE_STORE);
              const [window] = minutes.windowsFor(record.timestamp);
              const inWindow = await minute.get(record.key, window!.start);
              await minute.put(record.key, window!.start, inWindow ? add(inWindow, record.value) : first(record.value));
            }
            context.forward({ key: record.key, value: next });
          },
        };
      },
      { name: 'aggregate', stores: withWindow ? [AGGREGATE_STORE, MINUTE_STORE] : [AGGREGATE_STORE] },
    )
    .to(outputTopic, out);
  return builder.build();
}
