/** Where a record was read from: the unit of progress the runtime commits. */
export interface SourcePosition {
  readonly topic: string;
  readonly partition: number;
  /** Kafka offsets are int64; kept as a decimal string, as KafkaJS does. */
  readonly offset: string;
}

export type HeaderMap = Readonly<Record<string, Buffer>>;

/** A record as it comes off the wire, before any serde has looked at it. */
export interface RawRecord extends SourcePosition {
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly headers: HeaderMap;
  /** Epoch milliseconds (the record's CreateTime or LogAppendTime). */
  readonly timestamp: number;
}

/** A typed record flowing through a topology. `source` is the input record it descends from. */
export interface StreamRecord<K, V> {
  readonly key: K;
  readonly value: V;
  readonly headers: HeaderMap;
  readonly timestamp: number;
  readonly source: SourcePosition;
}

/** A record bound for an output topic, before serialization. */
export interface OutputRecord<K, V> {
  readonly key: K;
  readonly value: V;
  readonly headers?: HeaderMap;
  readonly timestamp?: number;
}

export const positionLabel = (p: SourcePosition): string => `${p.topic}[${p.partition}]@${p.offset}`;
