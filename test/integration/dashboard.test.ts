import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  createAlertRunner,
  createTemperatureRunner,
  defaultRules,
  legalRange,
  prepareInfrastructure,
  type Notifier,
  type PipelineSettings,
  type Rule,
} from '../../app/index.js';
import type avro from 'avsc';
import { registerSchemas, tempAlertEpisodeSchema, TOPICS, type TempAlertEpisode, type TemperatureReading } from '../../schemas/index.js';
import { toMysqlDatetime } from '../../sinks/index.js';
import { avroRegistrySerde, ensureTopics, type KafkaTopologyRunner } from '../../topology/index.js';
import { cliEnv, freePort, killAllCli, spawnCli, type CliProcess } from '../support/cli-process.js';
import { uniqueName } from '../support/names.js';
import { createTestDatabase, dataTag, ReadingProducer, stackClients, type StackClients, type TestDatabase } from '../support/pipeline-env.js';
import { ensureStatefulTables } from '../support/stateful-tables.js';
import { waitUntil } from '../support/wait.js';

/**
 * Issue 14: the dashboard in Debian's headless Chromium (playwright-core, no browser download) against
 * `tempstream serve` while the pipeline runs on the real stack. Without a reload it must show a new
 * reading and a new alert; it opens a device's chart; and it re-drives a dead letter whose cause was
 * fixed (a legal range set too narrow, then widened), which then lands in table `temperature`.
 * The episodes view, the rollups on a device's chart and the device list's open-episode and silent
 * marks read rows written here the way the stateful sinks write them (the pipeline that produces them
 * is built elsewhere); an episode event on the topic reaches the open page live.
 * Screenshots of the views go to SCREENSHOT_DIR (default reports/screenshots).
 */
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SCREENSHOTS = process.env.SCREENSHOT_DIR ?? `${ROOT}reports/screenshots`;
const LIMITS = { minTemp: 50, maxTemp: 90 };
/** First run: the legal range ends at 100 °F, too narrow; a 110 °F reading is dead-lettered. */
const TOO_NARROW: Rule[] = [...defaultRules(LIMITS).filter((r) => r.name !== 'legal-range'), legalRange({ maxF: 100 })];
const TOKEN = 'dashboard-test-token-0123456789';
const WAIT_MS = 90_000;

