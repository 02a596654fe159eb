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
import { registerSchemas, TOPICS, type TemperatureReading } from '../../schemas/index.js';
import type { KafkaTopologyRunner } from '../../topology/index.js';
import { cliEnv, freePort, killAllCli, spawnCli, type CliProcess } from '../support/cli-process.js';
import { uniqueName } from '../support/names.js';
import { createTestDatabase, dataTag, ReadingProducer, stackClients, type StackClients, type TestDatabase } from '../support/pipeline-env.js';
import { waitUntil } from '../support/wait.js';

/**
 * Issue 14: the dashboard in Debian's headless Chromium (playwright-core, no browser download) against
 * `tempstream serve` while the pipeline runs on the real stack. Without a reload it must show a new
 * reading and a new alert; it opens a device's chart; and it re-drives a dead letter whose cause was
 * fixed (a legal range set too narrow, then widened), which then lands in table `temperature`.
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
    const settings: PipelineSettings = { groupId, ...LIMITS, commitIntervalMs: 100, sinkBatching: { lingerMs: 20 }, ...(rules ? { rules } : {}) };
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
    expect(await page.locator('.band-note').textContent()).toContain('MIN/MAX band 50.0 °F to 90.0 °F');
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
});
