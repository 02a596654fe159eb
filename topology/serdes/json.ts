import { DeserializationError, ProductionError } from '../errors.js';
import type { Serde } from './serde.js';

/**
 * Plain JSON, for state-store keys and values when no other serde is given. Refuses what JSON would
 * silently change (NaN and ±Infinity become null, a Date a string, a Map `{}`, undefined in an array
 * null) rather than storing a value that reads back different. Object keys are written sorted, so that
 * two equal objects are one store key whatever the order their properties were set in.
 */
export function jsonSerde<T>(name = 'json'): Serde<T> {
  return {
    name,
    serialize(value: T): Buffer {
      return Buffer.from(canonicalJson(value, name, '$'), 'utf8');
    },
    deserialize(bytes: Buffer | null): T {
      if (bytes === null) throw new DeserializationError(`${name}: the value is null`);
      try {
        return JSON.parse(bytes.toString('utf8')) as T;
      } catch (err) {
        throw new DeserializationError(`${name}: not JSON: ${(err as Error).message}`);
      }
    },
  };
}

function canonicalJson(value: unknown, serde: string, path: string): string {
  if (value === null || typeof value === 'boolean' || typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new ProductionError(`${serde}: ${path} is ${String(value)}, which JSON cannot hold (it would read back as null)`);
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) return `[${value.map((item, i) => canonicalJson(item, serde, `${path}[${i}]`)).join(',')}]`;
  if (typeof value === 'object' && isPlainObject(value)) {
    const fields = Object.keys(value)
      .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k], serde, `${path}.${k}`)}`);
    return `{${fields.join(',')}}`;
  }
  const what = typeof value === 'object' ? (value.constructor?.name ?? 'object') : typeof value;
  throw new ProductionError(`${serde}: ${path} is a ${what}, which JSON does not read back as it was; give the store a serde for it`);
}

function isPlainObject(value: object): boolean {
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}
