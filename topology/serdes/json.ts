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

/**
 * The canonical text of `value`: the fast walk, or when it meets something JSON cannot hold, the
 * explaining one, which throws naming where. A store's value is serialized on every put, so the
 * common case builds no path strings and no arrays besides the keys.
 */
function canonicalJson(value: unknown, serde: string, path: string): string {
  return canonicalOrUndefined(value) ?? explainedCanonicalJson(value, serde, path);
}

/** The canonical text, or undefined if some part of `value` is not JSON (what the explaining walk refuses). */
function canonicalOrUndefined(value: unknown): string | undefined {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return JSON.stringify(value);
    case 'number':
      return Number.isFinite(value) ? JSON.stringify(value) : undefined;
    case 'object': {
      if (value === null) return 'null';
      if (Array.isArray(value)) {
        let out = '[';
        for (let i = 0; i < value.length; i++) {
          const item = canonicalOrUndefined(value[i]);
          if (item === undefined) return undefined; // an undefined item or a hole included
          out += i === 0 ? item : `,${item}`;
        }
        return `${out}]`;
      }
      if (!isPlainObject(value)) return undefined;
      const record = value as Record<string, unknown>;
      const keys = sortedInPlace(Object.keys(record));
      let out = '{';
      let first = true;
      for (const k of keys) {
        const field = record[k];
        if (field === undefined) continue;
        const text = canonicalOrUndefined(field);
        if (text === undefined) return undefined;
        out += `${first ? '' : ','}${JSON.stringify(k)}:${text}`;
        first = false;
      }
      return `${out}}`;
    }
    default:
      return undefined;
  }
}

/** Object keys in the order Array#sort gives strings (UTF-16 code units), by insertion: an object has few keys, and sort() allocates. */
function sortedInPlace(keys: string[]): string[] {
  for (let i = 1; i < keys.length; i++) {
    const k = keys[i]!;
    let j = i - 1;
    while (j >= 0 && keys[j]! > k) {
      keys[j + 1] = keys[j]!;
      j--;
    }
    keys[j + 1] = k;
  }
  return keys;
}

function explainedCanonicalJson(value: unknown, serde: string, path: string): string {
  if (value === null || typeof value === 'boolean' || typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new ProductionError(`${serde}: ${path} is ${String(value)}, which JSON cannot hold (it would read back as null)`);
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) return `[${value.map((item, i) => explainedCanonicalJson(item, serde, `${path}[${i}]`)).join(',')}]`;
  if (typeof value === 'object' && isPlainObject(value)) {
    const fields = Object.keys(value)
      .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${explainedCanonicalJson((value as Record<string, unknown>)[k], serde, `${path}.${k}`)}`);
    return `{${fields.join(',')}}`;
  }
  const what = typeof value === 'object' ? (value.constructor?.name ?? 'object') : typeof value;
  throw new ProductionError(`${serde}: ${path} is a ${what}, which JSON does not read back as it was; give the store a serde for it`);
}

function isPlainObject(value: object): boolean {
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}
