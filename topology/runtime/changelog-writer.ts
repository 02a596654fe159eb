import type { BatchWriter } from '../dsl/sink-contract.js';
import type { HeaderMap } from '../records.js';
import type { OutputProducer, ProducedMessage } from './output-producer.js';

/** One store change on its way to the store's changelog partition (the task's partition). */
export interface ChangelogItem {
  readonly topic: string;
  readonly partition: number;
  readonly key: Buffer;
  /** null: a tombstone (the key was deleted). */
  readonly value: Buffer | null;
  readonly timestamp: number;
  readonly headers?: HeaderMap;
}

/**
 * Writes batches of store changes to their changelog topics through the engine's producer port: under
 * exactly-once they join the open transaction with the outputs and offsets. Run with one write at a
 * time, so changes reach each changelog partition in the order the stores made them.
 */
export class ChangelogWriter implements BatchWriter<ChangelogItem> {
  readonly name = 'changelog';

  constructor(private readonly producer: OutputProducer) {}

  async write(batch: readonly ChangelogItem[]): Promise<void> {
    const byTopic = new Map<string, ProducedMessage[]>();
    for (const item of batch) {
      let list = byTopic.get(item.topic);
      if (!list) byTopic.set(item.topic, (list = []));
      list.push({ key: item.key, value: item.value, timestamp: item.timestamp, partition: item.partition, headers: item.headers });
    }
    for (const [topic, messages] of byTopic) await this.producer.send(topic, messages);
  }

  isTransient(error: unknown): boolean {
    return this.producer.isTransient?.(error) ?? false;
  }

  sizeOf(item: ChangelogItem): number {
    return item.key.length + (item.value?.length ?? 0) + 64;
  }
}
