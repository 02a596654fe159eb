/** How simulated readings go on the wire: Avro in the Confluent format (the registered schema's id), or JSON. */
import type avro from 'avsc';
import { temperatureReadingSchema, type TemperatureReading } from '../../schemas/index.js';
import { avroRegistrySerde, jsonAvroSerde, type AvroRegistryClient, type Serializer } from '../../topology/index.js';

export type ReadingEncoder = (reading: TemperatureReading) => Promise<Buffer>;

/** The same serdes the topology reads with, so what the simulator sends is what the pipeline accepts. */
export function readingEncoder(format: 'avro' | 'json', topic: string, registry: AvroRegistryClient): ReadingEncoder {
  const serde: Serializer<TemperatureReading> =
    format === 'avro'
      ? avroRegistrySerde<TemperatureReading>({ registry, schema: temperatureReadingSchema as avro.Schema })
      : jsonAvroSerde<TemperatureReading>(temperatureReadingSchema as avro.Schema);
  return async (reading) => {
    const bytes = await serde.serialize(reading, topic);
    if (bytes === null) throw new Error(`${serde.name} encoded a reading as null`);
    return bytes;
  };
}
