import avro from 'avsc';
import { describe, expect, it } from 'vitest';
import { DeserializationError, ProductionError } from '../errors.js';
import { jsonAvroSerde } from './json-avro.js';

const schema: avro.Schema = {
  type: 'record',
  name: 'Sample',
  namespace: 'lab',
  fields: [
    { name: 'sourceId', type: 'string' },
    { name: 'level', type: 'double' },
    { name: 'count', type: 'int', default: 0 },
    { name: 'unit', type: 'string', default: 'C' },
    { name: 'note', type: ['null', 'string'], default: null },
    {
      name: 'loc',
      type: {
        type: 'record',
        name: 'Loc',
        fields: [
          { name: 'lat', type: 'double' },
          { name: 'datum', type: 'string', default: 'WGS84' },
        ],
      },
    },
  ],
};

interface Sample {
  sourceId: string;
  level: number;
  count: number;
  unit: string;
  note: string | null;
  loc: { lat: number; datum: string };
}

const serde = jsonAvroSerde<Sample>(schema);
const bytes = (text: string) => Buffer.from(text, 'utf8');
const full: Sample = { sourceId: 's-1', level: 21.5, count: 3, unit: 'F', note: 'hi', loc: { lat: 52.1, datum: 'ED50' } };

/** The DeserializationError `fn` throws (fails the test if it throws nothing or something else). */
function deserializationErrorOf(fn: () => unknown): DeserializationError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(DeserializationError);
    return err as DeserializationError;
  }
  throw new Error('expected a DeserializationError, nothing was thrown');
}

describe('jsonAvroSerde', () => {
  it('is named after the record', () => {
    expect(serde.name).toBe('json<lab.Sample>');
  });

  it('accepts a ready avsc Type as well as a schema', () => {
    const fromType = jsonAvroSerde<Sample>(avro.Type.forSchema(schema));
    expect(fromType.deserialize(bytes(JSON.stringify(full)), 't')).toEqual(full);
  });

  it('reads a valid JSON record as it is', () => {
    expect(serde.deserialize(bytes(JSON.stringify(full)), 't')).toEqual(full);
  });

  it('fills the defaults of missing fields, in nested records too', () => {
    const value = serde.deserialize(bytes('{"sourceId":"s-1","level":20,"loc":{"lat":1}}'), 't');
    expect(value).toEqual({ sourceId: 's-1', level: 20, count: 0, unit: 'C', note: null, loc: { lat: 1, datum: 'WGS84' } });
  });

  it('refuses a missing field without default, naming it', () => {
    const err = deserializationErrorOf(() => serde.deserialize(bytes('{"level":20,"loc":{"lat":1}}'), 't'));
    expect(err.message).toBe('json<lab.Sample>: does not fit the schema: sourceId: got nothing');
  });

  it('refuses a wrong type with the path of the field, nested fields included', () => {
    const err = deserializationErrorOf(() => serde.deserialize(bytes('{"sourceId":"s","level":"warm","loc":{"lat":"north"}}'), 't'));
    expect(err.message).toContain('level: got "warm"');
    expect(err.message).toContain('loc.lat: got "north"');
  });

  it('refuses NaN-like values: the string "NaN" for a double, an overflowing number for an int', () => {
    expect(deserializationErrorOf(() => serde.deserialize(bytes('{"sourceId":"s","level":"NaN","loc":{"lat":1}}'), 't')).message).toContain('level: got "NaN"');
    expect(deserializationErrorOf(() => serde.deserialize(bytes('{"sourceId":"s","level":1,"count":1e999,"loc":{"lat":1}}'), 't')).message).toContain(
      'count: got Infinity',
    );
    expect(deserializationErrorOf(() => serde.deserialize(bytes('{"sourceId":"s","level":1,"count":1.5,"loc":{"lat":1}}'), 't')).message).toContain(
      'count: got 1.5',
    );
  });

  it('refuses bytes that are not JSON', () => {
    expect(deserializationErrorOf(() => serde.deserialize(bytes('{"sourceId":'), 't')).message).toMatch(/^json<lab.Sample>: not JSON: /);
  });

  it('refuses a JSON value that is not an object, and a null value', () => {
    expect(deserializationErrorOf(() => serde.deserialize(bytes('null'), 't')).message).toContain('(root): got null');
    expect(deserializationErrorOf(() => serde.deserialize(bytes('42'), 't')).message).toContain('(root): got 42');
    expect(deserializationErrorOf(() => serde.deserialize(null, 't')).message).toBe('json<lab.Sample>: the value is null');
  });

  it('writes a valid value as JSON', () => {
    const out = serde.serialize(full, 't');
    expect(Buffer.isBuffer(out)).toBe(true);
    expect(JSON.parse((out as Buffer).toString('utf8'))).toEqual(full);
  });

  it('refuses to write a value that does not fit, as a ProductionError naming the path', () => {
    const bad = { ...full, count: Number.NaN, loc: { lat: 'x', datum: 'd' } } as unknown as Sample;
    expect(() => serde.serialize(bad, 't')).toThrow(ProductionError);
    expect(() => serde.serialize(bad, 't')).toThrow('value does not fit the schema: count: got NaN; loc.lat: got "x"');
  });

  it('refuses a bigint with a ProductionError rather than crashing while describing it', () => {
    const bad = { ...full, level: 10n } as unknown as Sample;
    expect(() => serde.serialize(bad, 't')).toThrow(ProductionError);
    expect(() => serde.serialize(bad, 't')).toThrow('level: got 10n');
  });
});

