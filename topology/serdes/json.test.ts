import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { jsonSerde } from './json.js';

describe('jsonSerde', () => {
  const serde = jsonSerde<unknown>();
  const roundTrip = async (v: unknown) => serde.deserialize(await serde.serialize(v, 't'), 't');

  it('reads back every JSON value as it was', async () => {
    await fc.assert(
      fc.asyncProperty(fc.jsonValue(), async (v) => {
        // -0 reads back as 0: equal by ===, the one change JSON makes that the serde lets through.
        expect(await roundTrip(v)).toEqual(withoutNegativeZero(v));
      }),
    );
  });

  it('writes equal objects as equal bytes whatever the order of their properties (one store key)', async () => {
    expect((await serde.serialize({ b: 1, a: { d: 2, c: 3 } }, 't'))!.toString()).toBe('{"a":{"c":3,"d":2},"b":1}');
  });

  it('writes every JSON value as JSON, each object with its keys sorted (integer-like keys too)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.jsonValue(), async (v) => {
        expect((await serde.serialize(v, 't'))!.toString()).toBe(sortedJson(v));
      }),
    );
  });

  it('names where a value deep inside is refused', () => {
    expect(() => serde.serialize({ z: 1, a: [1, { b: Number.NaN }] }, 't')).toThrow(/\$\.a\[1\]\.b is NaN/);
    expect(() => serde.serialize({ a: [{ at: new Date(0) }] }, 't')).toThrow(/\$\.a\[0\]\.at is a Date/);
  });

  it('refuses what JSON would change rather than store a value that reads back different', () => {
    expect(() => serde.serialize(Number.NaN, 't')).toThrow(/\$ is NaN/);
    expect(() => serde.serialize({ sum: Number.POSITIVE_INFINITY }, 't')).toThrow(/\$\.sum is Infinity/);
    expect(() => serde.serialize([1, undefined], 't')).toThrow(/\$\[1\] is a undefined/);
    expect(() => serde.serialize({ at: new Date(0) }, 't')).toThrow(/\$\.at is a Date/);
    expect(() => serde.serialize(new Map(), 't')).toThrow(/Map/);
    expect(() => serde.serialize(1n, 't')).toThrow(/bigint/);
  });

  it('drops an undefined property, which reads back as undefined too', async () => {
    expect(await roundTrip({ a: 1, b: undefined })).toEqual({ a: 1 });
  });

  it('fails to deserialize what is not JSON, or null', () => {
    expect(() => serde.deserialize(Buffer.from('{'), 't')).toThrow(/not JSON/);
    expect(() => serde.deserialize(null, 't')).toThrow(/null/);
  });
});

/** The plain definition, spelled out: JSON.stringify puts integer-like keys first whatever their order. */
function sortedJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(sortedJson).join(',')}]`;
  if (v === null || typeof v !== 'object') return JSON.stringify(v);
  const record = v as Record<string, unknown>;
  return `{${Object.keys(record)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${sortedJson(record[k])}`)
    .join(',')}}`;
}

function withoutNegativeZero(v: unknown): unknown {
  if (Object.is(v, -0)) return 0;
  if (Array.isArray(v)) return v.map(withoutNegativeZero);
  if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, withoutNegativeZero(x)]));
  return v;
}
