import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TOPICS, dlqTopicFor } from '../../schemas/index.js';
import { TopicCollector, waitForGroupAtEnd } from '../support/kafka-probes.js';
import { uniqueName } from '../support/names.js';
import { dataTag } from '../support/pipeline-env.js';
import { account, checkCommittedSample, deadLetterIds, expectAccounted, observe, readRows, recordResult, sampleCommitted } from './support/destinations.js';
import { groupSettled } from './support/group-settled.js';
import { LoadGenerator } from './support/load.js';
import { LOAD_RATE, byMode } from './support/mode.js';
import { sleep, startInProcess, startScenario, type InProcessInstance, type ScenarioEnv } from './support/pipeline.js';

const PARTITIONS = 6;
/** Each cycle adds an instance to the group and removes (gracefully stops) the oldest one. */
const CYCLES = byMode({ reduced: 1, full: 4 });
const SETTLE_MS = byMode({ reduced: 4_000, full: 8_000 });
const DLQ = dlqTopicFor(TOPICS.readings);

/**
 * Scenario 4: two topology instances (createTemperatureRunner, one group) share a steady load; a
 * third joins and one leaves mid-stream, so partitions move while records are in flight. No reading
 * may be lost or stored twice; redelivered alerts and dead letters are counted.
 */
describe('rebalance: instances join and leave the group mid-stream', () => {
  let env: ScenarioEnv;
  let load: LoadGenerator | undefined;
  let collector: TopicCollector | undefined;
  const instances: { name: string; instance: InProcessInstance }[] = [];

  beforeAll(async () => {
    env = await startScenario('rebalance', { partitions: PARTITIONS });
  });

  afterAll(async () => {
    await load?.stop(5_000).catch(() => undefined);
    for (const { instance } of instances) await instance.stop().catch(() => undefined);
    await collector?.stop().catch(() => undefined);
    await env?.stop();
  });

  it(`loses nothing while instances join and leave (${CYCLES} join/leave cycle(s))`, async () => {
    const started = Date.now();
    const groupId = uniqueName('reliability_rebalance');
    load = new LoadGenerator({ kafka: env.clients.kafka, registry: env.clients.registry, ratePerSecond: LOAD_RATE, partitions: PARTITIONS, tag: dataTag() });
    await load.start();
    collector = await TopicCollector.start(env.clients.kafka, { groupId: uniqueName('rebalance_dlq_reader'), topics: [DLQ] });
    /**
     * Holds the group's committed offsets against the destinations as they are right after the sample:
     * rows read then were committed by then (a row's received_at is stamped before its transaction
     * commits, so it cannot date the commit), and every committed bad record must be in the DLQ.
     */
    const violations: string[] = [];
    const checkCommitted = async (when: string) => {
      const sample = await sampleCommitted(env.admin, groupId, TOPICS.readings);
      const { rows } = await readRows(env.clients.knex);
      await collector!.caughtUp(env.admin, 30_000);
      violations.push(...checkCommittedSample(sample, load!.produced, rows, deadLetterIds(collector!.of(DLQ))).map((v) => `${when}: ${v}`));
    };
    let n = 0;
    const add = async () => {
      const name = `rebalance-${String.fromCharCode(97 + n++)}`;
      instances.push({ name, instance: await startInProcess(env.endpoints, { groupId, clientId: name }) });
    };
    await add();
    await add();
    const shapes = [await groupSettled(env.admin, { groupId, topic: TOPICS.readings, partitions: PARTITIONS }, 2, 'two instances share the partitions')];
    await sleep(SETTLE_MS);

    for (let cycle = 0; cycle < CYCLES; cycle++) {
      await add();
      shapes.push(
        await groupSettled(env.admin, { groupId, topic: TOPICS.readings, partitions: PARTITIONS }, 3, `a third instance joined (cycle ${cycle + 1})`),
      );
      await checkCommitted(`a third instance joined (cycle ${cycle + 1})`);
      await sleep(SETTLE_MS);
      const leaving = instances.shift()!;
      await leaving.instance.stop();
      shapes.push(await groupSettled(env.admin, { groupId, topic: TOPICS.readings, partitions: PARTITIONS }, 2, `${leaving.name} left (cycle ${cycle + 1})`));
      await checkCommitted(`${leaving.name} left (cycle ${cycle + 1})`);
      await sleep(SETTLE_MS);
    }

    const stats = await load.stop();
    await waitForGroupAtEnd(env.admin, groupId, TOPICS.readings, 180_000);
    for (const { name, instance } of instances)
      expect(instance.runner.state, `${name} kept running; last problems:\n${instance.logger.summary()}`).toBe('running');
    for (const { instance } of instances.splice(0)) await instance.stop();

    expect(violations, 'offsets committed past readings not yet stored or dead-lettered').toEqual([]);
    const result = account(
      load.produced,
      await observe({ kafka: env.clients.kafka, admin: env.admin, registry: env.clients.registry, knex: env.clients.knex }),
    );
    recordResult({
      scenario: 'rebalance',
      faults: `2 instances; ${CYCLES} × (a third joins, the oldest leaves), ${PARTITIONS} partitions`,
      load: `${LOAD_RATE}/s for ${stats.seconds.toFixed(0)} s`,
      seconds: (Date.now() - started) / 1000,
      counts: result.counts,
      notes: [`group: ${shapes.join(' -> ')}`],
    });
    expectAccounted(result, { duplicatesAllowed: true });
    // Every illegal reading of the load, and nothing else, is in the DLQ.
    const expectedDeadLetters = load.produced.filter((p) => p.fate.kind === 'dlq').length;
    expect(expectedDeadLetters, 'illegal readings in the load').toBeGreaterThan(0);
    expect(result.counts.dlq, 'records in the DLQ').toBe(expectedDeadLetters);
  });
});
