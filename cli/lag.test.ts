import type { Admin } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { lagOf, readConsumerLag } from './lag.js';

describe('lagOf', () => {
  it('is the distance from the committed offset to the high watermark', () => {
    expect(lagOf('40', { partition: 0, low: '0', high: '100' })).toBe(60);
    expect(lagOf('100', { partition: 0, low: '0', high: '100' })).toBe(0);
  });

  it('counts everything still in the log when nothing was committed', () => {
    expect(lagOf('-1', { partition: 0, low: '30', high: '100' })).toBe(70);
  });

  it('is never negative (a commit can race a truncation)', () => {
    expect(lagOf('120', { partition: 0, low: '0', high: '100' })).toBe(0);
  });
});

describe('readConsumerLag', () => {
  it('pairs committed offsets with each partition end', async () => {
    const admin = {
      fetchOffsets: () => Promise.resolve([{ topic: 't', partitions: [{ partition: 0, offset: '5', metadata: null }] }]),
      fetchTopicOffsets: () =>
        Promise.resolve([
          { partition: 0, offset: '9', high: '9', low: '0' },
          { partition: 1, offset: '4', high: '4', low: '1' },
        ]),
    } as unknown as Admin;
    expect(await readConsumerLag(admin, 'g', ['t'])).toEqual([
      { topic: 't', partition: 0, lag: 4 },
      { topic: 't', partition: 1, lag: 3 },
    ]);
  });
});
