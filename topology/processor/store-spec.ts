/**
 * Declared state stores: what `TopologyBuilder.addStateStore()` records and the runtime builds,
 * one instance per task, each backed by the changelog topic `<applicationId>-<name>-changelog`.
 */
import type { Serde } from '../serdes/serde.js';
import type { TimeWindows } from '../state/time-windows.js';
import type { InMemoryWindowStore } from '../state/window-store.js';

/** A window store as a processor uses it (the in-memory one is the only kind for now). */
export type WindowStore<K, V> = Pick<
  InMemoryWindowStore<K, V>,
  | 'name'
  | 'put'
  | 'delete'
  | 'get'
  | 'getNow'
  | 'putNow'
  | 'fetch'
  | 'closedWindows'
  | 'anyClosed'
  | 'expire'
  | 'latestWindowStart'
  | 'approximateNumEntries'
  | 'approximateBytes'
>;

export type StoreSpec =
  | {
      readonly kind: 'key-value';
      readonly name: string;
      readonly keySerde: Serde<unknown>;
      readonly valueSerde: Serde<unknown>;
    }
  | {
      readonly kind: 'window';
      readonly name: string;
      readonly keySerde: Serde<unknown>;
      readonly valueSerde: Serde<unknown>;
      readonly windows: TimeWindows;
      /** How long a window is kept after it starts; default and minimum size + grace. */
      readonly retentionMs?: number;
    };

export function keyValueStore<K, V>(name: string, serdes: { key: Serde<K>; value: Serde<V> }): StoreSpec {
  return { kind: 'key-value', name, keySerde: serdes.key, valueSerde: serdes.value };
}

export function windowStore<K, V>(name: string, serdes: { key: Serde<K>; value: Serde<V> }, windows: TimeWindows, retentionMs?: number): StoreSpec {
  return { kind: 'window', name, keySerde: serdes.key, valueSerde: serdes.value, windows, retentionMs };
}
