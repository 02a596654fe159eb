import avro from 'avsc';
import { describe, expect, it } from 'vitest';
import { TopologyBuilder } from '../dsl/builder.js';
import { DeserializationError, ProductionError, TransientError } from '../errors.js';
import { TopologyTestDriver } from '../testing/test-driver.js';
import { avroRegistrySerde, readWireHeader, writeWire, type AvroRegistryClient } from './avro-registry.js';
import { stringSerde } from './basic.js';

const READING_V1: avro.Schema = {
  type: 'record',
  name: 'Reading',
  namespace: 'iot',
  fields: [
    { name: 'sensorId', type: 'string' },
    { name: 'celsius', type: 'double' },
  ],
};
/** v2 adds a field with a default: v1 data reads as v2, v2 data reads as v1. */
const READING_V2: avro.Schema = {
  ...READING_V1,
  fields: [...READING_V1.fields, { name: 'humidity', type: 'double', default: -1 }],
};
const INVOICE: avro.Schema = { type: 'record', name: 'Invoice', namespace: 'billing', fields: [{ name: 'amount', type: 'long' }] };

interface ReadingV1 {
  sensorId: string;
  celsius: number;
}
interface ReadingV2 extends ReadingV1 {
  humidity: number;
}

/** An in-memory registry: schema ids to avsc Types, subjects to ids; `down` simulates an outage. */
class FakeRegistry implements AvroRegistryClient {
  readonly schemas = new Map<number, unknown>();
  readonly subjects = new Map<string, number>();
  down = false;
  getSchemaCalls = 0;
  lookupCalls = 0;

  register(id: number, schema: avro.Schema, subject?: string): this {
    this.schemas.set(id, avro.Type.forSchema(schema));
    if (subject) this.subjects.set(subject, id);
    return this;
  }

  getSchema(id: number): Promise<unknown> {
    this.getSchemaCalls++;
    if (this.down) return Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:8081'));
    if (!this.schemas.has(id)) return Promise.reject(Object.assign(new Error(`Schema ${id} not found`), { status: 404 }));
    return Promise.resolve(this.schemas.get(id));
  }

  getRegistryIdBySchema(subject: string): Promise<number> {
    this.lookupCalls++;
    if (this.down) return Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:8081'));
    const id = this.subjects.get(subject);
    if (id === undefined) return Promise.reject(Object.assign(new Error('Subject not found.'), { name: 'ConfluentSchemaRegistryError' }));
    return Promise.resolve(id);
  }
}

const encode = (id: number, schema: avro.Schema, value: unknown) => writeWire(id, avro.Type.forSchema(schema).toBuffer(value));

/** The error `run` throws or rejects with (fails the test if there is none). */
/** Decodes as the engine does: a refusal may be thrown at once (schema known) or come as a rejection. */
const decoded = async <T>(serde: { deserialize(bytes: Buffer | null, topic: string): T | Promise<T> }, bytes: Buffer | null): Promise<T> => serde.deserialize(bytes, 't');

async function rejectionOf(run: () => unknown): Promise<Error> {
  try {
    await run();
  } catch (err) {
    expect(err).toBeInstanceOf(Error);
    return err as Error;
  }
  throw new Error('expected a rejection');
}

const reading: ReadingV1 = { sensorId: 's-1', celsius: 21.5 };

/** A serializer may return null in general; this one never should. */
function present(bytes: Buffer | null): Buffer {
  if (bytes === null) throw new Error('expected bytes, got null');
  return bytes;
}

describe('Confluent wire format', () => {
  it('writes magic byte 0 and a big-endian schema id before the body, and reads them back', () => {
    const wire = writeWire(258, Buffer.from([9, 9]));
    expect([...wire]).toEqual([0, 0, 0, 1, 2, 9, 9]);
    const { schemaId, body } = readWireHeader(wire);
    expect(schemaId).toBe(258);
    expect([...body]).toEqual([9, 9]);
  });

  it('refuses bytes without the magic byte or too short for a header', () => {
    expect(() => readWireHeader(Buffer.from('{"json":1}'))).toThrow(DeserializationError);
    expect(() => readWireHeader(Buffer.from([0, 0, 1]))).toThrow(/not in Confluent wire format/);
  });
});

