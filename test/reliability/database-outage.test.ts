import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Knex } from 'knex';
import { TOPICS } from '../../schemas/index.js';
import { createKnex } from '../../sinks/index.js';
import { waitForGroupAtEnd } from '../support/kafka-probes.js';
import { uniqueName } from '../support/names.js';
import { dataTag } from '../support/pipeline-env.js';
import { waitUntil } from '../support/wait.js';
import {
  account,
  checkCommittedSample,
  expectAccounted,
  observe,
  readRows,
  recordResult,
  sampleCommitted,
  type CommittedSample,
} from './support/destinations.js';
import { LoadGenerator } from './support/load.js';
import { LOAD_RATE, byMode } from './support/mode.js';
import { docker, sleep, startInProcess, startScenario, type InProcessInstance, type RetryEvent, type ScenarioEnv } from './support/pipeline.js';
import { TcpProxy } from './support/tcp-proxy.js';

const PARTITIONS = 3;
const PAUSE_MS = byMode({ reduced: 10_000, full: 20_000 });
const RESTARTS = byMode({ reduced: 1, full: 3 });
const SINK = 'mysql-temperature';

/**
 * Scenario 3: MySQL frozen (docker pause) for a while, then restarted, under a steady load. While
 * the database is away the topology must neither commit past rows it has not written nor give up
 * on them (no DLQ for good readings): it retries with backoff, then catches up. The pipeline reaches
 * MySQL through a local TCP proxy, because Docker publishes the restarted container on a new host port.
 */
