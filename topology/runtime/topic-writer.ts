import type { TerminalSpec } from '../dsl/graph.js';
import type { BatchingOptions, BatchWriter } from '../dsl/sink-contract.js';
import { ProductionError, TopologyError, TransientError, errorMessage } from '../errors.js';
import type { StreamRecord } from '../records.js';
import type { OutputProducer, ProducedMessage } from './output-producer.js';

type TopicTerminal = Extract<TerminalSpec, { kind: 'topic' }>;

/** Counts what a topic writer produced, for metrics. */
export interface ProducedObserver {
  produced?(topic: string, count: number): void;
}

/**
 * A `to()` terminal's writer: serializes records for one output topic and produces them in one
 * request. A record that cannot be serialized is refused alone (it goes to the DLQ); a produce
 * failure is transient or not as the producer says.
 */
export class TopicWriter implements BatchWriter<StreamRecord<unknown, unknown>> {
  readonly name: string;
  constructor(
    private readonly topic: string,
    private readonly keySerde: TopicTerminal['keySerde'],
    private readonly valueSerde: TopicTerminal['valueSerde'],
    private readonly producer: OutputProducer,
    private readonly observer: ProducedObserver,
  ) {
    this.name = `topic ${topic}`;
  }

  sizeOf(record: StreamRecord<unknown, unknown>): number {
    return 256 + (Buffer.isBuffer(record.value) ? record.value.length : 0);
  }

  async write(batch: readonly StreamRecord<unknown, unknown>[]) {
    const rejected = new Map<number, TopologyError>();
    const messages: ProducedMessage[] = [];
    for (const [index, record] of batch.entries()) {
      try {
        messages.push({
          key: await this.keySerde.serialize(record.key, this.topic),
          value: await this.valueSerde.serialize(record.value, this.topic),
          headers: record.headers,
          timestamp: record.timestamp,
        });
      } catch (err) {
        if (err instanceof TransientError) throw err;
        rejected.set(
          index,
          err instanceof TopologyError ? err : new ProductionError(`cannot serialize for ${this.topic}: ${errorMessage(err)}`, { cause: err }),
        );
      }
    }
    if (messages.length > 0) {
      try {
        await this.producer.send(this.topic, messages);
      } catch (err) {
        if (this.producer.isTransient?.(err)) throw new TransientError(`producing to ${this.topic}: ${errorMessage(err)}`, { cause: err });
        throw new ProductionError(`producing to ${this.topic}: ${errorMessage(err)}`, { cause: err });
      }
      this.observer.produced?.(this.topic, messages.length);
    }
    return { rejected };
  }
}

/** Batching defaults for `to()` terminals and the DLQ: a short linger, since a person may be waiting for the output. */
export const DEFAULT_TOPIC_BATCHING: Partial<BatchingOptions> = { lingerMs: 5, maxRecords: 500 };
