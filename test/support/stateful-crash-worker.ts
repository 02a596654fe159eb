/**
 * A stateful topology process for the stateful crash test: counts the records of each key in a
 * changelog-backed store and sends `count` to OUT_TOPIC for every record. The test kills it with
 * SIGKILL at random moments and starts it again; the counts it sends tell whether any record's state
 * change was lost (a gap) or applied twice (a count above the number of records).
 */
import { Kafka, logLevel } from 'kafkajs';
import { KafkaTopologyRunner } from '../../topology/index.js';
import { countingTopology } from './counting-topology.js';

const env = (name: string): string => {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set`);
  return v;
};

const kafka = new Kafka({ clientId: 'stateful-crash-worker', brokers: env('BROKERS').split(','), logLevel: logLevel.NOTHING });
const runner = new KafkaTopologyRunner(countingTopology(env('TOPIC'), env('OUT_TOPIC')), {
  kafka,
  groupId: env('GROUP'),
  commitIntervalMs: 200,
  maxInFlightPerPartition: 500,
  consumerConfig: { sessionTimeout: 6000, heartbeatInterval: 500, rebalanceTimeout: 6000 },
  processingGuarantee: process.env.GUARANTEE === 'exactly_once' ? 'exactly_once' : 'at_least_once',
  transactionalId: `${env('GROUP')}-worker`,
});

process.on('SIGTERM', () => {
  void runner.stop().finally(() => process.exit(0));
});

await runner.start();
process.send?.('running');
await runner.done();
