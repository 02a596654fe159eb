import type avro from 'avsc';
import { sampleEpisode } from '../sinks/testing/episode-fixtures.js';
import { describe, expect, it } from 'vitest';
import { avroRegistrySerde, stringSerde, type Logger } from '../topology/index.js';
import { TopologyTestDriver } from '../topology/testing/index.js';
import { InMemorySchemaRegistry } from '../schemas/testing/index.js';
import {
  deviceSilenceSchema,
  TOPICS,
  tempAlertEpisodeSchema,
  tempRangeAlertSchema,
  type DeviceSilence,
  type TempAlertEpisode,
  type TempRangeAlert,
} from '../schemas/index.js';
import { InMemoryAlertStore, InMemoryEpisodeStore, InMemorySilenceStore } from '../sinks/testing/index.js';
import { buildAlertConsumerTopology, type NotifyMode } from './alert-consumer.js';
import { logNotifier, WebhookError, type Notifier } from './notifiers/index.js';

const OPENED_AT = Date.UTC(2026, 0, 1, 10);
const episode = (deviceId: string, event: 'OPENED' | 'RESOLVED', fields: Partial<TempAlertEpisode> = {}): TempAlertEpisode =>
  sampleEpisode(deviceId, event, OPENED_AT, fields);
const alert = (deviceId: string, offset: number): TempRangeAlert => ({
  reading: { deviceId, readingTime: OPENED_AT + offset * 10_000, temperature: 125, unit: 'FAHRENHEIT' },
  rule: 'temp-range',
  direction: 'HIGH',
  temperatureFahrenheit: 125,
  bound: 120,
  minTemp: 40,
  maxTemp: 120,
  sourceTopic: TOPICS.readings,
  sourcePartition: 0,
  sourceOffset: String(offset),
});
const silence = (deviceId: string, event: 'SILENT' | 'BACK'): DeviceSilence => ({
  deviceId,
  event,
  lastSeenAt: OPENED_AT,
  detectedAt: OPENED_AT + (event === 'SILENT' ? 60_000 : 300_000),
  silenceMs: 60_000,
});

function recordingLogger() {
  const lines: { fields: Record<string, unknown>; message: string }[] = [];
  const log = (fields: object, message: string) => lines.push({ fields: fields as Record<string, unknown>, message });
  const logger: Logger = { debug: () => undefined, info: log, warn: log, error: log };
  return { logger, lines };
}

function setup(notifier: Notifier, notify?: NotifyMode, autoFlush = true) {
  const registry = InMemorySchemaRegistry.withPipelineSchemas();
  const stores = { store: new InMemoryAlertStore(), episodeStore: new InMemoryEpisodeStore(), silenceStore: new InMemorySilenceStore() };
  const consumer = buildAlertConsumerTopology({ registry, ...stores, notifier, notify, maxNotifyAttempts: 3 });
  const driver = new TopologyTestDriver(consumer.topology, { autoFlush });
  const alerts = driver.inputTopic(TOPICS.alerts, stringSerde, avroRegistrySerde<TempRangeAlert>({ registry, schema: tempRangeAlertSchema as avro.Schema }));
  const episodes = driver.inputTopic(
    TOPICS.episodes,
    stringSerde,
    avroRegistrySerde<TempAlertEpisode>({ registry, schema: tempAlertEpisodeSchema as avro.Schema }),
  );
  const silences = driver.inputTopic(TOPICS.silence, stringSerde, avroRegistrySerde<DeviceSilence>({ registry, schema: deviceSilenceSchema as avro.Schema }));
  return {
    ...stores,
    consumer,
    driver,
    sendAlert: (a: TempRangeAlert) => alerts.pipe(a.reading.deviceId, a),
    sendEpisode: (e: TempAlertEpisode) => episodes.pipe(e.deviceId, e),
    sendSilence: (s: DeviceSilence) => silences.pipe(s.deviceId, s),
  };
}

