/**
 * How the app's state stores keep their values: Avro binary against the store's schema (a third of
 * the JSON bytes in the changelog, and no text built or parsed on every reading), reading values an
 * earlier version logged as JSON too, so that a changelog written before still restores.
 */
import type avro from 'avsc';
import { avroBinarySerde, jsonAvroSerde, type Deserializer, type Serde } from '../topology/index.js';

/** `legacy` reads what the store logged before (default: JSON checked against the same schema, what the app's key-value stores used). */
export function stateValueSerde<T>(schema: avro.Schema, legacy: Deserializer<T> = jsonAvroSerde<T>(schema)): Serde<T> {
  return avroBinarySerde<T>(schema, { fallback: legacy });
}
