import type avro from 'avsc';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  deviceSilenceSchema,
  dlqTopicFor,
  registerSchemas,
  tempAlertEpisodeSchema,
  tempRangeAlertSchema,
  TOPICS,
  type DeviceSilence,
  type TemperatureReading,
  type TempAlertEpisode,
  type TempRangeAlert,
} from '../../schemas/index.js';
import { avroRegistrySerde, readDlqHeaders } from '../../topology/index.js';
import { cliEnv, freePort, httpGet, killAllCli, metricTotal, spawnCli, type CliProcess } from '../support/cli-process.js';
import { TopicCollector } from '../support/kafka-probes.js';
import { uniqueName } from '../support/names.js';
import { createTestDatabase, dataTag, ReadingProducer, stackClients, type StackClients, type TestDatabase } from '../support/pipeline-env.js';
import { waitUntil } from '../support/wait.js';

/**
 * `tempstream alerts` as a child process beside `tempstream start`: readings above MAX_TEMP become
 * alerts, the alert consumer stores each once, and serves /readyz and /metrics on its own port
 * (ALERTS_METRICS_PORT) while it runs. SIGTERM stops both with exit 0.
 */
const T0 = Date.UTC(2026, 4, 1, 8, 0, 0);
const HOT = 3;

describe('tempstream alerts (child process): stores alerts and serves its own metrics', () => {
  const stack = inject('stack');
  const sfx = `~${dataTag()}`;
  let db: TestDatabase;
  let clients: StackClients;
  let producer: ReadingProducer | undefined;
  let collector: TopicCollector | undefined;

  beforeAll(async () => {
    db = await createTestDatabase(stack, uniqueName('cli_alerts'));
    clients = stackClients(stack, { databaseUrl: db.url, clientId: 'cli-alerts-test' });
    await registerSchemas({ url: stack.schemaRegistryUrl });
  });

  afterEach(async () => {
    await killAllCli();
  });

  afterAll(async () => {
    await killAllCli();
    await collector?.stop().catch(() => undefined);
    await producer?.disconnect().catch(() => undefined);
    await clients?.close().catch(() => undefined);
    await db?.drop().catch(() => undefined);
  });

  const stillRunning =
    (...processes: CliProcess[]) =>
    () => {
      const dead = processes.find((p) => !p.running);
      return dead ? `tempstream ${dead.args.join(' ')} exited early; stderr tail:\n${dead.stderr.slice(-3000)}` : undefined;
    };

  it('stores each alert once, answers /readyz and /metrics on ALERTS_METRICS_PORT, and exits 0 on SIGTERM', async () => {
    const port = await freePort();
    const env = cliEnv(stack, { mysqlUrl: db.url, groupId: uniqueName('cli_alerts') });
    const start = spawnCli(['start'], env);
    const alerts = spawnCli(['alerts'], { ...env, ALERTS_METRICS_PORT: String(port) });

    await waitUntil(
      async () => {
        const r = await httpGet(port, '/readyz').catch(() => ({ status: 0 }));
        return { done: r.status === 200, state: `/readyz ${r.status}` };
      },
      { what: 'tempstream alerts answered /readyz 200', timeoutMs: 60_000, intervalMs: 200, abortIf: stillRunning(start, alerts) },
    );

    producer = await ReadingProducer.connect(clients.kafka, clients.registry);
    for (let i = 0; i < HOT + 2; i++) {
      const reading: TemperatureReading = { deviceId: `oven-${i}${sfx}`, readingTime: T0 + i * 1_000, temperature: i < HOT ? 120 : 70, unit: 'FAHRENHEIT' };
      await producer.sendReading(reading);
    }

    await waitUntil(
      async () => {
        const [{ n }] = (await clients.knex('temp_range_alert').count({ n: '*' }).where('device_id', 'like', `%${sfx}`)) as [{ n: number }];
        const handled = metricTotal((await httpGet(port, '/metrics')).body, 'tempstream_records_handled_total') ?? 0;
        // The group starts at the beginning of TempRangeAlert, so other tests' alerts count too: at least ours.
        return { done: Number(n) === HOT && handled >= HOT, state: `rows ${n}, handled ${handled}` };
      },
      { what: `${HOT} alerts stored and counted on /metrics`, timeoutMs: 60_000, intervalMs: 250, abortIf: stillRunning(start, alerts) },
    );

    alerts.signal('SIGTERM');
    start.signal('SIGTERM');
    const [alertsExit, startExit] = await Promise.all([alerts.wait(60_000), start.wait(60_000)]);
    expect(alertsExit.code, `alerts stderr:\n${alertsExit.stderr.slice(-3000)}`).toBe(0);
    expect(startExit.code, `start stderr:\n${startExit.stderr.slice(-3000)}`).toBe(0);
    const [{ n }] = (await clients.knex('temp_range_alert').count({ n: '*' }).where('device_id', 'like', `%${sfx}`)) as [{ n: number }];
    expect(Number(n)).toBe(HOT);
    // --notify episodes by default: alerts are stored, not told one by one.
    expect(`${alertsExit.stdout}${alertsExit.stderr}`).not.toContain(`device oven-0${sfx} read`);
  });

  it('dead-letters an alert whose temperature is NaN (any producer can write the topic) and stores the next one', async () => {
    const port = await freePort();
    const env = cliEnv(stack, { mysqlUrl: db.url, groupId: uniqueName('cli_alerts_nan') });
    const alerts = spawnCli(['alerts'], { ...env, ALERTS_METRICS_PORT: String(port) });
    // Ready: it created the topics and joined its group.
    await waitUntil(
      async () => {
        const r = await httpGet(port, '/readyz').catch(() => ({ status: 0 }));
        return { done: r.status === 200, state: `/readyz ${r.status}` };
      },
      { what: 'tempstream alerts answered /readyz 200', timeoutMs: 60_000, intervalMs: 200, abortIf: stillRunning(alerts) },
    );
    const dlq = dlqTopicFor(TOPICS.alerts);
    collector = await TopicCollector.start(clients.kafka, { groupId: uniqueName('cli_alerts_dlq'), topics: [dlq] });
    producer ??= await ReadingProducer.connect(clients.kafka, clients.registry);
    const serde = avroRegistrySerde<TempRangeAlert>({ registry: clients.registry, schema: tempRangeAlertSchema as avro.Schema });
    const alertOf = (deviceId: string, temperature: number, offset: string): TempRangeAlert => ({
      reading: { deviceId, readingTime: T0, temperature, unit: 'FAHRENHEIT' },
      rule: 'temp-range',
      direction: 'HIGH',
      temperatureFahrenheit: temperature,
      bound: 100,
      minTemp: 40,
      maxTemp: 100,
      sourceTopic: TOPICS.readings,
      sourcePartition: 0,
      sourceOffset: offset,
    });
    const send = async (alert: TempRangeAlert) => {
      const bytes = await serde.serialize(alert, TOPICS.alerts);
      if (bytes === null) throw new Error('the Avro serde wrote no bytes for an alert');
      await producer!.sendRaw(alert.reading.deviceId, bytes, TOPICS.alerts);
      return bytes;
    };
    // One partition for both, so the good alert waits behind the bad one, as it would in production.
    const device = `nan-oven${sfx}`;
    const badBytes = await send(alertOf(device, Number.NaN, '1'));
    await send({ ...alertOf(device, 130, '2'), reading: { ...alertOf(device, 130, '2').reading, readingTime: T0 + 1_000 } });

    await waitUntil(
      async () => {
        const rows = await clients.knex('temp_range_alert').select('temperature').where('device_id', device);
        const dead = collector!.of(dlq).filter((m) => m.value?.equals(badBytes));
        return { done: rows.length === 1 && dead.length === 1, state: `rows ${JSON.stringify(rows)}, dead letters ${dead.length}` };
      },
      { what: 'the NaN alert dead-lettered and the good one stored', timeoutMs: 90_000, intervalMs: 250, abortIf: stillRunning(alerts) },
    );
    const [row] = (await clients.knex('temp_range_alert').select('temperature').where('device_id', device)) as [{ temperature: number }];
    expect(row.temperature).toBe(130);
    const [dead] = collector.of(dlq).filter((m) => m.value?.equals(badBytes));
    expect(readDlqHeaders(dead!.headers)).toMatchObject({ errorClass: 'validation', rule: 'storable-alert', sourceTopic: TOPICS.alerts });
    expect(readDlqHeaders(dead!.headers).errorMessage).toContain('reading.temperature NaN is not a finite number');

    alerts.signal('SIGTERM');
    const exit = await alerts.wait(60_000);
    expect(exit.code, `alerts stderr:\n${exit.stderr.slice(-3000)}`).toBe(0);
  });

  it('tells a person once when an episode opens and once when it resolves, and once per silence event, whatever is redelivered; a poison episode goes to its DLQ', async () => {
    const port = await freePort();
    const env = cliEnv(stack, { mysqlUrl: db.url, groupId: uniqueName('cli_alerts_episodes') });
    const alerts = spawnCli(['alerts'], { ...env, ALERTS_METRICS_PORT: String(port) });
    await waitUntil(
      async () => {
        const r = await httpGet(port, '/readyz').catch(() => ({ status: 0 }));
        return { done: r.status === 200, state: `/readyz ${r.status}` };
      },
      { what: 'tempstream alerts answered /readyz 200', timeoutMs: 60_000, intervalMs: 200, abortIf: stillRunning(alerts) },
    );
    const dlq = dlqTopicFor(TOPICS.episodes);
    const dlqCollector = await TopicCollector.start(clients.kafka, { groupId: uniqueName('cli_alerts_episode_dlq'), topics: [dlq] });
    try {
      producer ??= await ReadingProducer.connect(clients.kafka, clients.registry);
      const episodeSerde = avroRegistrySerde<TempAlertEpisode>({ registry: clients.registry, schema: tempAlertEpisodeSchema as avro.Schema });
      const silenceSerde = avroRegistrySerde<DeviceSilence>({ registry: clients.registry, schema: deviceSilenceSchema as avro.Schema });
      const device = `hot-oven${sfx}`;
      const episodeOf = (event: 'OPENED' | 'RESOLVED', peak = event === 'RESOLVED' ? 131 : 125): TempAlertEpisode => ({
        episodeId: `${device}/${T0}/HIGH`,
        deviceId: device,
        event,
        direction: 'HIGH',
        openedAt: T0,
        resolvedAt: event === 'RESOLVED' ? T0 + 50_000 : null,
        firstTemperatureF: 125,
        peakTemperatureF: peak,
        lastTemperatureF: event === 'RESOLVED' ? 110 : 125,
        readings: event === 'RESOLVED' ? 5 : 1,
        durationMs: event === 'RESOLVED' ? 50_000 : 0,
        minTemp: 40,
        maxTemp: 120,
        hysteresis: 2,
      });
      const sendEpisode = async (episode: TempAlertEpisode) => {
        const bytes = await episodeSerde.serialize(episode, TOPICS.episodes);
        if (bytes === null) throw new Error('the Avro serde wrote no bytes for an episode');
        await producer!.sendRaw(device, bytes, TOPICS.episodes);
        return bytes;
      };
      const silent = `quiet-freezer${sfx}`;
      const sendSilence = async (event: 'SILENT' | 'BACK') => {
        const value: DeviceSilence = { deviceId: silent, event, lastSeenAt: T0, detectedAt: T0 + (event === 'SILENT' ? 60_000 : 300_000), silenceMs: 60_000 };
        const bytes = await silenceSerde.serialize(value, TOPICS.silence);
        if (bytes === null) throw new Error('the Avro serde wrote no bytes for a silence event');
        await producer!.sendRaw(silent, bytes, TOPICS.silence);
      };

      // One partition (one key): the poison waits in line, and the good events behind it go on.
      const poison = await sendEpisode(episodeOf('OPENED', Number.NaN));
      await sendEpisode(episodeOf('OPENED'));
      await sendEpisode(episodeOf('OPENED')); // redelivered
      await sendEpisode(episodeOf('RESOLVED'));
      await sendEpisode(episodeOf('RESOLVED')); // redelivered
      await sendSilence('SILENT');
      await sendSilence('SILENT'); // redelivered
      await sendSilence('BACK');

      const told = (text: string) => `${alerts.stdout}${alerts.stderr}`.split('\n').filter((line) => line.includes(text)).length;
      await waitUntil(
        async () => {
          const rows = (await clients.knex('temp_alert_episode').select('status', 'notified_opened_at', 'notified_resolved_at').where('device_id', device)) as {
            status: string;
            notified_resolved_at: string | null;
          }[];
          const silenceRows = (await clients.knex('device_silence').select('event', 'notify_status').where('device_id', silent)) as {
            notify_status: string | null;
          }[];
          const dead = dlqCollector.of(dlq).filter((m) => m.value?.equals(poison));
          return {
            done: rows[0]?.notified_resolved_at != null && silenceRows.filter((r) => r.notify_status === 'notified').length === 2 && dead.length === 1,
            state: `episode rows ${JSON.stringify(rows)}, silence rows ${JSON.stringify(silenceRows)}, dead letters ${dead.length}`,
          };
        },
        {
          what: 'the episode resolved and told, both silence events told, the poison dead-lettered',
          timeoutMs: 90_000,
          intervalMs: 250,
          abortIf: stillRunning(alerts),
        },
      );
      // Let any second notification a redelivery might cause arrive before counting.
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      const rows = (await clients.knex('temp_alert_episode').select('status', 'readings', 'notify_status').where('device_id', device)) as unknown[];
      expect(rows).toEqual([{ status: 'RESOLVED', readings: 5, notify_status: 'notified' }]);
      expect(told(`device ${device} out of range since`)).toBe(1);
      expect(told(`device ${device} back in range at`)).toBe(1);
      expect(told(`device ${silent} silent: no reading since`)).toBe(1);
      expect(told(`device ${silent} reporting again at`)).toBe(1);
      const [dead] = dlqCollector.of(dlq).filter((m) => m.value?.equals(poison));
      expect(readDlqHeaders(dead!.headers)).toMatchObject({ errorClass: 'validation', rule: 'storable-episode', sourceTopic: TOPICS.episodes });
      expect(readDlqHeaders(dead!.headers).errorMessage).toContain('peakTemperatureF NaN is not a finite number');
      const metrics = (await httpGet(port, '/metrics')).body;
      expect(metrics).toMatch(/tempstream_event_notifications_total\{kind="episode",outcome="notified"\} [2-9]/);
      expect(metrics).toMatch(/tempstream_event_notifications_total\{kind="silence",outcome="notified"\} [2-9]/);
    } finally {
      await dlqCollector.stop().catch(() => undefined);
    }

    alerts.signal('SIGTERM');
    const exit = await alerts.wait(60_000);
    expect(exit.code, `alerts stderr:\n${exit.stderr.slice(-3000)}`).toBe(0);
  });
});
