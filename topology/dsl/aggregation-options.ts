import type { DropObserver } from '../processor/dropped-record.js';
import type { EmitStrategy } from '../processor/window-aggregate-processor.js';
import { jsonSerde } from '../serdes/json.js';
import type { Serde } from '../serdes/serde.js';

/** Options of `count`, `reduce` and `aggregate` on a grouped stream. */
export interface AggregationOptions<K, VR> {
  /**
   * The state store's name, which also names its changelog topic (`<applicationId>-<name>-changelog`)
   * and, unless `nodeName` is given, the node. Name it: the default is derived from the node's
   * position in the topology, so adding a node before it would rename the changelog and lose the state.
   */
  readonly name?: string;
  readonly nodeName?: string;
  /** The store's key serde. Default: JSON (canonical; refuses values JSON cannot read back). */
  readonly keySerde?: Serde<K>;
  /** The store's value serde, for the aggregate. Default: JSON, as for the key. */
  readonly valueSerde?: Serde<VR>;
  /** Told of each record dropped without an update (null key or value, late): count or log them here. */
  readonly onDrop?: DropObserver;
}

/** Options of a windowed aggregation. */
export interface WindowedAggregationOptions<K, VR> extends AggregationOptions<K, VR> {
  /** `each-update` (default, as Kafka Streams) or `on-window-close`: one final result per window. */
  readonly emit?: EmitStrategy;
  /**
   * Moves stream time on with the wall clock while a partition is quiet, checked every this many
   * milliseconds, so that its last windows still close (see window-aggregate-processor.ts). Off by default.
   */
  readonly wallClockAdvanceMs?: number;
}

export interface ResolvedAggregation<K, VR> {
  readonly storeName: string;
  readonly nodeName: string;
  readonly keySerde: Serde<K>;
  readonly valueSerde: Serde<VR>;
}

/** Fills the defaults: `autoName` is the builder's name for the node about to be added. */
export function resolveAggregation<K, VR>(options: AggregationOptions<K, VR>, autoName: string): ResolvedAggregation<K, VR> {
  const nodeName = options.nodeName ?? options.name ?? autoName;
  return {
    nodeName,
    storeName: options.name ?? `${nodeName}-store`,
    keySerde: options.keySerde ?? jsonSerde<K>(),
    valueSerde: options.valueSerde ?? jsonSerde<VR>(),
  };
}
