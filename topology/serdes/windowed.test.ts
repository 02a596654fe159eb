import { describe, expect, it } from 'vitest';
import { requiredStringSerde } from './basic.js';
import { timeWindowedSerde } from './windowed.js';

describe('timeWindowedSerde', () => {
  const serde = timeWindowedSerde(requiredStringSerde, 60_000);

  it("writes Kafka Streams' format: the key's bytes, then the window start as 8 bytes big-endian", async () => {
    const bytes = (await serde.serialize({ key: 'k1', window: { start: 120_000, end: 180_000 } }, 't'))!;
    expect(bytes.toString('hex')).toBe(Buffer.from('k1').toString('hex') + '000000000001d4c0');
    expect(await serde.deserialize(bytes, 't')).toEqual({ key: 'k1', window: { start: 120_000, end: 180_000 } });
  });

  it('refuses bytes too short to hold a window start', async () => {
    await expect(serde.deserialize(Buffer.from('abc'), 't')).rejects.toThrow(/at least 8 bytes/);
  });
});
