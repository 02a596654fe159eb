import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TOPICS, dlqTopicFor } from '../../schemas/index.js';
import { TopicCollector, waitForGroupAtEnd } from '../support/kafka-probes.js';
import { uniqueName } from '../support/names.js';
import { seededRandomFor } from '../support/seed.js';
import { dataTag } from '../support/pipeline-env.js';
import { waitUntil } from '../support/wait.js';
import { account, checkCommittedSample, deadLetterIds, expectAccounted, observe, readRows, recordResult, sampleCommitted } from './support/destinations.js';
import { LoadGenerator } from './support/load.js';
import { LOAD_RATE, byMode } from './support/mode.js';
import { sleep, startScenario, startWorker, type ScenarioEnv, type WorkerInstance } from './support/pipeline.js';

const KILLS = byMode({ reduced: 5, full: 20 });
const PARTITIONS = 3;
const DLQ = dlqTopicFor(TOPICS.readings);
/** When each kill lands; the seed is printed (repeat with TEST_SEED). */
const killMoments = seededRandomFor('crash: kill moments');

/**
 * Scenario 1: the topology process (createTemperatureRunner in a child process) is SIGKILLed at
 * random moments under a steady load and started again. After every kill, each offset the group
 * committed must be fully handled (row written, dead letter sent); at the end every reading is in
 * exactly one destination.
 */
describe('crash: the topology SIGKILLed at random moments and restarted', () => {
  let env: ScenarioEnv;
  let load: LoadGenerator | undefined;
  let worker: WorkerInstance | undefined;
  let collector: TopicCollector | undefined;

  beforeAll(async () => {
    env = await startScenario('crash', { partitions: PARTITIONS });
  });

  afterAll(async () => {
    await load?.stop(5_000).catch(() => undefined);
    await worker?.kill('SIGKILL').catch(() => undefined);
    await collector?.stop().catch(() => undefined);
    await env?.stop();
  });

  const storedCount = async (): Promise<number> => {
    const [row] = await env.clients.knex('temperature').count<{ n: number | string }[]>({ n: '*' });
    return Number(row?.n ?? 0);
  };

  it(`never commits an unhandled reading across ${KILLS} SIGKILLs, and ends with every reading in one destination`, async () => {
    const started = Date.now();
    const groupId = uniqueName('reliability_crash');
    load = new LoadGenerator({ kafka: env.clients.kafka, registry: env.clients.registry, ratePerSecond: LOAD_RATE, partitions: PARTITIONS, tag: dataTag() });
    await load.start();
    collector = await TopicCollector.start(env.clients.kafka, { groupId: uniqueName('crash_dlq_reader'), topics: [DLQ] });

    const afterKills: string[] = [];
    let midStream = 0;
    for (let k = 0; k < KILLS; k++) {
      worker = await startWorker(env.endpoints, { groupId, name: `crash-${k}` });
      // Kill only once this instance stored something (it had to rejoin the group first), then at a random moment.
      const before = await storedCount();
      await waitUntil(async () => ({ done: (await storedCount()) > before, state: `stored ${await storedCount()}` }), {
        what: `instance crash-${k} stored readings after its start`,
        timeoutMs: 90_000,
        intervalMs: 100,
      });
      await sleep(killMoments.between(0, 3000));
      const producedAtKill = load.stats().produced;
      await worker.kill('SIGKILL');
      worker = undefined;

      const sample = await sampleCommitted(env.admin, groupId, TOPICS.readings);
      const { rows } = await readRows(env.clients.knex);
      await collector.caughtUp(env.admin, 30_000);
      const violations = checkCommittedSample(sample, load.produced, rows, deadLetterIds(collector.of(DLQ)));
      expect(violations, `after kill ${k + 1}: committed offsets past unhandled readings`).toEqual([]);
      const committedTotal = [...sample.offsets.values()].reduce((a, b) => a + b, 0n);
      if (committedTotal < BigInt(producedAtKill)) midStream++;
      afterKills.push(`${[...sample.offsets.values()].join('/')}`);
    }
    console.log(`[crash] committed offsets after each kill: ${afterKills.join(' -> ')}; ${midStream} of ${KILLS} kills left readings unhandled`);
    expect(midStream, 'kills that landed with readings still unhandled').toBeGreaterThanOrEqual(Math.ceil(KILLS / 2));

    // A last instance runs to the end of the input.
    worker = await startWorker(env.endpoints, { groupId, name: 'crash-final' });
    const stats = await load.stop();
    await waitForGroupAtEnd(env.admin, groupId, TOPICS.readings, 180_000);
    await worker.kill('SIGTERM');
    worker = undefined;

    const result = account(
      load.produced,
      await observe({ kafka: env.clients.kafka, admin: env.admin, registry: env.clients.registry, knex: env.clients.knex }),
    );
    recordResult({
      scenario: 'crash',
      faults: `${KILLS} SIGKILLs of the topology process at random moments, each followed by a restart`,
      load: `${LOAD_RATE}/s for ${stats.seconds.toFixed(0)} s`,
      seconds: (Date.now() - started) / 1000,
      counts: result.counts,
      notes: [`${midStream}/${KILLS} kills mid-stream`],
    });
    expectAccounted(result, { duplicatesAllowed: true });
  });
});
