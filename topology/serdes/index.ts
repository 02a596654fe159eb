export type { Serde, Serializer, Deserializer, SchemaAwareDeserializer } from './serde.js';
export { stringSerde, bytesSerde, requiredStringSerde } from './basic.js';
export { jsonAvroSerde } from './json-avro.js';
export { avroBinarySerde, AVRO_BINARY_FORMAT, type AvroBinarySerdeOptions } from './avro-binary.js';
export { avroRegistrySerde, readWireHeader, writeWire, WIRE_MAGIC } from './avro-registry.js';
export type { AvroRegistryClient, AvroRegistrySerde, AvroRegistrySerdeOptions } from './avro-registry.js';
export { avroProblems } from './avro-validation.js';
export { jsonSerde } from './json.js';
export { timeWindowedSerde, type Windowed } from './windowed.js';