describe('jsonAvroSerde: timestamp-millis fields', () => {
  const timed: avro.Schema = {
    type: 'record',
    name: 'Event',
    namespace: 'lab',
    fields: [
      { name: 'at', type: { type: 'long', logicalType: 'timestamp-millis' } },
      { name: 'seen', type: ['null', { type: 'long', logicalType: 'timestamp-millis' }], default: null },
      { name: 'plain', type: 'long', default: 0 },
      { name: 'label', type: 'string', default: '' },
      {
        name: 'inner',
        type: { type: 'record', name: 'Inner', fields: [{ name: 'when', type: { type: 'long', logicalType: 'timestamp-millis' } }] },
        default: { when: 0 },
      },
    ],
  };
  interface Event {
    at: number;
    seen: number | null;
    plain: number;
    label: string;
    inner: { when: number };
  }
  const events = jsonAvroSerde<Event>(timed);
  const read = (json: object) => events.deserialize(bytes(JSON.stringify(json)), 't') as Event;
  const T = Date.UTC(2026, 2, 1, 8, 0, 0);

  it('takes an ISO-8601 time with a zone as epoch milliseconds, as producers send it as often as a number', () => {
    expect(read({ at: '2026-03-01T08:00:00Z' }).at).toBe(T);
    expect(read({ at: '2026-03-01T08:00:00.123Z' }).at).toBe(T + 123);
    expect(read({ at: '2026-03-01T10:00:00+02:00' }).at).toBe(T);
    expect(read({ at: '2026-03-01T08:00Z' }).at).toBe(T);
    expect(read({ at: T }).at).toBe(T);
  });

  it('does so in a nullable union and a nested record too', () => {
    const value = read({ at: T, seen: '2026-03-01T08:00:01Z', inner: { when: '2026-03-01T08:00:02Z' } });
    expect(value).toEqual({ at: T, seen: T + 1000, plain: 0, label: '', inner: { when: T + 2000 } });
    expect(read({ at: T, seen: null }).seen).toBeNull();
  });

  it.each([
    ['no zone (whose local time?)', '2026-03-01T08:00:00'],
    ['a date alone', '2026-03-01'],
    ['a day that does not exist', '2026-02-30T08:00:00Z'],
    ['hour 24', '2026-03-01T24:00:00Z'],
    ['more than millisecond precision', '2026-03-01T08:00:00.1234Z'],
    ['not a time at all', 'yesterday'],
  ])('refuses %s, naming the field', (_, text) => {
    expect(deserializationErrorOf(() => read({ at: text })).message).toContain(`at: got ${JSON.stringify(text)}`);
  });

  it('leaves strings alone where the schema does not say timestamp-millis', () => {
    expect(deserializationErrorOf(() => read({ at: T, plain: '2026-03-01T08:00:00Z' })).message).toContain('plain: got "2026-03-01T08:00:00Z"');
    expect(read({ at: T, label: '2026-03-01T08:00:00Z' }).label).toBe('2026-03-01T08:00:00Z');
  });

  it('writes epoch milliseconds, as the schema says', () => {
    const out = events.serialize({ at: T, seen: null, plain: 1, label: '', inner: { when: T } }, 't') as Buffer;
    expect(JSON.parse(out.toString('utf8'))).toMatchObject({ at: T, inner: { when: T } });
  });
});
