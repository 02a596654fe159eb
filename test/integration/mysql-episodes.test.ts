import type { Knex } from 'knex';
import { sampleEpisode } from '../../sinks/testing/episode-fixtures.js';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { DeviceSilence, TempAlertEpisode } from '../../schemas/index.js';
import { createKnex, migrate, MysqlEpisodeStore, MysqlMinuteRollupSink, MysqlSilenceStore, type MinuteRollupRecord } from '../../sinks/index.js';
import { SinkError } from '../../topology/index.js';
import { throughBatchingSink } from '../support/batching-sink-fates.js';
import { uniqueName } from '../support/names.js';
import { createTestDatabase, type TestDatabase } from '../support/pipeline-env.js';

/** The episode, silence and rollup tables on the real server (MariaDB in the stack): idempotence and ordering as the consumer relies on them. */
const OPENED_AT = Date.UTC(2026, 3, 1, 8, 0, 0);
const MINUTE = 60_000;

const episode = (deviceId: string, event: 'OPENED' | 'RESOLVED', fields: Partial<TempAlertEpisode> = {}): TempAlertEpisode =>
  sampleEpisode(deviceId, event, OPENED_AT, fields);

const silence = (deviceId: string, event: 'SILENT' | 'BACK'): DeviceSilence => ({
  deviceId,
  event,
  lastSeenAt: OPENED_AT,
  detectedAt: OPENED_AT + (event === 'SILENT' ? MINUTE : 5 * MINUTE),
  silenceMs: MINUTE,
});

let nextOffset = 0;
const rollup = (deviceId: string, minute: number, count = 3, mean = 70.25): MinuteRollupRecord => ({
  key: { key: deviceId, window: { start: OPENED_AT + minute * MINUTE, end: OPENED_AT + (minute + 1) * MINUTE } },
  value: { count, min: 68, max: 72.5, mean },
  headers: {},
  timestamp: OPENED_AT + (minute + 1) * MINUTE,
  source: { topic: 'temperature-readings', partition: 0, offset: String(nextOffset++) },
});

