import type { Admin } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createTemperatureRunner, prepareInfrastructure } from '../../app/index.js';
import { registerSchemas, TOPICS, type TemperatureReading } from '../../schemas/index.js';
import type { KafkaTopologyRunner } from '../../topology/index.js';
import { committedOffsets, endOffsets, waitForGroupAtEnd, type Position } from '../support/kafka-probes.js';
import { uniqueName } from '../support/names.js';
import { createTestDatabase, dataTag, ReadingProducer, stackClients, type StackClients, type TestDatabase } from '../support/pipeline-env.js';
import { waitUntil } from '../support/wait.js';

const LIMITS = { minTemp: 40, maxTemp: 120 } as const;
const T0 = Date.UTC(2026, 4, 1, 0, 0, 0);
const STOPS = 3;
const WAIT_MS = 60_000;

/**
 * The graceful stop's promise: stop() while records are in flight drains them through the sink,
 * commits exactly what was handled and leaves. Stopped again and again while a producer keeps
 * sending, the pipeline (app/pipeline.ts, as users run it) must end with every reading stored once,
 * and each restart must begin exactly where the last stop committed: nothing read twice.
 */
describe.each(['at_least_once', 'exactly_once'] as const)(
  'a temperature runner (%s) stopped gracefully mid-stream and started again',
  (processingGuarantee) => {
    const stack = inject('stack');
    const sfx = `~${dataTag()}`;
    let db: TestDatabase;
    let clients: StackClients;
    let admin: Admin;
    let producer: ReadingProducer;
    const running: KafkaTopologyRunner[] = [];

    beforeAll(async () => {
      db = await createTestDatabase(stack, uniqueName('graceful'));
      clients = stackClients(stack, { databaseUrl: db.url, clientId: 'graceful-stop-test' });
      await registerSchemas({ url: stack.schemaRegistryUrl });
      await prepareInfrastructure(clients, {});
      admin = clients.kafka.admin();
      await admin.connect();
      producer = await ReadingProducer.connect(clients.kafka, clients.registry);
    });

    afterAll(async () => {
      for (const runner of running) await runner.stop();
      await producer?.disconnect();
      await admin?.disconnect();
      await clients?.close();
      await db?.drop();
    });

    /** Our rows, as (partition, offset) of the record each came from, with what was stored. */
    const storedRows = async () =>
      (
        await clients
          .knex('temperature')
          .select('device_id', 'reading_time', 'temperature', 'source_partition', 'source_offset')
          .whereRaw('RIGHT(device_id, ?) = ?', [sfx.length, sfx])
      ).map((r: { device_id: string; reading_time: string; temperature: number; source_partition: number; source_offset: string }) => ({
        at: `${r.source_partition}@${r.source_offset}`,
        device_id: r.device_id,
        reading_time: r.reading_time,
        temperature: r.temperature,
      }));
    const countStored = async () => (await storedRows()).length;
    /** A runner that is no longer running will not store anything more: say why instead of waiting. */
    const failure = (runner: KafkaTopologyRunner) =>
      runner.state === 'running'
        ? undefined
        : `the runner is ${runner.state}: ${runner.engine.failed?.message ?? (clients.logger.problems().slice(-3).join(' | ') || 'no error logged')}`;

    it(`loses nothing across ${STOPS} stops while a producer keeps sending, and reads nothing twice`, async () => {
      const groupId = uniqueName('graceful_group');
      const start = async () => {
        const pipeline = createTemperatureRunner(clients, {
          groupId,
          ...LIMITS,
          commitIntervalMs: 100,
          processingGuarantee,
          // A long linger keeps records waiting in the sink, so that a stop finds some in flight.
          sinkBatching: { lingerMs: 150, maxRecords: 40 },
        });
        running.push(pipeline.runner);
        await pipeline.runner.start();
        return pipeline;
      };

      let pipeline = await start();
      // What earlier test files left in the shared topic is this runner's backlog: done with it before
      // our producer starts, every later restart reads only our readings.
      await waitForGroupAtEnd(admin, groupId, TOPICS.readings, WAIT_MS);

      const produced: { reading: TemperatureReading; position: Position }[] = [];
      let producing = true;
      let producerError: unknown;
      const steadyProducer = (async () => {
        for (let i = 0; producing; i++) {
          const reading: TemperatureReading = { deviceId: `dev-${i % 5}${sfx}`, readingTime: T0 + i * 1000, temperature: 50 + (i % 60), unit: 'FAHRENHEIT' };
          produced.push({ reading, position: await producer.sendReading(reading) });
          await new Promise((resolve) => setTimeout(resolve, 2));
        }
      })().catch((err: unknown) => {
        producerError = err;
      });

      const stops: string[] = [];
      try {
        for (let round = 1; round <= STOPS; round++) {
          const storedBefore = await countStored();
          // Let the runner get going on new readings, then stop it at a moment it has some in flight.
          await waitUntil(async () => ({ done: (await countStored()) >= storedBefore + 100, state: `${await countStored()} stored` }), {
            what: `round ${round}: 100 more readings stored`,
            timeoutMs: WAIT_MS,
            abortIf: () => failure(pipeline.runner),
          });
          const deadline = Date.now() + 10_000;
          while (pipeline.runner.engine.tracker.totalInFlight() === 0) {
            if (Date.now() > deadline) throw new Error(`round ${round}: the runner never had a record in flight within 10 s`);
            await new Promise((resolve) => setImmediate(resolve));
          }
          const inFlightAtStop = pipeline.runner.engine.tracker.totalInFlight();
          const producedAtStop = produced.length;
          await pipeline.runner.stop();

          expect(pipeline.runner.state, `round ${round}: state after stop() (${clients.logger.problems().slice(-3).join(' | ')})`).toBe('stopped');
          expect(pipeline.runner.engine.tracker.totalInFlight(), `round ${round}: records left in flight`).toBe(0);
          if (round > 1) expect(pipeline.sink.counters.alreadyPresent, `round ${round}: readings the runner was given again after the last stop`).toBe(0);

          // Exact: a row for every reading below the committed offsets, and none above them.
          const committed = await committedOffsets(admin, groupId, TOPICS.readings);
          const below = produced.filter(({ position }) => BigInt(position.offset) < (committed.get(position.partition) ?? 0n));
          const rows = await storedRows();
          expect(rows.map((r) => r.at).sort(), `round ${round}: rows vs readings below the committed offsets`).toEqual(
            below.map(({ position }) => `${position.partition}@${position.offset}`).sort(),
          );
          stops.push(`stop ${round}: ${inFlightAtStop} in flight, ${below.length}/${producedAtStop} committed`);

          // The producer never stopped: there is more to do for the next runner.
          await waitUntil(() => ({ done: produced.length >= producedAtStop + 50 }), {
            what: `round ${round}: 50 more readings produced after the stop`,
            timeoutMs: WAIT_MS,
          });
          pipeline = await start();
        }
      } finally {
        producing = false;
        await steadyProducer;
      }
      expect(producerError, 'the producer failed').toBeUndefined();

      const committed = await waitForGroupAtEnd(admin, groupId, TOPICS.readings, WAIT_MS);
      await pipeline.runner.stop();
      const ends = await endOffsets(admin, TOPICS.readings);
      expect(Object.fromEntries(committed), 'committed offsets').toEqual(
        Object.fromEntries([...ends].filter(([, e]) => e.high > e.low).map(([p, e]) => [p, e.high])),
      );
      expect(pipeline.sink.counters.alreadyPresent, 'readings the last runner was given again').toBe(0);

      const expected = produced.map(({ reading, position }) => ({
        at: `${position.partition}@${position.offset}`,
        device_id: reading.deviceId,
        reading_time: new Date(reading.readingTime).toISOString().replace('T', ' ').replace('Z', ''),
        temperature: reading.temperature,
      }));
      const rows = await storedRows();
      const order = (r: { at: string }) => r.at;
      expect(rows.sort((a, b) => order(a).localeCompare(order(b)))).toEqual(expected.sort((a, b) => order(a).localeCompare(order(b))));
      console.log(`graceful stop, ${processingGuarantee}: ${produced.length} readings, each stored once; ${stops.join('; ')}`);
    });
  },
);
