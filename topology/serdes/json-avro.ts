import avro from 'avsc';
import type { Schema, Type } from 'avsc';
import { DeserializationError, ProductionError } from '../errors.js';
import { avroProblems } from './avro-validation.js';
import { isoTimesToMillis, TIMESTAMP_MILLIS_LOGICAL_TYPES } from './iso-millis.js';
import type { Serde } from './serde.js';

/**
 * JSON on the wire, checked against an Avro schema both ways: for producers that cannot speak Avro
 * but must still honour the contract. Defaults from the schema fill missing fields on the way in, and
 * a `timestamp-millis` field also takes a zoned ISO-8601 time (given a schema: a ready avsc Type
 * has forgotten its logical types unless it was built with them).
 */
export function jsonAvroSerde<T>(schema: Schema | Type): Serde<T> {
  const type: Type = avro.Type.isType(schema) ? (schema as Type) : avro.Type.forSchema(schema, { logicalTypes: TIMESTAMP_MILLIS_LOGICAL_TYPES });
  const name = `json<${type.name ?? type.typeName}>`;
  return {
    name,
    serialize(value: T): Buffer {
      // The plain check first: listing the problems (a hook per error) is only for a value that has some.
      if (!type.isValid(value)) throw new ProductionError(`${name}: value does not fit the schema: ${avroProblems(type, value).join('; ')}`);
      return Buffer.from(JSON.stringify(value), 'utf8');
    },
    deserialize(bytes: Buffer | null): T {
      if (bytes === null) throw new DeserializationError(`${name}: the value is null`);
      let parsed: unknown;
      try {
        parsed = JSON.parse(bytes.toString('utf8'));
      } catch (err) {
        throw new DeserializationError(`${name}: not JSON: ${(err as Error).message}`);
      }
      const withDefaults = isoTimesToMillis(type, fillDefaults(type, parsed));
      if (!type.isValid(withDefaults)) throw new DeserializationError(`${name}: does not fit the schema: ${avroProblems(type, withDefaults).join('; ')}`);
      return withDefaults as T;
    },
  };
}

/**
 * Adds a record's field defaults where the JSON left the field out (Avro's reader-side defaults). The
 * parsed object is copied only when a field is added or a nested record changes: a value read back
 * whole (a store's, on every get) is returned as it is.
 */
function fillDefaults(type: Type, value: unknown): unknown {
  if (type.typeName !== 'record' || typeof value !== 'object' || value === null || Array.isArray(value)) return value;
  const record = value as Record<string, unknown>;
  let out: Record<string, unknown> | undefined;
  for (const field of (type as avro.types.RecordType).fields) {
    const present = record[field.name];
    if (present === undefined) {
      const fieldDefault: unknown = field.defaultValue();
      if (fieldDefault !== undefined) (out ??= { ...record })[field.name] = fieldDefault;
    } else {
      const filled = fillDefaults(field.type, present); // a nested record's own defaults
      if (filled !== present) (out ??= { ...record })[field.name] = filled;
    }
  }
  return out ?? record;
}
