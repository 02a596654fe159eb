import { describe, expect, it } from 'vitest';
import { changelogTopicName, changelogTopicSpec } from './changelog-topics.js';

describe('changelog topics', () => {
  it('are named <applicationId>-<storeName>-changelog', () => {
    expect(changelogTopicName('my-app', 'counts')).toBe('my-app-counts-changelog');
  });

  it.each([
    ['', 'counts', /applicationId may hold only/],
    ['app', 'a/b', /storeName may hold only/],
    ['a'.repeat(200), 'b'.repeat(50), /longer than 249/],
  ])('refuse a name Kafka would refuse (%#)', (app, store, message) => {
    expect(() => changelogTopicName(app, store)).toThrow(message);
  });

  it('are compacted, with the source partition count, whatever extra config says', () => {
    expect(
      changelogTopicSpec({ applicationId: 'app', storeName: 's', partitions: 6, config: { 'cleanup.policy': 'delete', 'min.insync.replicas': '2' } }),
    ).toEqual({
      topic: 'app-s-changelog',
      numPartitions: 6,
      replicationFactor: -1,
      configEntries: [
        { name: 'cleanup.policy', value: 'compact' },
        { name: 'min.insync.replicas', value: '2' },
      ],
    });
  });

  it('refuse a partition count below 1', () => {
    expect(() => changelogTopicSpec({ applicationId: 'app', storeName: 's', partitions: 0 })).toThrow(/store s: partitions must be/);
  });
});
