/**
 * One instance of the stateful rebalance test: counts the records of each key in a changelog-backed
 * store and sends `count` to OUT_TOPIC for every record, like the crash worker, but named (WORKER) so
 * several run side by side in one group, each with a transactional id of its own. Asked 'state' over
 * IPC, it answers what its store holds, by partition (the runner's stateStore(), read from outside).
 */
import { Kafka, logLevel } from 'kafkajs';
import { KafkaTopologyRunner, type Logger } from '../../topology/index.js';
import { countingTopology } from './counting-topology.js';

const env = (name: string): string => {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set`);
  return v;
};

/** What the worker answers to 'state': per partition it holds, each key's count. */
export interface StoreSnapshot {
  readonly worker: string;
  readonly partitions: Record<number, Record<string, number>>;
}

const worker = env('WORKER');

/** TRACE=1: the runner's rebalance story (assignments, restores, aborts, non-periodic commits) on stderr. */
const line =
  (level: string) =>
  (fields: object, message: string): void => {
    if ('reason' in fields && fields.reason === 'interval') return;
    process.stderr.write(`${new Date().toISOString().slice(11, 23)} ${worker} ${level} ${message} ${JSON.stringify(fields)}\n`);
  };
const logger: Logger | undefined = process.env.TRACE ? { debug: line('debug'), info: line('info'), warn: line('warn'), error: line('error') } : undefined;

const kafka = new Kafka({ clientId: `stateful-rebalance-${worker}`, brokers: env('BROKERS').split(','), logLevel: logLevel.NOTHING });
// Which instance sent a count: a duplicate then tells which two owners of the partition both sent it.
const runner = new KafkaTopologyRunner(countingTopology(env('TOPIC'), env('OUT_TOPIC'), worker), {
  kafka,
  groupId: env('GROUP'),
  instanceId: worker,
  commitIntervalMs: 200,
  maxInFlightPerPartition: 500,
  consumerConfig: { sessionTimeout: 6000, heartbeatInterval: 500, rebalanceTimeout: 6000 },
  processingGuarantee: process.env.GUARANTEE === 'exactly_once' ? 'exactly_once' : 'at_least_once',
  transactionalId: `${env('GROUP')}-${worker}`,
  logger,
});

process.on('SIGTERM', () => {
  void runner.stop().finally(() => process.exit(0));
});

process.on('message', (message) => {
  if (message !== 'state') return;
  void (async () => {
    const partitions: Record<number, Record<string, number>> = {};
    for (const [partition, store] of runner.stateStore('counts')) {
      const entries = 'all' in store ? await store.all() : [];
      partitions[partition] = Object.fromEntries(entries.map((e) => [String(e.key), Number(e.value)]));
    }
    const snapshot: StoreSnapshot = { worker, partitions };
    process.send?.(snapshot);
  })();
});

await runner.start();
process.send?.('running');
await runner.done();
