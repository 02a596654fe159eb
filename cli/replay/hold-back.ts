/** `replay --no-dlq`: the engine still routes rule-breaking records to their DLQ topic, and this drops them there. */
import type { OutputProducer } from '../../topology/index.js';

export function holdBackTopics(producer: OutputProducer, topics: readonly string[]): OutputProducer {
  const held = new Set(topics);
  return {
    send: (topic, messages) => (held.has(topic) ? Promise.resolve() : producer.send(topic, messages)),
    isTransient: producer.isTransient?.bind(producer),
    isRecordTooLarge: producer.isRecordTooLarge?.bind(producer),
  };
}
