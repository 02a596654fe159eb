/** The simulator's `send` over a KafkaJS producer: keyed by device id, acknowledged by every in-sync replica. */
import { Partitioners, type Kafka, type Producer } from 'kafkajs';
import type { SimulatedMessage } from './simulator.js';

export interface ReadingProducer {
  send(messages: readonly SimulatedMessage[]): Promise<void>;
  disconnect(): Promise<void>;
}

export async function connectReadingProducer(kafka: Kafka, topic: string): Promise<ReadingProducer> {
  // The Java client's partitioner: a device's readings land where any other Kafka client would put them.
  const producer: Producer = kafka.producer({ allowAutoTopicCreation: false, idempotent: true, createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  return {
    send: async (messages) => {
      await producer.send({ topic, acks: -1, messages: messages.map((m) => ({ key: m.key, value: m.value, timestamp: String(m.timestamp) })) });
    },
    disconnect: () => producer.disconnect(),
  };
}
