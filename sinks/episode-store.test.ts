import { describe, expect, it } from 'vitest';
import { sampleEpisode } from './testing/episode-fixtures.js';
import type { DeviceSilence, TempAlertEpisode } from '../schemas/index.js';
import { episodeRowProblems } from './episode-row.js';
import { MysqlEpisodeStore } from './mysql-episode-store.js';
import { silenceRowProblems } from './silence-row.js';
import { fakeKnex, insertResult } from './testing/fake-knex.js';
import { InMemoryEpisodeStore } from './testing/in-memory-episode-store.js';
import { InMemorySilenceStore } from './testing/in-memory-silence-store.js';

const OPENED_AT = Date.UTC(2026, 0, 1, 10);
const episode = (deviceId: string, event: 'OPENED' | 'RESOLVED', fields: Partial<TempAlertEpisode> = {}): TempAlertEpisode =>
  sampleEpisode(deviceId, event, OPENED_AT, fields);
const silence = (deviceId: string, event: 'SILENT' | 'BACK'): DeviceSilence => ({
  deviceId,
  event,
  lastSeenAt: OPENED_AT,
  detectedAt: OPENED_AT + (event === 'SILENT' ? 60_000 : 90_000),
  silenceMs: 60_000,
});

describe('InMemoryEpisodeStore', () => {
  it('stores an episode once per id, resolves it, and never moves it back to OPEN', async () => {
    const store = new InMemoryEpisodeStore();
    expect(await store.record([episode('a', 'OPENED'), episode('a', 'OPENED')])).toEqual([episode('a', 'OPENED')]);
    await store.markNotified([episode('a', 'OPENED')]);
    expect(await store.record([episode('a', 'OPENED')])).toEqual([]); // redelivered after it was told
    expect(await store.record([episode('a', 'RESOLVED')])).toEqual([episode('a', 'RESOLVED')]);
    await store.markNotified([episode('a', 'RESOLVED')]);
    expect(await store.record([episode('a', 'OPENED'), episode('a', 'RESOLVED')])).toEqual([]);
    expect(store.episodes).toEqual([{ episode: episode('a', 'RESOLVED'), status: 'RESOLVED', opened: 'notified', resolved: 'notified' }]);
  });

  it('inserts an episode resolved when its OPENED was never stored, and tells both events of one batch in order', async () => {
    const store = new InMemoryEpisodeStore();
    expect(await store.record([episode('b', 'RESOLVED')])).toEqual([episode('b', 'RESOLVED')]);
    expect(store.episodes[0]!.status).toBe('RESOLVED');
    expect(await store.record([episode('c', 'OPENED'), episode('c', 'RESOLVED')])).toEqual([episode('c', 'OPENED'), episode('c', 'RESOLVED')]);
  });
});