describe('alert consumer, episodes', () => {
  it('tells a person once when an episode opens and once when it resolves, not per reading nor per redelivery', async () => {
    const { logger, lines } = recordingLogger();
    const { store, episodeStore, consumer, driver, sendAlert, sendEpisode } = setup(logNotifier(logger), 'episodes');
    await sendEpisode(episode('oven-7', 'OPENED'));
    for (let i = 1; i <= 5; i++) await sendAlert(alert('oven-7', i));
    await sendEpisode(episode('oven-7', 'OPENED')); // redelivered
    await sendEpisode(episode('oven-7', 'RESOLVED'));
    await sendEpisode(episode('oven-7', 'RESOLVED')); // redelivered
    await sendEpisode(episode('oven-7', 'OPENED')); // an older event, redelivered late
    expect(lines.map((l) => l.message)).toEqual([
      'device oven-7 out of range since 2026-01-01T10:00:00.000Z: 125°F, above MAX_TEMP 120°F',
      'device oven-7 back in range at 2026-01-01T10:00:50.000Z: 110°F, after 50 s above MAX_TEMP 120°F (peak 131°F, 5 readings)',
    ]);
    expect(lines[0]!.fields).toMatchObject({ episode: 'OPENED', episodeId: `oven-7/${OPENED_AT}/HIGH`, deviceId: 'oven-7' });
    expect(episodeStore.episodes).toEqual([{ episode: episode('oven-7', 'RESOLVED'), status: 'RESOLVED', opened: 'notified', resolved: 'notified' }]);
    // Every alert is still stored, and none is told.
    expect(store.alerts).toHaveLength(5);
    expect(store.notified).toHaveLength(0);
    expect(consumer.episodeWriter?.counters).toEqual({ notified: 2, notifyFailures: 0, failedForGood: 0 });
    expect(consumer.writer.counters.notified).toBe(0);
    expect(driver.committedOffset(TOPICS.episodes)).toBe('5');
    driver.close();
  });

  it('per-reading: tells each alert as before and stores episode events without telling them', async () => {
    const { logger, lines } = recordingLogger();
    const { store, episodeStore, driver, sendAlert, sendEpisode } = setup(logNotifier(logger), 'per-reading');
    await sendEpisode(episode('oven-7', 'OPENED'));
    await sendAlert(alert('oven-7', 1));
    await sendAlert(alert('oven-7', 2));
    await sendEpisode(episode('oven-7', 'RESOLVED'));
    expect(lines.map((l) => l.message)).toEqual([
      'device oven-7 read 125°F at 2026-01-01T10:00:10.000Z, above MAX_TEMP 120°F',
      'device oven-7 read 125°F at 2026-01-01T10:00:20.000Z, above MAX_TEMP 120°F',
    ]);
    expect(store.notified).toHaveLength(2);
    expect(episodeStore.episodes.map((e) => [e.status, e.opened, e.resolved])).toEqual([['RESOLVED', undefined, undefined]]);
    driver.close();
  });

  it('dead-letters an episode event the table cannot hold, or cannot decode, to TempAlertEpisode-dlq and goes on', async () => {
    const { logger, lines } = recordingLogger();
    const { episodeStore, driver, sendEpisode } = setup(logNotifier(logger), 'episodes');
    await sendEpisode(episode('bad', 'OPENED', { peakTemperatureF: Number.NaN }));
    await driver.pipeRaw(TOPICS.episodes, Buffer.from('garbage'), Buffer.from('garbage'));
    await sendEpisode(episode('oven-7', 'OPENED'));
    const dead = driver.deadLetters(TOPICS.episodes, 'TempAlertEpisode-dlq');
    expect(dead.map((d) => [d.reason.errorClass, d.reason.rule])).toEqual([
      ['validation', 'storable-episode'],
      ['deserialization', undefined],
    ]);
    expect(dead[0]!.reason.errorMessage).toMatch(/peakTemperatureF NaN is not a finite number/);
    expect(episodeStore.episodes.map((e) => e.episode.deviceId)).toEqual(['oven-7']);
    expect(lines).toHaveLength(1);
    expect(driver.committedOffset(TOPICS.episodes)).toBe('3');
    driver.close();
  });

  it('records a notification refused for good on the episode with its event, and still tells the resolution', async () => {
    const told: string[] = [];
    const refusingOpenings: Notifier = {
      name: 'webhook',
      notify: (notice) => {
        if (notice.kind === 'episode' && notice.episode.event === 'OPENED')
          return Promise.reject(new WebhookError('webhook at hooks.example answered 404', false));
        told.push(notice.kind === 'episode' ? notice.episode.event : notice.kind);
        return Promise.resolve();
      },
    };
    const { episodeStore, consumer, driver, sendEpisode } = setup(refusingOpenings, 'episodes', false);
    await sendEpisode(episode('oven-7', 'OPENED'));
    await driver.advanceTime(20);
    await sendEpisode(episode('oven-7', 'OPENED')); // redelivered: settled, not tried again
    await sendEpisode(episode('oven-7', 'RESOLVED'));
    await driver.advanceTime(20);
    expect(told).toEqual(['RESOLVED']);
    expect(episodeStore.episodes).toEqual([
      expect.objectContaining({ status: 'RESOLVED', opened: 'failed', resolved: 'notified', error: 'OPENED: webhook at hooks.example answered 404' }),
    ]);
    expect(consumer.episodeWriter?.counters).toEqual({ notified: 1, notifyFailures: 1, failedForGood: 1 });
    driver.close();
  });
});

describe('alert consumer, silent devices', () => {
  it('tells once per SILENT and once per BACK, in both modes', async () => {
    for (const mode of ['episodes', 'per-reading'] as const) {
      const { logger, lines } = recordingLogger();
      const { silenceStore, driver, sendSilence } = setup(logNotifier(logger), mode);
      await sendSilence(silence('freezer-2', 'SILENT'));
      await sendSilence(silence('freezer-2', 'SILENT')); // redelivered
      await sendSilence(silence('freezer-2', 'BACK'));
      expect(lines.map((l) => l.message)).toEqual([
        'device freezer-2 silent: no reading since 2026-01-01T10:00:00.000Z (timeout 1 min)',
        'device freezer-2 reporting again at 2026-01-01T10:05:00.000Z, silent since 2026-01-01T10:00:00.000Z',
      ]);
      expect(silenceStore.notified).toHaveLength(2);
      driver.close();
    }
  });

  it('dead-letters a silence event the table cannot hold to DeviceSilence-dlq and goes on', async () => {
    const { silenceStore, driver, sendSilence } = setup(logNotifier(recordingLogger().logger));
    await sendSilence({ ...silence('x', 'SILENT'), lastSeenAt: -5 });
    await sendSilence(silence('ok', 'SILENT'));
    expect(driver.deadLetters(TOPICS.silence, 'DeviceSilence-dlq').map((d) => [d.reason.rule, d.reason.errorMessage])).toEqual([
      ['storable-silence', expect.stringMatching(/lastSeenAt -5 is not a storable time/)],
    ]);
    expect(silenceStore.events.map((e) => e.deviceId)).toEqual(['ok']);
    driver.close();
  });
});
