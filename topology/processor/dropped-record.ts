/**
 * Why an aggregation let a record go without changing its state, as Kafka Streams' `dropped-records`
 * metric counts them: a null key or value (nothing to group or fold), or a record late for every window.
 */
export type DropReason = 'null-key' | 'null-value' | 'late-record';

export interface DroppedRecord {
  readonly reason: DropReason;
  /** The aggregation node. */
  readonly node: string;
  readonly partition: number;
  readonly timestamp: number;
  /** The stream time the record was judged at (for a late record: past the close of its last window). */
  readonly streamTime: number | undefined;
}

/** Called for each dropped record: where a user counts (a metric) or logs them; the record is not failed. */
export type DropObserver = (dropped: DroppedRecord) => void;

/** The aggregation step: the new aggregate of `key` from the record's value and the previous one (undefined for the key's first). */
export type Fold<K, V, VR> = (key: K, value: V, previous: VR | undefined) => VR;

export const isMissing = (x: unknown): x is null | undefined => x === null || x === undefined;
