import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TOPICS } from '../../schemas/index.js';
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
import { docker, sleep, startInProcess, startScenario, type InProcessInstance, type ScenarioEnv } from './support/pipeline.js';

const PARTITIONS = 3;
/** Each cycle: `container.restart()` (testcontainers), then a stop, some time down, and a start. */
const CYCLES = byMode({ reduced: 1, full: 3 });
const DOWN_MS = byMode({ reduced: 5_000, full: 15_000 });

/**
 * Scenario 2: the Kafka container is restarted, and stopped and started again after some time down,
 * while the topology (in this process, createTemperatureRunner) processes a steady load. The broker
 * must come back on the same host port (it advertises it); the topology must ride through without
 * failing and catch up; every reading ends in exactly one destination.
 */
describe('broker restart: the Kafka container restarted and stopped/started during processing', () => {
  let env: ScenarioEnv;
  let load: LoadGenerator | undefined;
  let instance: InProcessInstance | undefined;

  beforeAll(async () => {
    env = await startScenario('broker', { partitions: PARTITIONS });
  });

  afterAll(async () => {
    await load?.stop(5_000).catch(() => undefined);
    await instance?.stop().catch(() => undefined);
    await env?.stop();
  });

  const brokerAnswers = async (): Promise<void> => {
    const probe = new Kafka({
      clientId: 'broker-probe',
      brokers: [...env.endpoints.brokers],
      logLevel: logLevel.NOTHING,
      retry: { retries: 0 },
      connectionTimeout: 2_000,
    });
    await waitUntil(
      async () => {
        const admin = probe.admin();
        try {
          await admin.connect();
          const offsets = await admin.fetchTopicOffsets(TOPICS.readings);
          return { done: offsets.length === PARTITIONS };
        } finally {
          await admin.disconnect();
        }
      },
      { what: 'Kafka answered again after the restart', timeoutMs: 120_000, intervalMs: 500 },
    );
  };

  const progressSince = async (groupId: string, sample: CommittedSample, what: string): Promise<void> => {
    const total = (s: CommittedSample) => [...s.offsets.values()].reduce((a, b) => a + b, 0n);
    await waitUntil(
      async () => {
        const now = await sampleCommitted(env.admin, groupId, TOPICS.readings);
        const state = `committed ${total(now)} (was ${total(sample)}); topology ${instance?.runner.state}; last problems:\n${instance?.logger.summary()}`;
        return { done: total(now) > total(sample) + BigInt(LOAD_RATE), state };
      },
      { what, timeoutMs: 120_000, intervalMs: 500 },
    );
  };

  it(`rides through ${CYCLES * 2} broker restarts on the same port and loses nothing`, async () => {
    const started = Date.now();
    const groupId = uniqueName('reliability_broker');
    const port = Number(env.endpoints.brokers[0]!.split(':')[1]);
    load = new LoadGenerator({ kafka: env.clients.kafka, registry: env.clients.registry, ratePerSecond: LOAD_RATE, partitions: PARTITIONS, tag: dataTag() });
    await load.start();
    instance = await startInProcess(env.endpoints, { groupId, clientId: 'broker-topology' });
    await progressSince(groupId, { at: Date.now(), offsets: new Map() }, 'the topology committed before any restart');

    const samples: CommittedSample[] = [];
    const ports: string[] = [];
    for (let cycle = 0; cycle < CYCLES; cycle++) {
      await env.stack.containers.kafka.restart({ timeout: 10 });
      ports.push(`restart() ${port} -> ${await docker.hostPort(env.stack.containers.kafka, 9092)}`);
      expect(await docker.hostPort(env.stack.containers.kafka, 9092), 'host port after container.restart()').toBe(port);
      await brokerAnswers();
      let sample = await sampleCommitted(env.admin, groupId, TOPICS.readings);
      samples.push(sample);
      await progressSince(groupId, sample, `the topology committed again after restart ${cycle + 1}`);

      await docker.stop(env.stack.containers.kafka, 10);
      await sleep(DOWN_MS);
      await docker.start(env.stack.containers.kafka);
      ports.push(`stop/start ${port} -> ${await docker.hostPort(env.stack.containers.kafka, 9092)}`);
      expect(await docker.hostPort(env.stack.containers.kafka, 9092), 'host port after stop and start').toBe(port);
      await brokerAnswers();
      sample = await sampleCommitted(env.admin, groupId, TOPICS.readings);
      samples.push(sample);
      await progressSince(groupId, sample, `the topology committed again after stop/start ${cycle + 1}`);
      expect(instance.runner.state, `topology state after cycle ${cycle + 1}; last problems:\n${instance.logger.summary()}`).toBe('running');
    }

    const stats = await load.stop(180_000);
    await waitForGroupAtEnd(env.admin, groupId, TOPICS.readings, 180_000);
    expect(instance.runner.state, `the topology survived; last problems:\n${instance.logger.summary()}`).toBe('running');
    const logged = [...new Set(instance.logger.entries.map((e) => e.message))];
    await instance.stop();
    instance = undefined;

    const { rows } = await readRows(env.clients.knex);
    const violations = samples.flatMap((s) => checkCommittedSample(s, load!.produced, rows));
    expect(violations, 'offsets committed past unstored readings').toEqual([]);
    const result = account(
      load.produced,
      await observe({ kafka: env.clients.kafka, admin: env.admin, registry: env.clients.registry, knex: env.clients.knex }),
    );
    recordResult({
      scenario: 'broker restart',
      faults: `${CYCLES} × (container.restart(), then stop, ${DOWN_MS / 1000} s down, start)`,
      load: `${LOAD_RATE}/s for ${stats.seconds.toFixed(0)} s`,
      seconds: (Date.now() - started) / 1000,
      counts: result.counts,
      notes: [
        `host ports: ${ports.join(', ')}`,
        `load generator: ${stats.sendErrors} send errors while the broker was away, ${stats.producerReplacements} producers replaced`,
        `topology warnings/errors: ${logged.join('; ') || 'none'}`,
      ],
    });
    expectAccounted(result, { duplicatesAllowed: true });
  });
});