describe('the dashboard in headless Chromium, on the running pipeline', () => {
  const stack = inject('stack');
  const tag = dataTag();
  const device = `dash-1~${tag}`;
  const fixedDevice = `dash-2~${tag}`;
  const groupId = uniqueName('dashboard');
  let db: TestDatabase;
  let clients: StackClients;
  let producer: ReadingProducer;
  let server: CliProcess;
  let baseUrl: string;
  let browser: Browser;
  let page: Page;
  const running: KafkaTopologyRunner[] = [];

  const readingsRunner = async (rules: readonly Rule[] | undefined): Promise<KafkaTopologyRunner> => {
    // Stateless: the episode, silence and rollup rows this test reads are the ones it writes itself.
    const settings: PipelineSettings = {
      groupId,
      ...LIMITS,
      commitIntervalMs: 100,
      sinkBatching: { lingerMs: 20 },
      stateful: false,
      ...(rules ? { rules } : {}),
    };
    const { runner } = createTemperatureRunner(clients, settings);
    running.push(runner);
    await runner.start();
    return runner;
  };

  const send = (deviceId: string, temperature: number) =>
    producer.sendReading({ deviceId, readingTime: Date.now(), temperature, unit: 'FAHRENHEIT' } satisfies TemperatureReading);
  const shot = (name: string) => page.screenshot({ path: `${SCREENSHOTS}/${name}.png`, fullPage: true });
  const serverAlive = () => (server.running ? undefined : `tempstream serve exited; stderr tail:\n${server.stderr.slice(-3000)}`);

  beforeAll(async () => {
    if (!existsSync(`${ROOT}web/dist/index.html`)) {
      const built = spawnSync('npm', ['run', 'build:web'], { cwd: ROOT, stdio: 'inherit' });
      if (built.status !== 0) throw new Error('npm run build:web failed: the dashboard has no web/dist to serve');
    }
    if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: bash stack/ensure-chromium.sh installs Debian's chromium`);
    mkdirSync(SCREENSHOTS, { recursive: true });

    db = await createTestDatabase(stack, uniqueName('dashboard'));
    clients = stackClients(stack, { databaseUrl: db.url, clientId: 'dashboard-test' });
    await registerSchemas({ url: stack.schemaRegistryUrl });
    await prepareInfrastructure(clients, {});
    await ensureStatefulTables(clients.knex);
    // Before serve starts: its live feed reads the episode topic only if it exists then.
    await ensureTopics(clients.kafka, [
      { topic: TOPICS.episodes, numPartitions: 1 },
      { topic: TOPICS.silence, numPartitions: 1 },
    ]);
    producer = await ReadingProducer.connect(clients.kafka, clients.registry);

    await readingsRunner(TOO_NARROW);
    const notifier: Notifier = { name: 'test', notify: () => Promise.resolve() };
    const alerts = createAlertRunner(clients, { groupId: uniqueName('dashboard_alerts'), commitIntervalMs: 100 }, notifier);
    running.push(alerts.runner);
    await alerts.runner.start();

    const port = await freePort();
    server = spawnCli(
      ['serve'],
      cliEnv(stack, {
        mysqlUrl: db.url,
        groupId: uniqueName('dashboard_api'),
        extra: {
          API_PORT: String(port),
          API_TOKEN: TOKEN,
          API_TOKEN_NAME: 'dashboard-test',
          MIN_TEMP: String(LIMITS.minTemp),
          MAX_TEMP: String(LIMITS.maxTemp),
        },
      }),
    );
    baseUrl = `http://127.0.0.1:${port}`;
    // The live feed must have joined before an alert is produced, or the stream would not carry it.
    await waitUntil(
      async () => {
        const health = await fetch(`${baseUrl}/healthz`)
          .then((r) => r.json() as Promise<{ alertFeed?: string }>)
          .catch(() => undefined);
        return { done: health?.alertFeed === 'joined', state: `alert feed ${health?.alertFeed ?? 'not answering'}` };
      },
      { what: 'tempstream serve answered /healthz with the alert feed joined', timeoutMs: WAIT_MS, intervalMs: 300, abortIf: serverAlive },
    );

    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    page = await browser.newPage({ viewport: { width: 1280, height: 860 } });
    // Nothing may leave for another origin: the bundle carries everything.
    await page.route(
      (url) => url.origin !== baseUrl,
      (route) => route.abort(),
    );
  });

  afterAll(async () => {
    await browser?.close().catch(() => undefined);
    await killAllCli();
    for (const runner of running) await runner.stop().catch(() => undefined);
    await producer?.disconnect().catch(() => undefined);
    await clients?.close().catch(() => undefined);
    await db?.drop().catch(() => undefined);
  });

  it('shows a new reading on the devices view without a reload', async () => {
    await page.goto(`${baseUrl}/#/devices`);
    await page.getByLabel('Search device id').fill(tag);
    await page.getByText('No readings stored yet.').or(page.getByText('No device matches.')).waitFor();
    // A mark on this document: a reload would lose it.
    await page.evaluate('window.__sameDocument = true');

    await send(device, 70);
    const row = page.locator(`tr[data-device="${device}"]`);
    await row.waitFor({ timeout: WAIT_MS });
    expect(await row.textContent()).toContain('70.0 °F');
    expect(await row.textContent()).toContain('In range');

    await send(device, 72.5);
    await page.locator(`tr[data-device="${device}"]`, { hasText: '72.5 °F' }).waitFor({ timeout: WAIT_MS });
    expect(await page.evaluate('window.__sameDocument')).toBe(true);
    // A small fleet for the screenshot, some of it out of range.
    const fleet = [41, 48, 55, 61, 66, 68, 73, 77, 84, 88, 93];
    for (const [i, temperature] of fleet.entries()) await send(`fleet-${String(i + 1).padStart(2, '0')}~${tag}`, temperature);
    await page
      .getByRole('status')
      .filter({ hasText: `${fleet.length + 1} devices matching` })
      .waitFor({ timeout: WAIT_MS });
    expect(await page.locator('tr[data-device]', { hasText: 'Out of range' }).count()).toBe(3);
    await shot('devices');
  });

  it('shows a new alert arriving live on the alerts view', async () => {
    await page.getByRole('link', { name: /^Alerts/ }).click();
    await page.locator('#live-status[data-state="connected"]').waitFor({ timeout: WAIT_MS });
    await send(device, 95);
    const row = page.locator(`tr.live[data-alert^="${device}|"]`);
    await row.waitFor({ timeout: WAIT_MS });
    const text = await row.textContent();
    expect(text).toContain('Too warm');
    expect(text).toContain('95.0 °F');
    expect(await page.evaluate('window.__sameDocument')).toBe(true);
    await shot('alerts');
  });

  it("opens a device's chart with the MIN/MAX band", async () => {
    // By its address, so that this test does not hang on the alert one.
    await page.goto(`${baseUrl}/#/devices/${encodeURIComponent(device)}`);
    await page.getByRole('heading', { name: `Device ${device}` }).waitFor();
    await page.locator('.chart canvas').waitFor({ timeout: WAIT_MS });
    const readingRows = page.locator('table.data').first().locator('tbody tr');
    await readingRows.nth(2).waitFor({ timeout: WAIT_MS });
    expect(await readingRows.count()).toBe(3);
    expect(await page.locator('.band-note').first().textContent()).toContain('MIN/MAX band 50.0 °F to 90.0 °F');
    expect(await page.locator('.chart').getAttribute('aria-label')).toContain('3 readings, the latest 95.0 °F');
    await shot('device-chart');
  });

  it('re-drives a dead letter once its cause is fixed, and the reading lands in the table', async () => {
    const refused = await send(fixedDevice, 110);
    const source = `${TOPICS.readings}/${refused.partition}/${refused.offset}`;
    await page.getByRole('link', { name: 'Dead letters' }).click();
    // Its source position and its decoded value (the device id) single it out among every test's dead letters.
    const row = page.locator('tr[data-dead-letter]', { hasText: source }).filter({ hasText: fixedDevice });
    await waitUntil(
      async () => {
        await page.getByRole('button', { name: 'Refresh' }).click();
        await page
          .getByRole('status')
          .filter({ hasText: /dead letters?, latest failure first/ })
          .waitFor();
        return { done: (await row.count()) === 1, state: `${await row.count()} rows for ${source}` };
      },
      { what: `the dead letter of ${source} listed`, timeoutMs: WAIT_MS, intervalMs: 1_000, abortIf: serverAlive },
    );
    expect(await row.textContent()).toContain('legal-range');

    // The fix: the pipeline starts again, same group, with the default legal range (up to 132 °F).
    const narrow = running.shift();
    await narrow?.stop();
    await readingsRunner(undefined);

    await row.getByRole('checkbox').check();
    await page.getByRole('button', { name: 'Re-drive 1 selected…' }).click();
    await page.getByLabel('API token (API_TOKEN)').fill(TOKEN);
    await shot('dead-letters-redrive');
    await page.getByRole('dialog').getByRole('button', { name: 'Re-drive' }).click();
    await page.getByText('Re-driven: 1;').waitFor({ timeout: WAIT_MS });
    await row.getByText('re-driven by dashboard-test').waitFor({ timeout: WAIT_MS });

    await waitUntil(
      async () => {
        const rows = await clients.knex('temperature').where({ device_id: fixedDevice }).select('temperature');
        return { done: rows.length === 1, state: `${rows.length} rows for ${fixedDevice}` };
      },
      { what: `the re-driven reading of ${fixedDevice} stored`, timeoutMs: WAIT_MS, intervalMs: 500 },
    );
    const stored = await clients.knex('temperature').where({ device_id: fixedDevice }).first<{ temperature: number }>('temperature');
    expect(stored?.temperature).toBe(110);
    await shot('dead-letters');
  });

  describe('episodes and per-minute rollups', () => {
    const history = `dash-3~${tag}`;
    const quiet = `quiet-1~${tag}`;
    const MIN = 60_000;
    const now = Math.floor(Date.now() / MIN) * MIN;
    const start = now - 12 * MIN;
    const episodeRow = (deviceId: string, openedAt: number, direction: 'HIGH' | 'LOW', resolvedAt: number | null, peak: number) => ({
      episode_id: `${deviceId}/${openedAt}/${direction}`,
      device_id: deviceId,
      direction,
      status: resolvedAt === null ? 'OPEN' : 'RESOLVED',
      opened_at: toMysqlDatetime(openedAt),
      resolved_at: resolvedAt === null ? null : toMysqlDatetime(resolvedAt),
      first_temperature_f: direction === 'HIGH' ? LIMITS.maxTemp + 1 : LIMITS.minTemp - 1,
      peak_temperature_f: peak,
      last_temperature_f: peak,
      readings: 5,
      duration_ms: (resolvedAt ?? now) - openedAt,
      min_temp: LIMITS.minTemp,
      max_temp: LIMITS.maxTemp,
      hysteresis: 2,
      updated_at: toMysqlDatetime(now),
    });

    beforeAll(async () => {
      // Twelve minutes of a device warming past MAX, stored as the sinks store them: readings, their minutes, its episodes.
      const readings = Array.from({ length: 12 * 6 }, (_, i) => {
        const at = start + i * 10_000;
        return { at, f: Math.round((78 + i * 0.22 + 4 * Math.sin(i / 2.5)) * 10) / 10 };
      });
      await clients.knex('temperature').insert(
        readings.map((r, i) => ({
          device_id: history,
          reading_time: toMysqlDatetime(r.at),
          temperature: r.f,
          unit: 'FAHRENHEIT',
          received_at: toMysqlDatetime(r.at + 200),
          source_topic: TOPICS.readings,
          source_partition: 0,
          source_offset: String(1_000_000 + i),
        })),
      );
      const minutes = Array.from({ length: 12 }, (_, m) => readings.slice(m * 6, m * 6 + 6).map((r) => r.f));
      await clients.knex('temperature_minute').insert(
        minutes.map((values, m) => ({
          device_id: history,
          window_start: toMysqlDatetime(start + m * MIN),
          window_end: toMysqlDatetime(start + (m + 1) * MIN),
          readings: values.length,
          min_f: Math.min(...values),
          max_f: Math.max(...values),
          mean_f: values.reduce((a, b) => a + b, 0) / values.length,
        })),
      );
      const firstHot = readings.find((r) => r.f > LIMITS.maxTemp)?.at ?? now - 3 * MIN;
      await clients
        .knex('temp_alert_episode')
        .insert([
          episodeRow(history, firstHot, 'HIGH', null, Math.max(...readings.map((r) => r.f))),
          episodeRow(history, start - 60 * MIN, 'HIGH', start - 52 * MIN, 93.4),
          episodeRow(`fleet-01~${tag}`, start - 30 * MIN, 'LOW', start - 21 * MIN, 41),
        ]);
      // quiet-1 was last heard four minutes ago, and the topology said so.
      await clients.knex('temperature').insert({
        device_id: quiet,
        reading_time: toMysqlDatetime(now - 4 * MIN),
        temperature: 66,
        unit: 'FAHRENHEIT',
        received_at: toMysqlDatetime(now - 4 * MIN),
        source_topic: TOPICS.readings,
        source_partition: 0,
        source_offset: '2000000',
      });
      await clients.knex('device_silence').insert({
        device_id: quiet,
        event: 'SILENT',
        last_seen_at: toMysqlDatetime(now - 4 * MIN),
        detected_at: toMysqlDatetime(now - 2 * MIN),
        silence_ms: 2 * MIN,
      });
    });

    it('marks the device list with open episodes and silent devices', async () => {
      await page.goto(`${baseUrl}/#/devices`);
      await page.getByLabel('Search device id').fill(tag);
      const row = page.locator(`tr[data-device="${history}"]`);
      await row.getByText('Open episode (too warm)').waitFor({ timeout: WAIT_MS });
      await page.locator(`tr[data-device="${quiet}"]`).getByText('Silent').waitFor({ timeout: WAIT_MS });
      expect(await page.locator('tr[data-device]', { hasText: 'Silent' }).count()).toBe(1);
      await shot('devices');
    });

    it('shows open and recent episodes, and a new one live without a reload', async () => {
      await page.getByRole('link', { name: 'Episodes' }).click();
      const open = page.locator('#open-episodes');
      await open.locator(`tr[data-episode^="${history}/"]`).waitFor({ timeout: WAIT_MS });
      expect(await open.locator('tbody tr', { hasText: tag }).count()).toBe(1);
      const recent = page.locator('#recent-episodes');
      expect(await recent.locator('tbody tr', { hasText: tag }).count()).toBe(3);
      expect(await recent.locator(`tr[data-episode^="fleet-01~${tag}/"]`).textContent()).toContain('9 min');
      await page.evaluate('window.__episodesDocument = true');

      // A new episode as the topology emits it and its sink stores it: the open page shows it.
      const opened = Date.now();
      const live: TempAlertEpisode = {
        episodeId: `fleet-02~${tag}/${opened}/LOW`,
        deviceId: `fleet-02~${tag}`,
        event: 'OPENED',
        direction: 'LOW',
        openedAt: opened,
        resolvedAt: null,
        firstTemperatureF: 47,
        peakTemperatureF: 47,
        lastTemperatureF: 47,
        readings: 1,
        durationMs: 0,
        minTemp: LIMITS.minTemp,
        maxTemp: LIMITS.maxTemp,
        hysteresis: 2,
      };
      await clients.knex('temp_alert_episode').insert(episodeRow(live.deviceId, opened, 'LOW', null, 47));
      const serde = avroRegistrySerde<TempAlertEpisode>({ registry: clients.registry, schema: tempAlertEpisodeSchema as avro.Schema });
      const bytes = await serde.serialize(live, TOPICS.episodes);
      if (bytes === null) throw new Error('no bytes for the episode');
      await producer.sendRaw(live.deviceId, bytes, TOPICS.episodes);
      await open.locator(`tr[data-episode="${live.episodeId}"]`).waitFor({ timeout: WAIT_MS });
      expect(await open.locator(`tr[data-episode="${live.episodeId}"]`).textContent()).toContain('Too cold');
      expect(await page.evaluate('window.__episodesDocument')).toBe(true);
      await shot('episodes');
    });

    it("shows a device's per-minute rollups beside its readings, with the MIN/MAX band, and its episodes", async () => {
      await page.goto(`${baseUrl}/#/devices/${encodeURIComponent(history)}`);
      await page.getByRole('heading', { name: `Device ${history}` }).waitFor();
      await page.locator('.chart canvas').waitFor({ timeout: WAIT_MS });
      await page.getByText(/per-minute rollups \(table temperature_minute\), 1[23] minutes/).waitFor({ timeout: WAIT_MS });
      expect(await page.locator('.band-note').first().textContent()).toContain('MIN/MAX band 50.0 °F to 90.0 °F');
      // uPlot's legend names every series on the chart.
      const legend = await page.locator('.u-legend').textContent();
      for (const label of ['Reading (°F)', 'Minute mean (°F)', 'Minute max (°F)', 'Minute min (°F)', 'MAX', 'MIN']) expect(legend).toContain(label);
      const episodes = page.locator('#device-episodes tbody tr');
      expect(await episodes.count()).toBe(2);
      expect(await episodes.first().textContent()).toContain('Open');
      await shot('device-chart');
    });
  });

  it('beyond localhost: a login form first, then the views and the live stream on the session cookie', async () => {
    const port = await freePort();
    const open = spawnCli(
      ['serve'],
      cliEnv(stack, {
        mysqlUrl: db.url,
        groupId: uniqueName('dashboard_api_open'),
        extra: { API_HOST: '0.0.0.0', API_PORT: String(port), API_TOKEN: TOKEN, MIN_TEMP: String(LIMITS.minTemp), MAX_TEMP: String(LIMITS.maxTemp) },
      }),
    );
    const openUrl = `http://127.0.0.1:${port}`;
    await waitUntil(async () => ({ done: (await fetch(`${openUrl}/healthz`).catch(() => undefined))?.ok === true }), {
      what: 'the server bound beyond localhost answered',
      timeoutMs: WAIT_MS,
      intervalMs: 300,
      abortIf: () => (open.running ? undefined : `serve exited: ${open.stderr.slice(-2000)}`),
    });
    const context = await browser.newContext({ viewport: { width: 1280, height: 700 } });
    try {
      const login = await context.newPage();
      await login.route(
        (url) => url.origin !== openUrl,
        (route) => route.abort(),
      );
      await login.goto(`${openUrl}/#/devices`);
      await login.getByRole('heading', { name: 'Log in' }).waitFor({ timeout: WAIT_MS });
      await login.getByLabel('API token').fill('not-the-token-at-all');
      await login.getByRole('button', { name: 'Log in' }).click();
      await login.getByRole('alert').filter({ hasText: 'the token is not valid' }).waitFor();
      expect(await login.getByLabel('API token').inputValue()).toBe('');
      await login.screenshot({ path: `${SCREENSHOTS}/login.png` });

      await login.getByLabel('API token').fill(TOKEN);
      await login.getByRole('button', { name: 'Log in' }).click();
      await login.getByRole('heading', { name: 'Devices' }).waitFor({ timeout: WAIT_MS });
      await login.locator('#live-status[data-state="connected"]').waitFor({ timeout: WAIT_MS });
      const cookies = await context.cookies(openUrl);
      expect(cookies.map((c) => ({ name: c.name, httpOnly: c.httpOnly, sameSite: c.sameSite }))).toEqual([
        { name: 'tempstream_session', httpOnly: true, sameSite: 'Strict' },
      ]);
      expect(cookies[0]?.value).not.toContain(TOKEN);
      expect(login.url()).not.toContain(TOKEN);
      // A reload keeps the session: no form again.
      await login.reload();
      await login.getByRole('heading', { name: 'Devices' }).waitFor({ timeout: WAIT_MS });
      await login.getByRole('button', { name: 'Log out' }).click();
      await login.getByRole('heading', { name: 'Log in' }).waitFor({ timeout: WAIT_MS });
    } finally {
      await context.close();
      await open.kill();
    }
  });
});
