import type avro from 'avsc';
import { describe, expect, it } from 'vitest';
import { DeserializationError, ProductionError } from '../errors.js';
import { AVRO_BINARY_FORMAT, avroBinarySerde } from './avro-binary.js';
import { jsonAvroSerde } from './json-avro.js';

interface Seen {
  readonly at: number;
  readonly silent: boolean;
  readonly direction: 'HIGH' | 'LOW';
}

const schema: avro.Schema = {
  type: 'record',
  name: 'Seen',
  fields: [
    { name: 'at', type: 'long' },
    { name: 'silent', type: 'boolean' },
    { name: 'direction', type: { type: 'enum', name: 'Direction', symbols: ['HIGH', 'LOW'] } },
  ],
};
const value: Seen = { at: 1_764_450_000_000, silent: false, direction: 'LOW' };

describe('avroBinarySerde', () => {
  it('reads back what it wrote, as a plain object, after its format byte, in fewer bytes than JSON', async () => {
    const serde = avroBinarySerde<Seen>(schema);
    const bytes = serde.serialize(value, 't')!;
    expect(bytes).toBeInstanceOf(Buffer);
    expect((bytes as Buffer)[0]).toBe(AVRO_BINARY_FORMAT);
    const back = await serde.deserialize(bytes as Buffer, 't');
    expect(back).toStrictEqual(value);
    expect(Object.getPrototypeOf(back)).toBe(Object.prototype);
    expect((bytes as Buffer).length).toBeLessThan(JSON.stringify(value).length / 3);
  });

  it('writes values larger than its scratch space whole, and small ones after them alike', async () => {
    const serde = avroBinarySerde<{ readonly text: string }>({ type: 'record', name: 'Text', fields: [{ name: 'text', type: 'string' }] });
    for (const text of ['a', 'b'.repeat(300), 'c'.repeat(5000), 'd']) {
      const bytes = serde.serialize({ text }, 't') as Buffer;
      expect(bytes[0]).toBe(AVRO_BINARY_FORMAT);
      expect(await serde.deserialize(bytes, 't')).toStrictEqual({ text });
    }
  });

  it('refuses to write a value that does not fit the schema, naming the field', () => {
    const serde = avroBinarySerde<Seen>(schema);
    expect(() => serde.serialize({ ...value, at: 1.5 }, 't')).toThrow(ProductionError);
    expect(() => serde.serialize({ ...value, direction: 'MID' } as unknown as Seen, 't')).toThrow(/direction/);
    expect(() => serde.serialize({ at: 1, silent: true } as unknown as Seen, 't')).toThrow(/direction/);
    // A refused value leaves nothing behind: the next one is written whole.
    expect(serde.deserialize(serde.serialize(value, 't') as Buffer, 't')).toStrictEqual(value);
  });

  it('reads a value of the earlier format through its fallback (a changelog written before), and refuses it without one', async () => {
    const json = jsonAvroSerde<Seen>(schema);
    const old = json.serialize(value, 't') as Buffer;
    expect(await avroBinarySerde<Seen>(schema, { fallback: json }).deserialize(old, 't')).toEqual(value);
    expect(() => avroBinarySerde<Seen>(schema).deserialize(old, 't')).toThrow(DeserializationError);
  });

  it('refuses null, truncated and overlong bytes as undecodable', () => {
    const serde = avroBinarySerde<Seen>(schema);
    const bytes = serde.serialize(value, 't') as Buffer;
    expect(() => serde.deserialize(null, 't')).toThrow(DeserializationError);
    expect(() => serde.deserialize(bytes.subarray(0, 3), 't')).toThrow(DeserializationError);
    expect(() => serde.deserialize(Buffer.concat([bytes, Buffer.from([0])]), 't')).toThrow(DeserializationError);
  });
});