describe('MysqlEpisodeStore', () => {
  it('inserts OPENED with INSERT IGNORE, resolves with an upsert that changes only rows still OPEN, and hands back the events not told yet', async () => {
    const db = fakeKnex((sql) =>
      sql.startsWith('SELECT')
        ? [
            [
              { episode_id: `a/${OPENED_AT}/HIGH`, status: 'RESOLVED', notified_opened_at: '2026-01-01 10:00:01.000', notified_resolved_at: null },
              { episode_id: `b/${OPENED_AT}/HIGH`, status: 'OPEN', notified_opened_at: null, notified_resolved_at: null },
            ],
            [],
          ]
        : insertResult(1),
    );
    const store = new MysqlEpisodeStore(db.knex, () => OPENED_AT + 60_000);
    const due = await store.record([episode('a', 'RESOLVED'), episode('a', 'OPENED'), episode('b', 'OPENED'), episode('b', 'OPENED')]);
    expect(due).toEqual([episode('a', 'RESOLVED'), episode('b', 'OPENED')]);
    expect(db.calls.map((c) => [c.sql.split(' (')[0], c.inTransaction])).toEqual([
      ['INSERT IGNORE INTO `temp_alert_episode`', true],
      ['INSERT INTO `temp_alert_episode`', true],
      ['SELECT episode_id, status, notified_opened_at, notified_resolved_at FROM `temp_alert_episode` WHERE episode_id IN', true],
    ]);
    expect(db.calls[0]!.sql).toContain(
      `VALUES ('a/${OPENED_AT}/HIGH', 'a', 'HIGH', 'OPEN', '2026-01-01 10:00:00.000', NULL, 125, 125, 125, 1, 0, 40, 120, 2, `,
    );
    expect(db.calls[0]!.sql).toContain(`('b/${OPENED_AT}/HIGH', 'b'`);
    expect(db.calls[1]!.sql).toContain(
      `VALUES ('a/${OPENED_AT}/HIGH', 'a', 'HIGH', 'RESOLVED', '2026-01-01 10:00:00.000', '2026-01-01 10:00:50.000', 125, 131, 110, 5, 50000,`,
    );
    expect(db.calls[1]!.sql).toMatch(
      /ON DUPLICATE KEY UPDATE `resolved_at` = IF\(status = 'OPEN', VALUES\(`resolved_at`\), `resolved_at`\), .*`updated_at` = IF\(status = 'OPEN', VALUES\(`updated_at`\), `updated_at`\), status = 'RESOLVED'$/,
    );
    expect(db.outcomes).toEqual(['commit']);
  });

  it('marks each event told in its own column and keeps a failure visible in notify_status', async () => {
    const db = fakeKnex(() => insertResult(1));
    const store = new MysqlEpisodeStore(db.knex, () => OPENED_AT);
    await store.markNotified([episode('a', 'OPENED'), episode('b', 'RESOLVED')]);
    await store.markFailed([{ event: episode('c', 'RESOLVED'), error: 'webhook answered 404' }]);
    expect(db.calls.map((c) => [c.sql, c.bindings])).toEqual([
      [
        'UPDATE `temp_alert_episode` SET `notified_opened_at` = ?, notify_status = IF(notify_status = ?, notify_status, ?) WHERE `notified_opened_at` IS NULL AND episode_id IN (?)',
        ['2026-01-01 10:00:00.000', 'failed', 'notified', `a/${OPENED_AT}/HIGH`],
      ],
      [
        'UPDATE `temp_alert_episode` SET `notified_resolved_at` = ?, notify_status = IF(notify_status = ?, notify_status, ?) WHERE `notified_resolved_at` IS NULL AND episode_id IN (?)',
        ['2026-01-01 10:00:00.000', 'failed', 'notified', `b/${OPENED_AT}/HIGH`],
      ],
      [
        'UPDATE `temp_alert_episode` SET `notified_resolved_at` = ?, notify_status = ?, notify_error = ? WHERE `notified_resolved_at` IS NULL AND (`episode_id`) IN ((?))',
        ['2026-01-01 10:00:00.000', 'failed', 'RESOLVED: webhook answered 404', `c/${OPENED_AT}/HIGH`],
      ],
    ]);
  });
});

describe('episodeRowProblems', () => {
  it('accepts a well-formed event', () => {
    expect(episodeRowProblems(episode('a', 'OPENED'))).toEqual([]);
    expect(episodeRowProblems(episode('a', 'RESOLVED'))).toEqual([]);
  });

  it.each([
    ['a NaN peak', { peakTemperatureF: Number.NaN }, /peakTemperatureF NaN is not a finite number/],
    ['an id of another device', { episodeId: `b/${OPENED_AT}/HIGH` }, /is not <deviceId>\/<openedAt>\/<direction> of this event/],
    ['an id too long', { episodeId: `a/${'9'.repeat(200)}/HIGH` }, /episodeId must be 1 to 200 characters/],
    ['a RESOLVED without resolvedAt', { event: 'RESOLVED', resolvedAt: null }, /resolvedAt null is not a storable time/],
    ['no readings', { readings: 0 }, /readings 0 is not a count/],
    ['a negative duration', { durationMs: -1 }, /durationMs -1 is not a duration/],
  ] as const)('names %s', (_what, fields, problem) => {
    expect(episodeRowProblems(episode('a', 'OPENED', fields as Partial<TempAlertEpisode>)).join('; ')).toMatch(problem);
  });
});

describe('device silence', () => {
  it('is stored once per device, event and last-seen time, and told once', async () => {
    const store = new InMemorySilenceStore();
    expect(await store.record([silence('a', 'SILENT'), silence('a', 'SILENT')])).toEqual([silence('a', 'SILENT')]);
    await store.markNotified([silence('a', 'SILENT')]);
    expect(await store.record([silence('a', 'SILENT'), silence('a', 'BACK')])).toEqual([silence('a', 'BACK')]);
    expect(store.events).toHaveLength(2);
  });

  it('names what the table cannot hold', () => {
    expect(silenceRowProblems(silence('a', 'SILENT'))).toEqual([]);
    expect(silenceRowProblems({ ...silence('', 'BACK'), silenceMs: Number.NaN })).toEqual([
      'deviceId must be 1 to 64 characters',
      'silenceMs NaN is not a duration',
    ]);
  });
});
