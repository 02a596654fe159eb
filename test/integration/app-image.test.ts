import { GenericContainer, Wait, type StartedTestContainer } from 'testcontainers';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { TemperatureReading } from '../../schemas/index.js';
import { uniqueName } from '../support/names.js';
import { createTestDatabase, dataTag, ReadingProducer, stackClients, type StackClients, type TestDatabase } from '../support/pipeline-env.js';
import { waitUntil } from '../support/wait.js';

/**
 * Issue 11: the project's image (Dockerfile, built by stack/prepare.sh as TEMPSTREAM_APP_IMAGE) runs
 * on the stack's Docker network the way docker-compose.yml's profile `app` runs it: `schemas register`,
 * then `start`, which must store the readings a device sends. It runs as a non-root user and keeps
 * nothing of the build stage (no npm-ca.pem, no dev dependencies).
 */
// Readings from a minute ago: `start` refuses times implausibly far from when a record was sent
// (READING_MAX_AGE_MS, 7 days by default), as it should for a device's real readings.
const T0 = Math.floor(Date.now() / 1000) * 1000 - 60_000;

describe('the tempstream image: `start` in a container stores readings from the stack; `serve` serves the dashboard', () => {
  const stack = inject('stack');
  const image = process.env.TEMPSTREAM_APP_IMAGE;
  const sfx = `~${dataTag()}`;
  let db: TestDatabase;
  let clients: StackClients;
  let producer: ReadingProducer | undefined;
  let app: StartedTestContainer | undefined;

  /** The settings docker-compose.yml gives the app's services, pointing at this file's database. */
  const containerEnv = (groupId: string): Record<string, string> => {
    const { user, password } = stack.mysql;
    const { host, port } = stack.inNetwork.mysql;
    return {
      KAFKA_BROKERS: stack.inNetwork.kafkaBrokers.join(','),
      SCHEMA_REGISTRY_URL: stack.inNetwork.schemaRegistryUrl,
      MYSQL_URL: `mysql://${encodeURIComponent(user)}:${encodeURIComponent(password)}@${host}:${port}/${db.name}`,
      KAFKA_GROUP_ID: groupId,
      LOG_LEVEL: 'info',
    };
  };

  beforeAll(async () => {
    if (!image) throw new Error('TEMPSTREAM_APP_IMAGE is not set: stack/prepare.sh builds the image and prints it (see its log for a failed build)');
    db = await createTestDatabase(stack, uniqueName('app_image'));
    clients = stackClients(stack, { databaseUrl: db.url, clientId: 'app-image-test' });
  });

  afterAll(async () => {
    await app?.stop({ remove: true }).catch(() => undefined);
    await producer?.disconnect().catch(() => undefined);
    await clients?.close().catch(() => undefined);
    await db?.drop().catch(() => undefined);
  });

  it('registers the schemas, serves /readyz, stores every legal reading once and none of the illegal one', async () => {
    const env = containerEnv(uniqueName('app_image'));
    // One-shot, as the compose service does before `start`: the .avsc files must be in the image.
    const register = await new GenericContainer(image!)
      .withNetworkMode(stack.inNetwork.network)
      .withEnvironment(env)
      .withCommand(['schemas', 'register'])
      .withWaitStrategy(Wait.forOneShotStartup())
      .withStartupTimeout(120_000)
      .start();
    await register.stop({ remove: true });

    app = await new GenericContainer(image!)
      .withNetworkMode(stack.inNetwork.network)
      .withEnvironment(env)
      .withCommand(['start'])
      .withExposedPorts(9464)
      .withWaitStrategy(Wait.forHttp('/readyz', 9464).forStatusCode(200))
      .withStartupTimeout(120_000)
      .start();

    // What the image is: non-root, production only, no trace of the build stage's CA bundle.
    expect((await app.exec(['id', '-u'])).output.trim()).not.toBe('0');
    expect((await app.exec(['sh', '-c', 'test -e /app/npm-ca.pem || test -e /app/node_modules/typescript || echo clean'])).output.trim()).toBe('clean');
    expect((await app.exec(['sh', '-c', 'echo "$NODE_OPTIONS"'])).output.trim()).toBe('--max-old-space-size=256');

    producer = await ReadingProducer.connect(clients.kafka, clients.registry);
    const legal: string[] = [];
    for (let i = 0; i < 12; i++) {
      const reading: TemperatureReading = { deviceId: `dev-${i % 3}${sfx}`, readingTime: T0 + i * 1_000, temperature: 60 + i, unit: 'FAHRENHEIT' };
      const { partition, offset } = await producer.sendReading(reading);
      legal.push(`${reading.deviceId}|${partition}@${offset}`);
    }
    // Above the legal range (32..132 °F): dead-lettered, never stored.
    await producer.sendReading({ deviceId: `bad${sfx}`, readingTime: T0, temperature: 140, unit: 'FAHRENHEIT' });

    const stored = async () =>
      clients
        .knex<{ device_id: string; source_partition: number; source_offset: string | number }>('temperature')
        .select('device_id', 'source_partition', 'source_offset')
        .whereRaw('RIGHT(device_id, ?) = ?', [sfx.length, sfx]);
    let rows: Awaited<ReturnType<typeof stored>> = [];
    await waitUntil(
      async () => {
        rows = await stored().catch(() => []);
        return { done: rows.length >= legal.length, state: `${rows.length} of ${legal.length} rows` };
      },
      { what: 'the container stored the readings in MySQL', timeoutMs: 90_000, intervalMs: 500 },
    );
    expect(rows.map((r) => `${r.device_id}|${r.source_partition}@${String(r.source_offset)}`).sort()).toEqual([...legal].sort());
  });

  it('`serve` in the container serves the dashboard, and beyond localhost only its files without a login', async () => {
    const token = 'app-image-test-token-0123456789';
    const serve = await new GenericContainer(image!)
      .withNetworkMode(stack.inNetwork.network)
      // Bound beyond the container's loopback, as a published port needs: the token is then required.
      .withEnvironment({ ...containerEnv(uniqueName('app_image_serve')), API_HOST: '0.0.0.0', API_PORT: '8080', API_TOKEN: token })
      .withCommand(['serve'])
      .withExposedPorts(8080)
      .withWaitStrategy(Wait.forHttp('/healthz', 8080).forStatusCode(200))
      .withStartupTimeout(120_000)
      .start();
    try {
      const base = `http://${serve.getHost()}:${serve.getMappedPort(8080)}`;
      const page = await fetch(`${base}/`);
      expect(page.status).toBe(200);
      const html = await page.text();
      expect(html).toContain('tempstream');
      const script = /src="\.?\/?(assets\/[^"]+\.js)"/.exec(html)?.[1];
      expect(script, 'the page loads its bundle').toBeDefined();
      expect((await fetch(`${base}/${script}`)).status).toBe(200);
      expect((await fetch(`${base}/api/devices`)).status).toBe(401);
      const login = await fetch(`${base}/api/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token }) });
      expect(login.status).toBe(200);
      const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
      expect(cookie).toMatch(/^tempstream_session=/);
      const devices = await fetch(`${base}/api/devices`, { headers: { cookie } });
      expect(devices.status).toBe(200);
      expect(await devices.json()).toHaveProperty('meta.total');
    } finally {
      await serve.stop({ remove: true });
    }
  });
});