describe('episode, silence and rollup tables on the real server', () => {
  const stack = inject('stack');
  let db: TestDatabase;
  let knex: Knex;

  beforeAll(async () => {
    db = await createTestDatabase(stack, uniqueName('episodes'));
    knex = createKnex(db.url, { pool: { max: 2 } });
    await migrate(knex);
  });

  afterAll(async () => {
    await knex?.destroy();
    await db?.drop();
  });

  const episodeRows = async (deviceId: string) =>
    (await knex('temp_alert_episode')
      .select(
        'episode_id',
        'status',
        'resolved_at',
        'peak_temperature_f',
        'last_temperature_f',
        'readings',
        'duration_ms',
        'notified_opened_at',
        'notified_resolved_at',
        'notify_status',
        'notify_error',
      )
      .where('device_id', deviceId)) as Record<string, unknown>[];

  describe('MysqlEpisodeStore', () => {
    it('stores a redelivered OPENED once, moves it to RESOLVED, and an OPENED arriving after leaves it RESOLVED', async () => {
      const store = new MysqlEpisodeStore(knex);
      expect(await store.record([episode('e-1', 'OPENED'), episode('e-1', 'OPENED')])).toEqual([episode('e-1', 'OPENED')]);
      await store.markNotified([episode('e-1', 'OPENED')]);
      expect(await store.record([episode('e-1', 'OPENED')])).toEqual([]);
      expect(await store.record([episode('e-1', 'RESOLVED')])).toEqual([episode('e-1', 'RESOLVED')]);
      await store.markNotified([episode('e-1', 'RESOLVED')]);
      expect(await store.record([episode('e-1', 'RESOLVED'), episode('e-1', 'OPENED')])).toEqual([]);
      const rows = await episodeRows('e-1');
      expect(rows).toEqual([
        expect.objectContaining({
          status: 'RESOLVED',
          resolved_at: '2026-04-01 08:00:50.000',
          peak_temperature_f: 131,
          last_temperature_f: 110,
          readings: 5,
          duration_ms: '50000',
          notify_status: 'notified',
          notify_error: null,
        }),
      ]);
      expect(rows[0]!.notified_opened_at).not.toBeNull();
      expect(rows[0]!.notified_resolved_at).not.toBeNull();
    });

    it('keeps the first resolution: a second, different RESOLVED of the same episode changes nothing', async () => {
      const store = new MysqlEpisodeStore(knex);
      await store.record([episode('e-2', 'OPENED')]);
      await store.record([episode('e-2', 'RESOLVED')]);
      await store.record([episode('e-2', 'RESOLVED', { readings: 99, lastTemperatureF: 1, resolvedAt: OPENED_AT + 99_000, durationMs: 99_000 })]);
      expect(await episodeRows('e-2')).toEqual([expect.objectContaining({ status: 'RESOLVED', readings: 5, last_temperature_f: 110, duration_ms: '50000' })]);
    });

    it('inserts an episode resolved when its OPENED was never stored, and ends RESOLVED when both arrive in one batch in either order', async () => {
      const store = new MysqlEpisodeStore(knex);
      expect(await store.record([episode('e-3', 'RESOLVED')])).toEqual([episode('e-3', 'RESOLVED')]);
      expect(await episodeRows('e-3')).toEqual([expect.objectContaining({ status: 'RESOLVED', readings: 5 })]);
      expect(await store.record([episode('e-4', 'RESOLVED'), episode('e-4', 'OPENED')])).toEqual([episode('e-4', 'RESOLVED'), episode('e-4', 'OPENED')]);
      expect(await episodeRows('e-4')).toEqual([expect.objectContaining({ status: 'RESOLVED', resolved_at: '2026-04-01 08:00:50.000', readings: 5 })]);
    });

    it('records a notification given up on with its event, and still hands back the other event', async () => {
      const store = new MysqlEpisodeStore(knex);
      await store.record([episode('e-5', 'OPENED')]);
      await store.markFailed([{ event: episode('e-5', 'OPENED'), error: 'webhook at hooks.example answered 404' }]);
      expect(await store.record([episode('e-5', 'OPENED')])).toEqual([]);
      expect(await store.record([episode('e-5', 'RESOLVED')])).toEqual([episode('e-5', 'RESOLVED')]);
      await store.markNotified([episode('e-5', 'RESOLVED')]);
      expect(await episodeRows('e-5')).toEqual([
        expect.objectContaining({ status: 'RESOLVED', notify_status: 'failed', notify_error: 'OPENED: webhook at hooks.example answered 404' }),
      ]);
    });

    it('binds hostile text as data', async () => {
      const store = new MysqlEpisodeStore(knex);
      const nasty = "e'; DROP TABLE temp_alert_episode; --";
      await store.record([episode(nasty, 'OPENED')]);
      expect((await episodeRows(nasty)).map((r) => r.episode_id)).toEqual([`${nasty}/${OPENED_AT}/HIGH`]);
    });
  });

  describe('MysqlSilenceStore', () => {
    it('stores SILENT and BACK once each, hands back only those not told, and marks them', async () => {
      const store = new MysqlSilenceStore(knex);
      expect(await store.record([silence('s-1', 'SILENT'), silence('s-1', 'SILENT')])).toEqual([silence('s-1', 'SILENT')]);
      await store.markNotified([silence('s-1', 'SILENT')]);
      expect(await store.record([silence('s-1', 'SILENT'), silence('s-1', 'BACK')])).toEqual([silence('s-1', 'BACK')]);
      await store.markFailed([{ event: silence('s-1', 'BACK'), error: 'webhook down' }]);
      expect(await store.record([silence('s-1', 'BACK')])).toEqual([]);
      const rows = (await knex('device_silence').select('event', 'notify_status', 'notify_error').where('device_id', 's-1').orderBy('id')) as unknown[];
      expect(rows).toEqual([
        { event: 'SILENT', notify_status: 'notified', notify_error: null },
        { event: 'BACK', notify_status: 'failed', notify_error: 'webhook down' },
      ]);
    });
  });

  describe('MysqlMinuteRollupSink', () => {
    const rollupRows = async (deviceId: string) =>
      (await knex('temperature_minute')
        .select('window_start', 'window_end', 'readings', 'min_f', 'max_f', 'mean_f')
        .where('device_id', deviceId)
        .orderBy('window_start')) as unknown[];

    it('stores a window emitted twice once (the first stays) and counts it as already present', async () => {
      const sink = new MysqlMinuteRollupSink(knex);
      await sink.write([rollup('r-1', 0), rollup('r-1', 1), rollup('r-1', 0)]);
      await sink.write([rollup('r-1', 1, 9, 1)]);
      expect(await rollupRows('r-1')).toEqual([
        { window_start: '2026-04-01 08:00:00.000', window_end: '2026-04-01 08:01:00.000', readings: 3, min_f: 68, max_f: 72.5, mean_f: 70.25 },
        { window_start: '2026-04-01 08:01:00.000', window_end: '2026-04-01 08:02:00.000', readings: 3, min_f: 68, max_f: 72.5, mean_f: 70.25 },
      ]);
      expect(sink.counters).toEqual({ stored: 2, alreadyPresent: 2, rejected: 0, batches: 2 });
    });

    it('refuses a poison rollup alone, through the batching sink, and stores the rest of its batch', async () => {
      const sink = new MysqlMinuteRollupSink(knex);
      const fates = await throughBatchingSink(sink, [rollup('r-2', 0), rollup('r-2', 1, 3, Number.NaN), rollup('r-2', 2)]);
      expect(fates[0]).toBe('written');
      expect(fates[2]).toBe('written');
      expect(fates[1]).toBeInstanceOf(SinkError);
      expect((fates[1] as SinkError).message).toMatch(/mean NaN is not a finite number/);
      expect(await rollupRows('r-2')).toHaveLength(2);
    });
  });
});