describe('database outage: MySQL paused, then restarted, during processing', () => {
  let env: ScenarioEnv;
  let proxy: TcpProxy | undefined;
  let load: LoadGenerator | undefined;
  let instance: InProcessInstance | undefined;
  /** The test's own reads go through the proxy too: the harness's URL dies with the first restart. */
  let knex: Knex | undefined;

  beforeAll(async () => {
    env = await startScenario('db-outage', { partitions: PARTITIONS });
  });

  afterAll(async () => {
    await load?.stop(5_000).catch(() => undefined);
    await docker.unpause(env.stack.containers.mysql).catch(() => undefined);
    await instance?.stop().catch(() => undefined);
    await knex?.destroy();
    await proxy?.close();
    await env?.stop();
  });

  const storedCount = async (): Promise<number> => {
    const [row] = await knex!('temperature').count<{ n: number | string }[]>({ n: '*' });
    return Number(row?.n ?? 0);
  };

  const storesAgain = async (what: string): Promise<void> => {
    const before = await storedCount();
    await waitUntil(async () => ({ done: (await storedCount()) > before + LOAD_RATE, state: `stored ${await storedCount()} (was ${before})` }), {
      what,
      timeoutMs: 120_000,
      intervalMs: 250,
    });
  };

  /** Samples the group's committed offsets every 500 ms while `during` runs. */
  const sampling = async (groupId: string, samples: CommittedSample[], during: () => Promise<void>): Promise<void> => {
    let on = true;
    const sampler = (async () => {
      while (on) {
        samples.push(await sampleCommitted(env.admin, groupId, TOPICS.readings));
        await sleep(500);
      }
    })();
    try {
      await during();
    } finally {
      on = false;
      await sampler;
    }
  };

  /** Retries of one write, in order: attempts count up from 1, never faster than the initial backoff (100 ms). */
  const backoffProblems = (retries: readonly RetryEvent[]): string[] => {
    const problems: string[] = [];
    for (let i = 1; i < retries.length; i++) {
      const [a, b] = [retries[i - 1]!, retries[i]!];
      if (b.attempt === a.attempt + 1 && b.at - a.at < 90) problems.push(`attempt ${b.attempt} came ${b.at - a.at} ms after attempt ${a.attempt}`);
    }
    return problems;
  };

  it(`keeps every reading through a ${PAUSE_MS / 1000} s freeze and ${RESTARTS} restart(s) of MySQL`, async () => {
    const started = Date.now();
    const groupId = uniqueName('reliability_db');
    const mysql = env.stack.containers.mysql;
    proxy = await TcpProxy.start({ host: env.stack.settings.mysql.host, port: mysql.getMappedPort(3306) });
    const proxiedUrl = new URL(env.endpoints.mysqlUrl);
    proxiedUrl.hostname = '127.0.0.1';
    proxiedUrl.port = String(proxy.port);
    knex = createKnex(proxiedUrl.toString(), { pool: { min: 0, max: 2 } });

    load = new LoadGenerator({ kafka: env.clients.kafka, registry: env.clients.registry, ratePerSecond: LOAD_RATE, partitions: PARTITIONS, tag: dataTag() });
    await load.start();
    instance = await startInProcess(env.endpoints, { groupId, clientId: 'db-topology', mysqlUrl: proxiedUrl.toString() });
    await storesAgain('the topology stored readings before the outage');

    // The freeze: connections stay open, queries hang; a new connection times out.
    const samples: CommittedSample[] = [];
    const pausedAt = Date.now();
    await sampling(groupId, samples, async () => {
      await docker.pause(mysql);
      try {
        await sleep(PAUSE_MS);
      } finally {
        await docker.unpause(mysql);
      }
    });
    const pauseRetries = instance.observer.retries.filter((r) => r.sink === SINK && r.at >= pausedAt).length;
    await storesAgain('the topology stored readings again after the freeze');

    // The restart: connections drop; Docker publishes 3306 on a new host port, the proxy follows it.
    const ports: string[] = [];
    const restartedAt = Date.now();
    for (let r = 0; r < RESTARTS; r++) {
      await sampling(groupId, samples, async () => {
        const before = mysql.getMappedPort(3306);
        await mysql.restart({ timeout: 5 });
        proxy!.retarget({ host: env.stack.settings.mysql.host, port: mysql.getMappedPort(3306) });
        ports.push(`${before} -> ${mysql.getMappedPort(3306)}`);
        await storesAgain(`the topology stored readings again after restart ${r + 1}`);
      });
    }
    const restartRetries = instance.observer.retries.filter((r) => r.sink === SINK && r.at >= restartedAt);

    const stats = await load.stop();
    await waitForGroupAtEnd(env.admin, groupId, TOPICS.readings, 180_000);
    expect(instance.runner.state, `the topology survived; last problems:\n${instance.logger.summary()}`).toBe('running');
    const sink = instance.sink.counters;
    await instance.stop();
    instance = undefined;

    const { rows } = await readRows(knex);
    const violations = samples.flatMap((s) => checkCommittedSample(s, load!.produced, rows));
    expect(violations, 'offsets committed past readings whose rows were not yet written').toEqual([]);
    expect(restartRetries.length, 'the sink retried while MySQL restarted').toBeGreaterThan(0);
    expect(backoffProblems(restartRetries), 'retries back off').toEqual([]);
    const gaps = restartRetries.slice(1).map((r, i) => (r.attempt === restartRetries[i]!.attempt + 1 ? `${r.at - restartRetries[i]!.at}` : '|'));

    const result = account(load.produced, await observe({ kafka: env.clients.kafka, admin: env.admin, registry: env.clients.registry, knex }));
    recordResult({
      scenario: 'database outage',
      faults: `MySQL paused ${PAUSE_MS / 1000} s, then restarted ${RESTARTS} time(s)`,
      load: `${LOAD_RATE}/s for ${stats.seconds.toFixed(0)} s`,
      seconds: (Date.now() - started) / 1000,
      counts: result.counts,
      notes: [
        `sink retries: ${pauseRetries} during the freeze (writes wait on the frozen server), ${restartRetries.length} around the restarts (max attempt ${Math.max(0, ...restartRetries.map((r) => r.attempt))}, ms between attempts: ${gaps.join(' ')}); errors: ${[...new Set(restartRetries.map((r) => r.error.slice(0, 60)))].slice(0, 3).join(' | ')}`,
        `host port of 3306 across restarts: ${ports.join(', ')}`,
        `${samples.length} committed-offset samples checked against row write times`,
        `sink counters: ${JSON.stringify(sink)}`,
      ],
    });
    expectAccounted(result, { duplicatesAllowed: true });
  });
});
