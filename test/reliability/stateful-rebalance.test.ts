import type avro from 'avsc';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAlertRunner, DEFAULT_HYSTERESIS_F, ROLLUP_WINDOW_MS, type Notifier } from '../../app/index.js';
import { TOPICS, dlqTopicFor, tempAlertEpisodeSchema, type TempAlertEpisode } from '../../schemas/index.js';
import { avroRegistrySerde, type KafkaTopologyRunner } from '../../topology/index.js';
import { TopicCollector, waitForCommitted, waitForGroupAtEnd, type CollectedMessage } from '../support/kafka-probes.js';
import { uniqueName } from '../support/names.js';
import { dataTag } from '../support/pipeline-env.js';
import { within } from '../support/wait.js';
import {
  account,
  checkCommittedSample,
  deadLetterTimes,
  observe,
  readRows,
  recordResult,
  sampleCommitted,
  type CommittedSample,
  type Observed,
} from './support/destinations.js';
import { groupSettled } from './support/group-settled.js';
import { LoadGenerator } from './support/load.js';
import { checkStoredRollups } from './support/stored-state.js';
import { LIMITS, byMode } from './support/mode.js';
import { sleep, startScenario, startWorker, type ScenarioEnv, type WorkerInstance } from './support/pipeline.js';
import { checkEpisodes, episodeEventId, expectedEpisodes, validReadingsByDevice } from './support/state-checks.js';

/** Issue 13 asks for at least 2,000 readings/s in the full mode; CI's reduced mode offers less. */
const RATE = byMode({ reduced: 300, full: 2000 });
/** How long each group shape runs under the load once the group is stable. */
const PHASE_MS = byMode({ reduced: 8_000, full: 20_000 });
const PARTITIONS = 6;
/** 24 devices over 6 partitions: reading i goes to partition i % 6 and device i % 24, so a device stays on one partition. */
const DEVICES = 24;
const EPISODES = { ...LIMITS, hysteresis: DEFAULT_HYSTERESIS_F };
/** Both guarantees, in every mode (docs/reliability.md, "State across a rebalance"). */
const GUARANTEES = ['at_least_once', 'exactly_once'] as const;

/**
 * Scenario 8: the stateful pipeline (episodes, silent devices, minute rollups) as separate processes
 * in one group over 6 partitions under a steady load: 2 instances, a 3rd joins, one stops (SIGTERM),
 * a 4th joins, one is killed (SIGKILL), so every device's state moves to a new owner, which restores
 * it from the changelogs, several times. At the end, read_committed: the distinct episode events equal
 * the pure tracker's over the readings, field by field, with no second OPENED and none unresolved
 * beyond a device's last; under exactly_once no event twice (at_least_once: counted); every closed
 * minute's rollup right; no reading lost, misrouted or stored twice. The alert consumer (notify
 * 'episodes', the CLI's default) runs throughout: `temp_alert_episode` must hold each episode once,
 * as the tracker ends it, and each opening and resolving must be told once.
 */
