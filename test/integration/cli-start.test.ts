import type { Admin } from 'kafkajs';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { dlqTopicFor, registerSchemas, TOPICS, type TemperatureReading } from '../../schemas/index.js';
import { cliEnv, freePort, httpGet, killAllCli, metricTotal, spawnCli, type CliProcess } from '../support/cli-process.js';
import { committedOffsets, TopicCollector, waitForCommitted, type Position } from '../support/kafka-probes.js';
import { uniqueName } from '../support/names.js';
import { createTestDatabase, dataTag, ReadingProducer, stackClients, type StackClients, type TestDatabase } from '../support/pipeline-env.js';
import { waitUntil } from '../support/wait.js';

/**
 * Issue 5: `tempstream start` as a child process. A steady stream of readings (normal, alert-range,
 * illegal) is produced while it runs; SIGTERM mid-stream must exit 0, and after a restart with the
 * same group every reading is in exactly one place: one row in MySQL or one record in the DLQ.
 * /healthz, /readyz and /metrics are scraped while it runs.
 */
const DLQ = dlqTopicFor(TOPICS.readings);
const T0 = Date.UTC(2026, 3, 1, 8, 0, 0);
const TOTAL = 60;
const STOP_AFTER = 36;

interface Sent {
  readonly reading: TemperatureReading;
  readonly position: Position;
  readonly legal: boolean;
}

