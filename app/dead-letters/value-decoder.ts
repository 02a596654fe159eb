/** A dead letter's value read as its source topic's format, for people to look at. */
import type avro from 'avsc';
import { TOPIC_SCHEMAS, TOPICS } from '../../schemas/index.js';
import { avroRegistrySerde, errorMessage, type AvroRegistryClient, type Deserializer } from '../../topology/index.js';
import type { DeadLetter } from './dead-letter.js';

export type DecodedValue = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly error: string };

export type ValueDecoder = (letter: DeadLetter) => Promise<DecodedValue | undefined>;

/** Decodes by the dead letter's source topic; undefined when there is no value or no known format. */
export function valueDecoder(registry: AvroRegistryClient): ValueDecoder {
  const deserializers = new Map<string, Deserializer<unknown>>();
  for (const { topic, schema } of TOPIC_SCHEMAS) deserializers.set(topic, avroRegistrySerde<unknown>({ registry, schema: schema as avro.Schema }));
  return async (letter) => {
    const topic = letter.reason.sourceTopic;
    if (letter.value === null || topic === undefined) return undefined;
    try {
      if (topic === TOPICS.readingsJson) return { ok: true, value: JSON.parse(letter.value.toString('utf8')) as unknown };
      const deserializer = deserializers.get(topic);
      if (!deserializer) return undefined;
      return { ok: true, value: await deserializer.deserialize(letter.value, topic) };
    } catch (err) {
      return { ok: false, error: errorMessage(err) };
    }
  };
}
