/**
 * The processor behind `groupByKey().count() / reduce() / aggregate()`: one aggregate per key in a
 * key-value store, updated by each record, and each update forwarded as (key, new aggregate), the
 * changes of a table (Kafka Streams' KTable with caching off).
 *
 * State is per task (input partition) and keyed by the record's key as it reaches this node: a key's
 * records must all come from one partition, which holds when the key is the input topic's key.
 */
import type { StreamRecord } from '../records.js';
import { isMissing, type DropObserver, type Fold } from './dropped-record.js';
import type { Processor, ProcessorContext, ProcessorSupplier } from './processor.js';
import type { KeyValueStore } from '../state/key-value-store.js';
import { andThen, type MaybeAsync } from './maybe-async.js';

export interface AggregateProcessorSpec<K, V, VR> {
  readonly node: string;
  readonly storeName: string;
  readonly fold: Fold<K, V, VR>;
  readonly onDrop?: DropObserver;
}

export function aggregateProcessor<K, V, VR>(spec: AggregateProcessorSpec<K, V, VR>): ProcessorSupplier<K, V, K, VR> {
  return () => new AggregateProcessor(spec);
}

class AggregateProcessor<K, V, VR> implements Processor<K, V, K, VR> {
  private context!: ProcessorContext<K, VR>;
  private store!: KeyValueStore<K, VR>;

  constructor(private readonly spec: AggregateProcessorSpec<K, V, VR>) {}

  init(context: ProcessorContext<K, VR>): void {
    this.context = context;
    this.store = context.getKeyValueStore<K, VR>(this.spec.storeName);
  }

  // Not an async function: with synchronous serdes a record is one synchronous step (getNow/putNow).
  process(record: StreamRecord<K, V>): MaybeAsync<void> {
    const { key, value } = record;
    // As Kafka Streams: a record with no key or no value has nothing to fold; it is dropped, not failed.
    if (isMissing(key) || isMissing(value)) {
      this.spec.onDrop?.({
        reason: isMissing(key) ? 'null-key' : 'null-value',
        node: this.spec.node,
        partition: this.context.partition,
        timestamp: record.timestamp,
        streamTime: this.context.streamTime,
      });
      return;
    }
    return andThen(this.store.getNow(key), (current) => {
      const aggregate = this.spec.fold(key, value, current);
      return andThen(this.store.putNow(key, aggregate), () => this.context.forward({ key, value: aggregate }));
    });
  }
}
