/**
 * The state phase's child process: runs one job (restore a changelog directly, restore it through a
 * runner, or process a backlog with or without state) so that its CPU and memory are its own.
 * Started with --expose-gc: memory is read after a forced collection, i.e. what is really held.
 */
import { Kafka, logLevel } from 'kafkajs';
import {
  ChangelogRestorer,
  InMemoryKeyValueStore,
  KafkaChangelogSource,
  KafkaTopologyRunner,
  errorMessage,
  requiredStringSerde,
  type Logger,
} from '../topology/index.js';
import { STATE_CHILD_CONFIG_ENV, type FromStateChild, type MemoryAfterGc, type StateChildConfig, type ToStateChild } from './state-protocol.js';
import { AGGREGATE_STORE, aggregateSerde, stateTopology, type Aggregate } from './state-workload.js';

const raw = process.env[STATE_CHILD_CONFIG_ENV];
if (!raw || !process.send) throw new Error(`run by the bench with an IPC channel and ${STATE_CHILD_CONFIG_ENV} set`);
const config = JSON.parse(raw) as StateChildConfig;
const forceGc = (globalThis as { gc?: () => void }).gc;
if (!forceGc) throw new Error('the state child needs node --expose-gc');

const send = (message: FromStateChild): Promise<void> =>
  new Promise((resolve) => {
    if (!process.connected) return resolve();
    process.send?.(message, undefined, {}, () => resolve());
  });

const cpuSeconds = (): number => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1e6;
};

function memoryAfterGc(storeEntries: Record<string, number>): MemoryAfterGc {
  // Twice: the first collection may only queue finalizers whose memory the second frees.
  forceGc!();
  forceGc!();
  const m = process.memoryUsage();
  return { rssBytes: m.rss, heapUsedBytes: m.heapUsed, externalBytes: m.external, arrayBuffersBytes: m.arrayBuffers, storeEntries };
}

const kafka = new Kafka({ clientId: 'bench-state', brokers: config.brokers, logLevel: logLevel.ERROR });
let entriesOf: () => Record<string, number> = () => ({});
let stopWork: () => Promise<void> = () => Promise.resolve();

process.on('message', (message: ToStateChild) => {
  if (message.type === 'measure') void send({ type: 'measured', at: Date.now(), cpuSeconds: cpuSeconds(), memory: memoryAfterGc(entriesOf()) });
  if (message.type === 'stop')
    void stopWork()
      .catch((err: unknown) => send({ type: 'failed', error: errorMessage(err) }))
      .finally(() => process.exit(0));
});
process.on('disconnect', () => void stopWork().finally(() => process.exit(0)));
process.on('SIGINT', () => undefined); // the parent handles Ctrl-C and tells us to stop

try {
  const { job } = config;
  switch (job.kind) {
    case 'restore-direct': {
      const noLogging = {
        changeLogger: {
          logChange: () => {
            throw new Error('a restore logs nothing');
          },
        },
        recordTimestamp: () => 0,
      };
      const stores = Array.from(
        { length: job.partitions },
        () =>
          new InMemoryKeyValueStore<string, Aggregate>({
            name: AGGREGATE_STORE,
            changelogTopic: job.changelogTopic,
            keySerde: requiredStringSerde,
            valueSerde: aggregateSerde,
            context: noLogging,
          }),
      );
      entriesOf = () => ({ [AGGREGATE_STORE]: stores.reduce((n, s) => n + s.approximateNumEntries, 0) });
      const restorer = new ChangelogRestorer(new KafkaChangelogSource(kafka, { groupIdPrefix: `bench-state-restore-${Date.now().toString(36)}` }));
      await send({ type: 'starting', at: Date.now(), cpuSeconds: cpuSeconds(), memory: memoryAfterGc(entriesOf()) });
      const signal = new AbortController().signal;
      const results = await Promise.all(stores.map((store, partition) => restorer.restore({ store, topic: job.changelogTopic, partition, signal })));
      if (results.some((r) => !r.completed)) throw new Error('a partition did not restore');
      await send({ type: 'restored', at: Date.now(), cpuSeconds: cpuSeconds(), entries: results.reduce((n, r) => n + r.entries, 0) });
      break;
    }
    case 'restore-runner':
    case 'process': {
      const variant = job.kind === 'process' ? job.variant : 'kv';
      let restoredTasks = 0;
      let restoring: Promise<void> | undefined;
      const logger: Logger = {
        debug: () => undefined,
        info: (_fields, message) => {
          if (message === 'task state restored' && job.kind === 'restore-runner' && ++restoredTasks === job.partitions) {
            restoring = send({ type: 'restored', at: Date.now(), cpuSeconds: cpuSeconds(), entries: undefined });
          }
        },
        warn: (fields, message) => console.error(`[state child] ${message} ${JSON.stringify(fields)}`),
        error: (fields, message) => console.error(`[state child] ${message} ${JSON.stringify(fields)}`),
      };
      const runner = new KafkaTopologyRunner(stateTopology(variant, job.inputTopic, job.outputTopic), { kafka, groupId: job.groupId, logger });
      entriesOf = () => {
        const out: Record<string, number> = {};
        for (const { name } of runner.topology.stores) {
          const tasks = runner.stateStore(name);
          out[name] = [...tasks.values()].reduce((n, s) => n + s.approximateNumEntries, 0);
        }
        return out;
      };
      stopWork = () => runner.stop();
      runner.done().catch((err: unknown) => send({ type: 'failed', error: errorMessage(err) }));
      await send({ type: 'starting', at: Date.now(), cpuSeconds: cpuSeconds(), memory: memoryAfterGc({}) });
      await runner.start();
      await restoring;
      break;
    }
  }
} catch (err) {
  await send({ type: 'failed', error: errorMessage(err) });
  process.exit(1);
}
