/**
 * The stateful test workers' topology: counts the records of each key of `topic` in the
 * changelog-backed store `counts` and sends each new count to `outTopic` (labelled by `label` when
 * given, so a duplicate tells which instance sent it). A gap or a count above a key's number of
 * records tells that a state change was lost or applied twice.
 */
import { TopologyBuilder, keyValueStore, requiredStringSerde, stringSerde, type ProcessorContext, type Serde, type Topology } from '../../topology/index.js';

const countSerde: Serde<number> = { name: 'count', serialize: (n) => Buffer.from(String(n)), deserialize: (b) => Number(b?.toString() ?? 0) };

export function countingTopology(topic: string, outTopic: string, label?: string): Topology {
  const builder = new TopologyBuilder();
  builder.addStateStore(keyValueStore('counts', { key: requiredStringSerde, value: countSerde }));
  builder
    .stream<string | null, string | null>(topic, { key: stringSerde, value: stringSerde })
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
            context.forward({ key, value: label === undefined ? String(count) : `${count}@${label}` });
          },
        };
      },
      { name: 'count', stores: ['counts'] },
    )
    .to(outTopic, { key: requiredStringSerde, value: requiredStringSerde });
  return builder.build();
}
