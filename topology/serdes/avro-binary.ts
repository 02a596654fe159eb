import avro from 'avsc';
import type { Schema, Type } from 'avsc';
import { DeserializationError, ProductionError, errorMessage } from '../errors.js';
import { avroProblems } from './avro-validation.js';
import type { Deserializer, Serde } from './serde.js';

/** The first byte of every value this serde writes: its format, so that a later format can tell its values from these. */
export const AVRO_BINARY_FORMAT = 0x01;

export interface AvroBinarySerdeOptions<T> {
  /**
   * Reads a value that does not start with the format byte: what the store held before it took this
   * serde (JSON starts with `{`), so that a changelog written in the old format still restores.
   */
  readonly fallback?: Deserializer<T>;
}

/**
 * Avro binary with no registry, for values whose schema the code that decodes them owns (a state store's):
 * a third to a fifth of the JSON bytes, and written and read by avsc's compiled functions rather
 * than through text. Written values are checked against the schema (avsc refuses what does not
 * fit); values read back are plain objects, as JSON gives them.
 */
export function avroBinarySerde<T>(schema: Schema | Type, options: AvroBinarySerdeOptions<T> = {}): Serde<T> {
  const type: Type = avro.Type.isType(schema) ? (schema as Type) : avro.Type.forSchema(schema);
  const name = `avro-binary<${type.name ?? type.typeName}>`;
  const { fallback } = options;
  // Encoded into a scratch buffer, then copied out at its size: toBuffer would allocate a zeroed
  // buffer of its own (outside Node's pool) on every call, and this runs on every store write.
  let scratch = Buffer.allocUnsafe(256);
  scratch[0] = AVRO_BINARY_FORMAT;
  const encode = (value: T): number => {
    for (;;) {
      const end = type.encode(value, scratch, 1);
      if (end >= 0) return end;
      // A negative end is how many bytes were missing.
      scratch = Buffer.allocUnsafe(Math.max(scratch.length * 2, scratch.length - end));
      scratch[0] = AVRO_BINARY_FORMAT;
    }
  };
  return {
    name,
    serialize(value: T): Buffer {
      let end: number;
      try {
        end = encode(value);
      } catch {
        throw new ProductionError(`${name}: value does not fit the schema: ${avroProblems(type, value).join('; ') || 'invalid'}`);
      }
      // Copied out at its size, from Node's pool. A store value is a few dozen bytes: a loop copies
      // them without the view of the scratch that Buffer.from(subarray) or a partial copy() makes.
      const out = Buffer.allocUnsafe(end);
      if (end > 128) scratch.copy(out, 0, 0, end);
      else for (let i = 0; i < end; i++) out[i] = scratch[i]!;
      return out;
    },
    deserialize(bytes: Buffer | null, topic: string): T | Promise<T> {
      if (bytes === null) throw new DeserializationError(`${name}: the value is null`);
      if (bytes[0] !== AVRO_BINARY_FORMAT) {
        if (fallback) return fallback.deserialize(bytes, topic);
        throw new DeserializationError(`${name}: not written by this serde (first byte ${bytes[0] ?? 'missing'})`);
      }
      // Decoded from just past the format byte, rather than from a view of the rest made per read.
      let result: { value: unknown; offset: number };
      try {
        result = type.decode(bytes, 1);
      } catch (err) {
        throw new DeserializationError(`${name}: ${errorMessage(err)}`);
      }
      if (result.offset !== bytes.length) throw new DeserializationError(`${name}: ${result.offset < 0 ? 'truncated buffer' : 'trailing data'}`);
      const decoded = result.value;
      // avsc gives records as instances of a generated class: a plain object, as JSON would give.
      return (typeof decoded === 'object' && decoded !== null && !Array.isArray(decoded) ? { ...decoded } : decoded) as T;
    },
  };
}