describe.each(GUARANTEES.map((guarantee) => ({ guarantee })))(
  'stateful rebalance ($guarantee): the stateful pipeline rebalanced 2 → 3 → 2 instances',
  ({ guarantee }) => {
    let env: ScenarioEnv;
    let load: LoadGenerator | undefined;
    let dlqCollector: TopicCollector | undefined;
    let alerts: KafkaTopologyRunner | undefined;
    const workers = new Map<string, WorkerInstance>();

    beforeAll(async () => {
      env = await startScenario(`stateful-rebalance-${guarantee}`, { partitions: PARTITIONS });
    });

    afterAll(async () => {
      await load?.stop(5_000).catch(() => undefined);
      for (const w of workers.values()) await w.kill('SIGKILL').catch(() => undefined);
      await alerts?.stop().catch(() => undefined);
      await dlqCollector?.stop().catch(() => undefined);
      await env?.stop();
    });

    it(`keeps each device's episodes and rollups with its partition as instances join, leave and die (${RATE}/s, ${PARTITIONS} partitions)`, async () => {
      const started = Date.now();
      const at = () => `${((Date.now() - started) / 1000).toFixed(0)}s`;
      const groupId = uniqueName(`reliability_stateful_rebalance_${guarantee}`);
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

      // The alert consumer, as `tempstream alerts` runs it (the CLI gives it the same guarantee as the pipeline).
      const told = new Map<string, number>();
      const notifier: Notifier = {
        name: 'count',
        notify: (notice) => {
          if (notice.kind === 'episode') told.set(episodeEventId(notice.episode), (told.get(episodeEventId(notice.episode)) ?? 0) + 1);
          return Promise.resolve();
        },
      };
      const alertGroup = uniqueName('reliability_stateful_rebalance_alerts');
      alerts = createAlertRunner(env.clients, { groupId: alertGroup, processingGuarantee: guarantee, transactionalId: `${alertGroup}-0` }, notifier, {
        notify: 'episodes',
      }).runner;
      await within(alerts.start(), 60_000, 'the alert consumer started');

      dlqCollector = await TopicCollector.start(env.clients.kafka, { groupId: uniqueName('stateful_rebalance_dlq'), topics: [dlqTopicFor(TOPICS.readings)] });
      /**
       * The group's committed offsets against the destinations after each change (see rebalance.test.ts):
       * the rows as read right after the sample, the dead letters once the run is over. Under
       * exactly_once dead letters are transactional, and a read_committed reader can see them well
       * after the offsets that committed with them: the coordinator writes a transaction's markers
       * partition by partition, and any other instance's transaction still open on the DLQ partition
       * (one draining for seconds before a rebalance) holds its last stable offset back. So a dead
       * letter counts when it is there at the end and was made before the sample.
       */
      const samples: { when: string; sample: CommittedSample; rows: Observed['rows'] }[] = [];
      const checkCommitted = async (when: string) => {
        const sample = await sampleCommitted(env.admin, groupId, TOPICS.readings);
        const { rows } = await readRows(env.clients.knex);
        samples.push({ when, sample, rows });
      };

      const steps: string[] = [];
      const unexpectedExits: string[] = [];
      const start = async (name: string) => {
        const worker = await startWorker(env.endpoints, { groupId, name, processingGuarantee: guarantee });
        workers.set(name, worker);
        void worker.exited.then((how) => {
          if (workers.get(name) === worker) unexpectedExits.push(`${name}: ${how}`);
        });
      };
      const stop = async (name: string, signal: 'SIGTERM' | 'SIGKILL') => {
        const worker = workers.get(name)!;
        workers.delete(name);
        return worker.kill(signal);
      };
      const phase = async (members: number, what: string) => {
        expect(unexpectedExits, `workers that stopped on their own before "${what}"`).toEqual([]);
        steps.push(`${at()} ${what}: ${await groupSettled(env.admin, { groupId, topic: TOPICS.readings, partitions: PARTITIONS }, members, what)}`);
        await checkCommitted(what);
        await sleep(PHASE_MS);
      };

      await load.start();
      await Promise.all([start('w1'), start('w2')]);
      await phase(2, 'w1 and w2');
      await start('w3');
      await phase(3, 'w3 joined');
      const w1Exit = await stop('w1', 'SIGTERM');
      await phase(2, `w1 left by SIGTERM (${w1Exit})`);
      await start('w4');
      await phase(3, 'w4 joined');
      await stop('w2', 'SIGKILL');
      await phase(2, 'w2 killed by SIGKILL');

      const stats = await load.stop(120_000);
      const drainStarted = Date.now();
      await waitForGroupAtEnd(env.admin, groupId, TOPICS.readings, 600_000);
      const drainSeconds = (Date.now() - drainStarted) / 1000;
      steps.push(`${at()} the group at the end of the input`);
      for (const name of [...workers.keys()]) await stop(name, 'SIGTERM');

      const byDevice = validReadingsByDevice(load.produced);
      const expected = expectedEpisodes(byDevice, EPISODES);
      const expectedEvents = [...expected.events.values()].flat();

      // The episodes topic, read_committed (KafkaJS's default), from the beginning to its end.
      const collector = await TopicCollector.start(env.clients.kafka, { groupId: uniqueName('stateful_rebalance_episodes'), topics: [TOPICS.episodes] });
      const messages: CollectedMessage[] = [];
      const sent: TempAlertEpisode[] = [];
      try {
        // Under exactly_once the killed instance's open transaction holds read_committed readers until it times out.
        await collector.caughtUp(env.admin, 120_000);
        const serde = avroRegistrySerde<TempAlertEpisode>({ registry: env.clients.registry, schema: tempAlertEpisodeSchema as avro.Schema });
        for (const m of collector.of(TOPICS.episodes)) {
          messages.push(m);
          sent.push(await serde.deserialize(m.value, TOPICS.episodes));
        }
      } finally {
        await collector.stop();
      }
      const episodes = checkEpisodes(sent, expected.events);
      /** Where each copy of a duplicated event is in the topic: the evidence if exactly_once sends one twice. */
      const copiesAt = new Map<string, string[]>();
      sent.forEach((e, i) =>
        copiesAt.set(episodeEventId(e), [...(copiesAt.get(episodeEventId(e)) ?? []), `[${messages[i]!.partition}]@${messages[i]!.offset}`]),
      );
      const duplicated = [...copiesAt].filter(([, at]) => at.length > 1);

      // The alert consumer has handled every episode event once its group committed past the last of each partition.
      await waitForCommitted(env.admin, alertGroup, messages, 120_000);
      await alerts.stop();
      alerts = undefined;
      const episodeRows = await env.clients
        .knex('temp_alert_episode')
        .select<{ episode_id: string; status: string; readings: number; peak_temperature_f: number }[]>(
          'episode_id',
          'status',
          'readings',
          'peak_temperature_f',
        );
      const lastOf = new Map<string, TempAlertEpisode>();
      for (const e of expectedEvents) lastOf.set(e.episodeId, e);
      const rowProblems: string[] = [];
      const rowIds = new Set(episodeRows.map((r) => r.episode_id));
      if (rowIds.size !== episodeRows.length) rowProblems.push(`${episodeRows.length - rowIds.size} episode ids stored twice`);
      for (const r of episodeRows) {
        const want = lastOf.get(r.episode_id);
        if (!want) rowProblems.push(`a row of no episode: ${r.episode_id}`);
        else if (
          r.status !== (want.event === 'RESOLVED' ? 'RESOLVED' : 'OPEN') ||
          Number(r.readings) !== want.readings ||
          Number(r.peak_temperature_f) !== want.peakTemperatureF
        )
          rowProblems.push(
            `${r.episode_id}: row ${r.status}/${r.readings}/${r.peak_temperature_f}, tracker ${want.event}/${want.readings}/${want.peakTemperatureF}`,
          );
      }
      for (const id of lastOf.keys()) if (!rowIds.has(id)) rowProblems.push(`no row for ${id}`);
      const toldTwice = [...told].filter(([, n]) => n > 1);
      const notTold = expectedEvents.filter((e) => !told.has(episodeEventId(e)));

      const minutes = await checkStoredRollups(env.clients.knex, byDevice);
      await dlqCollector.caughtUp(env.admin, 60_000);
      const deadLetters = deadLetterTimes(dlqCollector.of(dlqTopicFor(TOPICS.readings)));
      const violations = samples.flatMap(({ when, sample, rows }) =>
        checkCommittedSample(sample, load!.produced, rows, deadLetters).map((v) => `${when}: ${v}`),
      );

      const result = account(
        load.produced,
        await observe({ kafka: env.clients.kafka, admin: env.admin, registry: env.clients.registry, knex: env.clients.knex }),
      );
      const summary =
        `${guarantee}: episodes: ${episodes.events} events sent, ${episodes.distinct} distinct (${episodes.opened} OPENED, ${episodes.resolved} RESOLVED), ` +
        `${episodes.duplicates} duplicates, ${episodes.secondOpened} second OPENED, ${episodes.unresolved} never RESOLVED, ` +
        `expected ${expectedEvents.length} (${expected.openAtEnd} open at the end); ` +
        `alert consumer: ${episodeRows.length} episode rows for ${lastOf.size} episodes, ${rowProblems.length} row problems, ` +
        `${told.size} events told, ${toldTwice.length} told twice, ${notTold.length} never told; ` +
        `rollups: ${minutes.rows} rows, ${minutes.closed} closed minutes, ${minutes.matching} matching, ${minutes.missing} missing, ${minutes.wrong} wrong; ` +
        `drain after the load stopped ${drainSeconds.toFixed(0)} s`;
      console.log(`[stateful-rebalance] ${summary}`);
      console.log(`[stateful-rebalance] ${guarantee}: group: ${steps.join('; ')}`);
      if (duplicated.length > 0)
        console.log(
          `[stateful-rebalance] ${guarantee}: duplicated events (episodes topic [partition]@offset of each copy), first 20: ${duplicated
            .slice(0, 20)
            .map(([id, at]) => `${id} ${at.join(' ')}`)
            .join('; ')}`,
        );
      recordResult({
        scenario: `stateful rebalance (${guarantee})`,
        faults: `stateful pipeline, ${PARTITIONS} partitions: 2 instances, a 3rd joins, one SIGTERMed, a 4th joins, one SIGKILLed (${PHASE_MS / 1000} s each)`,
        load: `${RATE}/s for ${stats.seconds.toFixed(0)} s (${(stats.produced / stats.seconds).toFixed(0)}/s acknowledged)`,
        seconds: (Date.now() - started) / 1000,
        counts: result.counts,
        notes: [summary, `group: ${steps.join('; ')}`],
      });

      expect(unexpectedExits, 'workers that stopped on their own').toEqual([]);
      expect(w1Exit, 'the instance stopped by SIGTERM exits cleanly').toBe('exit 0');
      expect(violations, 'offsets committed past readings not yet stored or dead-lettered').toEqual([]);
      expect(episodes.problems, `episode problems:\n${episodes.problems.slice(0, 20).join('\n')}`).toEqual([]);
      expect(episodes.secondOpened, 'a second episode OPENED while one was open').toBe(0);
      expect(episodes.unresolved, 'episodes never RESOLVED (beyond the last of a device)').toBe(0);
      expect(episodes.distinct, 'distinct episode events = the tracker over the readings').toBe(expectedEvents.length);
      expect(expectedEvents.length, 'episode events the load gives').toBeGreaterThan(0);
      if (guarantee === 'exactly_once') expect(episodes.duplicates, 'episode events sent twice under exactly_once (read_committed)').toBe(0);
      expect(rowProblems.slice(0, 20), 'temp_alert_episode: one row per episode, as the tracker ends it').toEqual([]);
      expect(toldTwice.slice(0, 20), 'episode events told more than once').toEqual([]);
      expect(notTold.map(episodeEventId).slice(0, 20), 'episode events never told').toEqual([]);
      expect(minutes.problems, `rollup problems:\n${minutes.problems.slice(0, 20).join('\n')}`).toEqual([]);
      expect(minutes.closed, 'closed minutes').toBeGreaterThan(0);
      expect(minutes.matching, 'closed minutes with a matching row').toBeGreaterThanOrEqual(minutes.closed);
      expect(result.counts.lost + result.counts.misrouted + result.counts.storedTwice, 'readings lost, misrouted or stored twice').toBe(0);
    });
  },
);