describe('tempstream start (child process): SIGTERM mid-stream, restart, every reading exactly once', () => {
  const stack = inject('stack');
  const sfx = `~${dataTag()}`;
  const groupId = uniqueName('cli_start');
  let db: TestDatabase;
  let clients: StackClients;
  let admin: Admin;
  let producer: ReadingProducer | undefined;
  let collector: TopicCollector | undefined;

  beforeAll(async () => {
    db = await createTestDatabase(stack, uniqueName('cli_start'));
    clients = stackClients(stack, { databaseUrl: db.url, clientId: 'cli-start-test' });
    admin = clients.kafka.admin();
    await admin.connect();
    await registerSchemas({ url: stack.schemaRegistryUrl });
  });

  afterEach(async () => {
    await killAllCli();
  });

  afterAll(async () => {
    await killAllCli();
    await collector?.stop().catch(() => undefined);
    await producer?.disconnect().catch(() => undefined);
    await admin?.disconnect().catch(() => undefined);
    await clients?.close().catch(() => undefined);
    await db?.drop().catch(() => undefined);
  });

  /** This file's rows of table `temperature`, with their source coordinates. */
  const storedRows = () =>
    clients
      .knex<{ device_id: string; source_partition: number; source_offset: string | number }>('temperature')
      .select('device_id', 'source_partition', 'source_offset')
      .whereRaw('RIGHT(device_id, ?) = ?', [sfx.length, sfx]);

  const stillRunning = (p: CliProcess) => () => (p.running ? undefined : `tempstream start exited early; stderr tail:\n${p.stderr.slice(-3000)}`);

  it('drains on SIGTERM (exit 0), resumes with the same group, and serves health and metrics while running', async () => {
    const port = await freePort();
    const env = cliEnv(stack, { mysqlUrl: db.url, groupId, metricsPort: port });
    const first = spawnCli(['start'], env);

    await waitUntil(
      async () => {
        const r = await httpGet(port, '/readyz');
        return { done: r.status === 200, state: `/readyz ${r.status}` };
      },
      { what: 'tempstream start answered /readyz 200', timeoutMs: 60_000, intervalMs: 200, abortIf: stillRunning(first) },
    );
    expect((await httpGet(port, '/healthz')).status).toBe(200);

    producer = await ReadingProducer.connect(clients.kafka, clients.registry);
    collector = await TopicCollector.start(clients.kafka, { groupId: uniqueName('cli_start_dlq'), topics: [DLQ] });

    const sent: Sent[] = [];
    // Whether SIGTERM reached a process that was still running: "mid-stream", not after an early exit.
    let runningWhenSignalled: boolean | undefined;
    for (let i = 0; i < TOTAL; i++) {
      const illegal = i % 10 === 3;
      const alert = i % 10 === 5;
      const reading: TemperatureReading = {
        deviceId: illegal ? `bad-${i}${sfx}` : `dev-${i % 4}${sfx}`,
        readingTime: T0 + i * 1_000,
        temperature: illegal ? 140 : alert ? 120 : 70,
        unit: 'FAHRENHEIT',
      };
      const { bytes: _bytes, ...position } = await producer.sendReading(reading);
      sent.push({ reading, position, legal: !illegal });
      if (i === 25) {
        // Three illegal readings are out: the counters must show them while the process runs.
        await waitUntil(
          async () => {
            const m = (await httpGet(port, '/metrics')).body;
            const seen = {
              received: metricTotal(m, 'tempstream_records_received_total') ?? 0,
              handled: metricTotal(m, 'tempstream_records_handled_total') ?? 0,
              dead: metricTotal(m, 'tempstream_dead_letters_total') ?? 0,
              transactions: metricTotal(m, 'tempstream_readings_transactions_total') ?? 0,
            };
            return { done: seen.received > 0 && seen.handled > 0 && seen.dead > 0 && seen.transactions > 0, state: JSON.stringify(seen) };
          },
          { what: '/metrics shows received, handled, dead-lettered and stored records', timeoutMs: 45_000, intervalMs: 250, abortIf: stillRunning(first) },
        );
        expect((await httpGet(port, '/readyz')).status).toBe(200);
        expect((await httpGet(port, '/healthz')).status).toBe(200);
      }
      if (i === STOP_AFTER) {
        runningWhenSignalled = first.running;
        first.signal('SIGTERM');
      }
      await new Promise((r) => setTimeout(r, 15));
    }
    expect(runningWhenSignalled, `tempstream start was not running when SIGTERM was sent; stderr tail:\n${first.stderr.slice(-3000)}`).toBe(true);

    const firstExit = await first.wait(60_000);
    expect(firstExit.code, `first start exited with ${firstExit.code}/${firstExit.signal}; stderr:\n${firstExit.stderr.slice(-3000)}`).toBe(0);
    // A drain, not a crash: the first process committed the offset of every row it stored before it
    // exited (a crash would leave its last rows uncommitted, to be read again by the restart).
    const committedByFirst = await committedOffsets(admin, groupId, TOPICS.readings);
    const storedByFirst = await storedRows();
    expect(storedByFirst.length, 'rows the first process stored').toBeGreaterThan(0);
    const uncommitted = storedByFirst.filter((r) => (committedByFirst.get(r.source_partition) ?? -1n) <= BigInt(r.source_offset));
    expect(
      uncommitted.map((r) => `${r.source_partition}@${String(r.source_offset)}`),
      'rows stored by the first process whose offsets it did not commit',
    ).toEqual([]);

    // The same group picks up where the first one committed and handles the rest.
    const second = spawnCli(['start'], { ...env, METRICS_PORT: '0' });
    await waitForCommitted(
      admin,
      groupId,
      sent.map((s) => s.position),
      90_000,
    ).catch((err: unknown) => {
      throw new Error(`${(err as Error).message}\nsecond start stderr tail:\n${second.stderr.slice(-3000)}`);
    });
    second.signal('SIGTERM');
    const secondExit = await second.wait(60_000);
    expect(secondExit.code, `second start exited with ${secondExit.code}/${secondExit.signal}; stderr:\n${secondExit.stderr.slice(-3000)}`).toBe(0);

    // Every legal reading: exactly one row, at its own source coordinates.
    const rows = await storedRows();
    const rowKeys = rows.map((r) => `${r.source_partition}@${String(r.source_offset)}`);
    const legal = sent.filter((s) => s.legal);
    expect(rowKeys.sort()).toEqual(legal.map((s) => `${s.position.partition}@${s.position.offset}`).sort());
    expect(rows.some((r) => r.device_id.startsWith('bad-'))).toBe(false);

    // Every illegal reading: exactly one dead letter (its key is its own device id).
    await collector.caughtUp(admin, 30_000);
    const deadKeys = collector
      .of(DLQ)
      .map((m) => m.key?.toString() ?? '')
      .filter((k) => k.endsWith(sfx));
    expect(deadKeys.sort()).toEqual(
      sent
        .filter((s) => !s.legal)
        .map((s) => s.reading.deviceId)
        .sort(),
    );
  });
});