describe('avroRegistrySerde', () => {
  it('round-trips a value through the id registered under <topic>-value', async () => {
    const registry = new FakeRegistry().register(7, READING_V1, 'readings-value');
    const serde = avroRegistrySerde<ReadingV1>({ registry, schema: READING_V1 });
    const bytes = present(await serde.serialize(reading, 'readings'));
    expect(readWireHeader(bytes).schemaId).toBe(7);
    expect(await serde.deserialize(bytes, 'readings')).toEqual(reading);
    expect(serde.name).toBe('avro<iot.Reading>');
  });

  it('looks the writer id up under the subject the option names, once per subject', async () => {
    const registry = new FakeRegistry().register(3, READING_V1, 'custom.Reading');
    const serde = avroRegistrySerde<ReadingV1>({ registry, schema: READING_V1, subject: () => 'custom.Reading' });
    await serde.serialize(reading, 'a');
    const bytes = present(await serde.serialize(reading, 'b'));
    expect(readWireHeader(bytes).schemaId).toBe(3);
    expect(registry.lookupCalls).toBe(1);
  });

  it('fetches a writer schema once and reuses it, even for concurrent records', async () => {
    const registry = new FakeRegistry().register(7, READING_V1);
    const serde = avroRegistrySerde<ReadingV1>({ registry, schema: READING_V1 });
    const bytes = encode(7, READING_V1, reading);
    await Promise.all([serde.deserialize(bytes, 't'), serde.deserialize(bytes, 't')]);
    await serde.deserialize(bytes, 't');
    expect(registry.getSchemaCalls).toBe(1);
  });

  it('reads data written with a newer schema that has an extra field', async () => {
    const registry = new FakeRegistry().register(2, READING_V2);
    const serde = avroRegistrySerde<ReadingV1>({ registry, schema: READING_V1 });
    const value = await serde.deserialize(encode(2, READING_V2, { ...reading, humidity: 40 }), 't');
    expect(value).toEqual(reading);
  });

  it('reads data written with an older schema, filling the new field with its default', async () => {
    const registry = new FakeRegistry().register(1, READING_V1);
    const serde = avroRegistrySerde<ReadingV2>({ registry, schema: READING_V2 });
    const value = await serde.deserialize(encode(1, READING_V1, reading), 't');
    expect(value).toEqual({ ...reading, humidity: -1 });
  });

  it('refuses data written with an unrelated schema, naming the schema id', async () => {
    const registry = new FakeRegistry().register(99, INVOICE);
    const serde = avroRegistrySerde<ReadingV1>({ registry, schema: READING_V1 });
    const err = await rejectionOf(() => serde.deserialize(encode(99, INVOICE, { amount: 5 }), 't'));
    expect(err).toBeInstanceOf(DeserializationError);
    expect((err as DeserializationError).schemaId).toBe(99);
    expect(err.message).toMatch(/^schema id 99 \(billing\.Invoice\) cannot be read as iot\.Reading/);
  });

  it('refuses a schema id whose schema is not Avro', async () => {
    const registry = new FakeRegistry();
    registry.schemas.set(5, { type: 'object', properties: {} }); // a JSON schema
    const serde = avroRegistrySerde<ReadingV1>({ registry, schema: READING_V1 });
    const err = await rejectionOf(() => serde.deserialize(writeWire(5, Buffer.from([0])), 't'));
    expect(err).toBeInstanceOf(DeserializationError);
    expect(err.message).toBe('schema id 5 is not an Avro schema');
  });

  it('refuses bytes that are not in the wire format (wrong magic byte, too short)', async () => {
    const registry = new FakeRegistry().register(7, READING_V1);
    const serde = avroRegistrySerde<ReadingV1>({ registry, schema: READING_V1 });
    const wrongMagic = Buffer.from(encode(7, READING_V1, reading));
    wrongMagic[0] = 1;
    await expect(decoded(serde, wrongMagic)).rejects.toThrow(DeserializationError);
    await expect(decoded(serde, Buffer.from('garbage'))).rejects.toThrow(/not in Confluent wire format/);
    await expect(decoded(serde, Buffer.from([0, 0]))).rejects.toThrow(/not in Confluent wire format/);
    expect(registry.getSchemaCalls).toBe(0);
  });

  it('refuses a corrupt body for a known schema, naming the schema id', async () => {
    const registry = new FakeRegistry().register(7, READING_V1);
    const serde = avroRegistrySerde<ReadingV1>({ registry, schema: READING_V1 });
    const truncated = encode(7, READING_V1, reading).subarray(0, 8);
    const err = await rejectionOf(() => serde.deserialize(truncated, 't'));
    expect(err).toBeInstanceOf(DeserializationError);
    expect((err as DeserializationError).schemaId).toBe(7);
    expect(err.message).toMatch(/corrupt Avro body for schema id 7/);
    const trailing = Buffer.concat([encode(7, READING_V1, reading), Buffer.from([1, 2, 3])]);
    await expect(decoded(serde, trailing)).rejects.toThrow(/corrupt Avro body for schema id 7/);
  });

  it('refuses a null value (a tombstone)', async () => {
    const serde = avroRegistrySerde<ReadingV1>({ registry: new FakeRegistry(), schema: READING_V1 });
    await expect(decoded(serde, null)).rejects.toThrow(DeserializationError);
  });

  it('refuses an id the registry does not know with a DeserializationError carrying the id', async () => {
    const registry = new FakeRegistry();
    const serde = avroRegistrySerde<ReadingV1>({ registry, schema: READING_V1 });
    const err = await rejectionOf(() => serde.deserialize(writeWire(404404, Buffer.alloc(4)), 't'));
    expect(err).toBeInstanceOf(DeserializationError);
    expect((err as DeserializationError).schemaId).toBe(404404);
    expect(err.message).toBe('unknown schema id 404404');
  });

  it('reports a registry outage as a TransientError and asks again on the next record', async () => {
    const registry = new FakeRegistry().register(7, READING_V1);
    const serde = avroRegistrySerde<ReadingV1>({ registry, schema: READING_V1 });
    const bytes = encode(7, READING_V1, reading);
    registry.down = true;
    const err = await rejectionOf(() => serde.deserialize(bytes, 't'));
    expect(err).toBeInstanceOf(TransientError);
    expect(err.message).toMatch(/schema registry unavailable while fetching schema id 7: connect ECONNREFUSED/);
    registry.down = false;
    expect(await serde.deserialize(bytes, 't')).toEqual(reading);
    expect(registry.getSchemaCalls).toBe(2);
  });

  it('decodes synchronously, with no promise per record, once the writer schema is loaded', async () => {
    const registry = new FakeRegistry().register(7, READING_V1);
    const serde = avroRegistrySerde<ReadingV1>({ registry, schema: READING_V1 });
    const bytes = encode(7, READING_V1, reading);
    expect(await serde.deserialize(bytes, 't')).toEqual(reading); // loads the schema
    expect(serde.deserialize(bytes, 't')).toEqual(reading);
  });

  it('refuses to write a value that does not fit the schema, as a ProductionError, without asking the registry', async () => {
    const registry = new FakeRegistry().register(7, READING_V1, 't-value');
    const serde = avroRegistrySerde<ReadingV1>({ registry, schema: READING_V1 });
    const err = await rejectionOf(() => serde.serialize({ sensorId: 's', celsius: 'hot' } as unknown as ReadingV1, 't'));
    expect(err).toBeInstanceOf(ProductionError);
    expect(err.message).toBe('avro<iot.Reading>: value does not fit the schema: celsius: got "hot"');
    expect(registry.lookupCalls).toBe(0);
  });

  it('refuses to write when its schema is not registered under the subject, as a ProductionError', async () => {
    const serde = avroRegistrySerde<ReadingV1>({ registry: new FakeRegistry(), schema: READING_V1 });
    const err = await rejectionOf(() => serde.serialize(reading, 'readings'));
    expect(err).toBeInstanceOf(ProductionError);
    expect(err.message).toMatch(/not registered under subject readings-value/);
  });

  it('reports a registry outage while writing as a TransientError, and asks again next time', async () => {
    const registry = new FakeRegistry().register(7, READING_V1, 'readings-value');
    registry.down = true;
    const serde = avroRegistrySerde<ReadingV1>({ registry, schema: READING_V1 });
    await expect(serde.serialize(reading, 'readings')).rejects.toThrow(TransientError);
    registry.down = false;
    expect(readWireHeader(present(await serde.serialize(reading, 'readings'))).schemaId).toBe(7);
    expect(registry.lookupCalls).toBe(2);
  });

  it('tells the schema id of wire-format bytes, and nothing for other bytes', () => {
    const serde = avroRegistrySerde<ReadingV1>({ registry: new FakeRegistry(), schema: READING_V1 });
    expect(serde.schemaIdOf(writeWire(12345, Buffer.alloc(0)))).toBe(12345);
    expect(serde.schemaIdOf(null)).toBeUndefined();
    expect(serde.schemaIdOf(Buffer.from([0, 0, 1]))).toBeUndefined();
    expect(serde.schemaIdOf(Buffer.from('{"a":1}'))).toBeUndefined();
  });
});

