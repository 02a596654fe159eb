/**
 * A stateful topology process for the stateful crash test: counts the records of each key in a
 * changelog-backed store and sends `count` to OUT_TOPIC for every record. The test kills it with
 * SIGKILL at random moments and starts it again; the counts it sends tell whether any record's state
 * change was lost (a gap) or applied twice (a count above the number of records).
 */
import { Kafka, logLevel } from 'kafkajs';
import {
  KafkaTopologyRunner,
  TopologyBuilder,
  keyValueStore,
  requiredStringSerde,
  stringSerde,
  type ProcessorContext,
  type Serde,
} from '../../topology/index.js';

const env = (name: string): string => {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set`);
  return v;
};

const countSerde: Serde<number> = { name: 'count', serialize: (n) => Buffer.from(String(n)), deserialize: (b) => Number(b?.toString() ?? 0) };

const builder = new TopologyBuilder();
builder.addStateStore(keyValueStore('counts', { key: requiredStringSerde, value: countSerde }));
builder
  .stream<string | null, string | null>(env('TOPIC'), { key: stringSerde, value: stringSerde })
  .process<string, string>(
    () => {
      let context: ProcessorContext<string, string>;
      return {
        init: (c) => void (context = c),
        process: async (record) => {
          const store = context.getKeyValueStore<string, number>('counts');
          const key = record.key ?? '';
          const count = ((await store.get(key)) ?? 0) + 1;
          await store.put(key, count);
          context.forward({ key, value: String(count) });
        },
      };
    },
    { name: 'count', stores: ['counts'] },
  )
  .to(env('OUT_TOPIC'), { key: requiredStringSerde, value: requiredStringSerde });

const kafka = new Kafka({ clientId: 'stateful-crash-worker', brokers: env('BROKERS').split(','), logLevel: logLevel.NOTHING });
const runner = new KafkaTopologyRunner(builder.build(), {
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
