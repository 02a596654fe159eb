import type avro from 'avsc';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_HYSTERESIS_F, ROLLUP_WINDOW_MS } from '../../app/index.js';
import { TOPICS, tempAlertEpisodeSchema, type TempAlertEpisode } from '../../schemas/index.js';
import { avroRegistrySerde } from '../../topology/index.js';
import { TopicCollector, waitForGroupAtEnd } from '../support/kafka-probes.js';
import { uniqueName } from '../support/names.js';
import { dataTag } from '../support/pipeline-env.js';
import { seededRandomFor } from '../support/seed.js';
import { waitUntil } from '../support/wait.js';
import { account, observe, readRows, recordResult, sampleCommitted } from './support/destinations.js';
import { LoadGenerator } from './support/load.js';
import { checkStoredRollups } from './support/stored-state.js';
import { LIMITS, byMode } from './support/mode.js';
import { sleep, startScenario, startWorker, type ScenarioEnv, type WorkerInstance } from './support/pipeline.js';
import { checkEpisodes, expectedEpisodes, openEpisodesAt, storedPositions, validReadingsByDevice } from './support/state-checks.js';

const KILLS = byMode({ reduced: 4, full: 10 });
/** Issue 13 asks for at least 2,000 readings/s in the full mode; CI's reduced mode offers less. */
const RATE = byMode({ reduced: 300, full: 2000 });
const PARTITIONS = 3;
/** 24 devices over 3 partitions: reading i goes to partition i % 3 and device i % 24, so a device stays on one partition. */
const DEVICES = 24;
const EPISODES = { ...LIMITS, hysteresis: DEFAULT_HYSTERESIS_F };
const killMoments = seededRandomFor('stateful crash: kill moments');

/**
 * Scenario 7: the stateful topology (episodes, silent devices, minute rollups; createTemperatureRunner's
 * default) SIGKILLed at random moments under a steady load and restarted each time. Its state lives
 * in stores restored from their changelogs, so at the end, read_committed: no device has a second
 * episode OPENED while one is open, every episode but a device's last is RESOLVED, the distinct
 * events equal the pure tracker's over the readings; and every closed minute's row in
 * `temperature_minute` equals the rollup of the stored readings of that device and minute.
 */