describe('avroRegistrySerde in a topology', () => {
  const topology = (registry: FakeRegistry) => {
    const serde = avroRegistrySerde<ReadingV1>({ registry, schema: READING_V1 });
    const b = new TopologyBuilder();
    b.stream('readings', { key: stringSerde, value: serde }, { name: 'read' }).to('copy', { key: stringSerde, value: serde });
    return b.build();
  };

  it('dead-letters undecodable bytes with the schema id in the DLQ headers', async () => {
    const registry = new FakeRegistry().register(7, READING_V1, 'copy-value');
    const driver = new TopologyTestDriver(topology(registry));
    await driver.pipeRaw('readings', null, writeWire(31337, Buffer.from([1])));
    await driver.pipeRaw('readings', null, encode(7, READING_V1, reading).subarray(0, 7));
    expect(driver.deadLetters('readings').map((d) => d.reason)).toMatchObject([
      { errorClass: 'deserialization', schemaId: '31337', errorMessage: 'unknown schema id 31337', node: 'read' },
      { errorClass: 'deserialization', schemaId: '7', node: 'read' },
    ]);
    expect(driver.committedOffset('readings')).toBe('2');
  });

  it('retries output during a registry outage instead of dead-lettering it', async () => {
    const registry = new FakeRegistry().register(7, READING_V1, 'copy-value');
    const driver = new TopologyTestDriver(topology(registry), { autoFlush: false });
    await driver.pipeRaw('readings', null, encode(7, READING_V1, reading)); // the reader schema is now cached
    registry.down = true;
    await driver.advanceTime(5); // topic linger: the write fails and waits
    expect(driver.messages('copy')).toHaveLength(0);
    registry.down = false;
    await driver.advanceTime(10_000);
    expect(driver.messages('copy')).toHaveLength(1);
    expect(driver.deadLetters('readings')).toEqual([]);
    expect(driver.committedOffset('readings')).toBe('1');
  });
});
