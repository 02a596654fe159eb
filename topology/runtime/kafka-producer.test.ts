import type { Producer, ProducerBatch } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { kafkaOutputProducer } from './kafka-producer.js';

/** A KafkaJS producer whose requests are acknowledged when the test says so. */
function fakeProducer() {
  const requests: { batch: ProducerBatch; ack(): void }[] = [];
  const producer = {
    sendBatch: (batch: ProducerBatch) => new Promise((resolve) => requests.push({ batch, ack: () => resolve([]) })),
  } as unknown as Producer;
  return { producer, requests };
}

const message = (value: string) => ({ key: null, value: Buffer.from(value) });
const flush = async () => {
  for (let i = 0; i < 10; i++) await Promise.resolve();
};

describe('kafkaOutputProducer', () => {
  it('sends what several topics handed over during a request in one produce request, every in-sync replica acknowledging', async () => {
    const { producer, requests } = fakeProducer();
    const out = kafkaOutputProducer(producer);
    const first = out.send('out-a', [message('1')]);
    await flush();
    const later = [out.send('out-b', [message('2')]), out.send('out-dlq', [message('3')]), out.send('out-a', [message('4')])];
    await flush();
    expect(requests).toHaveLength(1);
    requests[0]!.ack();
    await first;
    await flush();
    expect(requests).toHaveLength(2);
    expect(requests[1]!.batch.acks).toBe(-1);
    expect(requests[1]!.batch.topicMessages!.map((t) => [t.topic, t.messages.map((m) => String(m.value))])).toEqual([
      ['out-b', ['2']],
      ['out-dlq', ['3']],
      ['out-a', ['4']],
    ]);
    requests[1]!.ack();
    await Promise.all(later);
    expect(requests).toHaveLength(2);
  });
});