describe('stateful crash: the stateful topology SIGKILLed mid-episode and restarted', () => {
  let env: ScenarioEnv;
  let load: LoadGenerator | undefined;
  let worker: WorkerInstance | undefined;

  beforeAll(async () => {
    env = await startScenario('stateful-crash', { partitions: PARTITIONS });
  });

  afterAll(async () => {
    await load?.stop(5_000).catch(() => undefined);
    await worker?.kill('SIGKILL').catch(() => undefined);
    await env?.stop();
  });

  const storedCount = async (): Promise<number> => {
    const [row] = await env.clients.knex('temperature').count<{ n: number | string }[]>({ n: '*' });
    return Number(row?.n ?? 0);
  };

  it(`keeps each episode opened once and resolved, and every closed minute's rollup right, across ${KILLS} SIGKILLs at ${RATE}/s`, async () => {
    const started = Date.now();
    const groupId = uniqueName('reliability_stateful_crash');
    // Reading times from the next minute on, as devices send them, close to the records' Kafka
    // timestamps (readings far behind them once made every rollup late: fixed, see docs/reliability.md).
    const t0 = Math.ceil(Date.now() / ROLLUP_WINDOW_MS) * ROLLUP_WINDOW_MS;
    load = new LoadGenerator({
      t0,
      kafka: env.clients.kafka,
      registry: env.clients.registry,
      ratePerSecond: RATE,
      partitions: PARTITIONS,
      tag: dataTag(),
      devices: DEVICES,
    });
    await load.start();

    // Where each killed instance had got to: the group's committed offsets, and past the last reading it stored.
    const committedAtKills: Map<number, bigint>[] = [];
    const storedAtKills: Map<number, bigint>[] = [];
    for (let k = 0; k < KILLS; k++) {
      worker = await startWorker(env.endpoints, { groupId, name: `stateful-crash-${k}` });
      // Kill only once this instance stored something (it had to rejoin and restore first), then at a random moment.
      const before = await storedCount();
      await waitUntil(async () => ({ done: (await storedCount()) > before, state: `stored ${await storedCount()}` }), {
        what: `instance stateful-crash-${k} stored readings after its start`,
        timeoutMs: 120_000,
        intervalMs: 100,
      });
      await sleep(killMoments.between(0, 5000));
      await worker.kill('SIGKILL');
      worker = undefined;
      committedAtKills.push(new Map((await sampleCommitted(env.admin, groupId, TOPICS.readings)).offsets));
      storedAtKills.push(storedPositions(load.produced, (await readRows(env.clients.knex)).rows));
    }

    // A last instance runs to the end of the input.
    worker = await startWorker(env.endpoints, { groupId, name: 'stateful-crash-final' });
    const stats = await load.stop(120_000);
    const drainStarted = Date.now();
    await waitForGroupAtEnd(env.admin, groupId, TOPICS.readings, 900_000);
    const drainSeconds = (Date.now() - drainStarted) / 1000;
    await worker.kill('SIGTERM');
    worker = undefined;

    const byDevice = validReadingsByDevice(load.produced);
    const openAtKills = storedAtKills.map((stored) => openEpisodesAt(byDevice, stored, EPISODES));
    const uncommittedAtKills = storedAtKills.map((stored, k) =>
      [...stored].reduce((n, [p, next]) => n + Math.max(0, Number(next - (committedAtKills[k]!.get(p) ?? 0n))), 0),
    );
    const expected = expectedEpisodes(byDevice, EPISODES);

    // The episodes topic, read_committed (KafkaJS's default), from the beginning to its end.
    const collector = await TopicCollector.start(env.clients.kafka, { groupId: uniqueName('stateful_crash_episodes'), topics: [TOPICS.episodes] });
    const sent: TempAlertEpisode[] = [];
    try {
      await collector.caughtUp(env.admin, 120_000);
      const serde = avroRegistrySerde<TempAlertEpisode>({ registry: env.clients.registry, schema: tempAlertEpisodeSchema as avro.Schema });
      for (const m of collector.of(TOPICS.episodes)) sent.push(await serde.deserialize(m.value, TOPICS.episodes));
    } finally {
      await collector.stop();
    }
    const episodes = checkEpisodes(sent, expected.events);

    const minutes = await checkStoredRollups(env.clients.knex, byDevice);

    const result = account(
      load.produced,
      await observe({ kafka: env.clients.kafka, admin: env.admin, registry: env.clients.registry, knex: env.clients.knex }),
    );
    const summary =
      `episodes: ${episodes.events} events sent, ${episodes.distinct} distinct (${episodes.opened} OPENED, ${episodes.resolved} RESOLVED), ` +
      `${episodes.duplicates} duplicates, ${episodes.secondOpened} second OPENED, ${episodes.unresolved} never RESOLVED, ` +
      `expected ${[...expected.events.values()].reduce((n, l) => n + l.length, 0)} (${expected.openAtEnd} open at the end); ` +
      `open episodes at each kill: ${openAtKills.join(' ')}; stored but uncommitted readings at each kill: ${uncommittedAtKills.join(' ')}; ` +
      `rollups: ${minutes.rows} rows, ${minutes.closed} closed minutes, ${minutes.matching} matching, ${minutes.missing} missing, ${minutes.wrong} wrong; ` +
      `drain after the load stopped ${drainSeconds.toFixed(0)} s`;
    console.log(`[stateful-crash] ${summary}`);
    recordResult({
      scenario: 'stateful crash',
      faults: `${KILLS} SIGKILLs of the stateful topology process at random moments, each followed by a restart`,
      load: `${RATE}/s for ${stats.seconds.toFixed(0)} s (${(stats.produced / stats.seconds).toFixed(0)}/s acknowledged)`,
      seconds: (Date.now() - started) / 1000,
      counts: result.counts,
      notes: [summary],
    });

    expect(episodes.problems, `episode problems:\n${episodes.problems.slice(0, 20).join('\n')}`).toEqual([]);
    expect(episodes.secondOpened, 'a second episode OPENED while one was open').toBe(0);
    expect(episodes.unresolved, 'episodes never RESOLVED (beyond the last of a device)').toBe(0);
    expect(episodes.distinct, 'distinct episode events = the tracker over the readings').toBe([...expected.events.values()].reduce((n, l) => n + l.length, 0));
    expect(openAtKills.filter((n) => n > 0).length, 'kills that landed with an episode open').toBe(KILLS);
    expect(minutes.problems, `rollup problems:\n${minutes.problems.slice(0, 20).join('\n')}`).toEqual([]);
    expect(minutes.closed, 'closed minutes').toBeGreaterThan(0);
    expect(minutes.matching, 'closed minutes with a matching row').toBeGreaterThanOrEqual(minutes.closed);
    expect(result.counts.lost + result.counts.misrouted + result.counts.storedTwice, 'readings lost, misrouted or stored twice').toBe(0);
  });
});
