import { describe, expect, it } from 'vitest';
import type { OutputProducer, ProducedMessage } from '../../topology/index.js';
import { holdBackTopics } from './hold-back.js';

describe('holdBackTopics', () => {
  it('drops what goes to a held-back topic and passes the rest', async () => {
    const sent: string[] = [];
    const producer: OutputProducer = { send: (topic) => Promise.resolve(void sent.push(topic)), isTransient: () => true };
    const held = holdBackTopics(producer, ['t-dlq']);
    const message: ProducedMessage = { key: null, value: Buffer.from('x') };
    await held.send('t-dlq', [message]);
    await held.send('alerts', [message]);
    expect(sent).toEqual(['alerts']);
    expect(held.isTransient?.(new Error('x'))).toBe(true);
  });
});
