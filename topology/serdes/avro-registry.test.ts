import avro from 'avsc';
import { describe, expect, it } from 'vitest';
import { TopologyBuilder } from '../dsl/builder.js';
import { DeserializationError, ProductionError, TransientError } from '../errors.js';
import { TopologyTestDriver } from '../testing/test-driver.js';
import { avroRegistrySerde, readWireHeader, writeWire, type AvroRegistryClient } from './avro-registry.js';
import { stringSerde } from './basic.js';

const SAMPLE_V1: avro.Schema = {
  type: 'record',
  name: 'Sample',
  namespace: 'lab',
  fields: [
    { name: 'sourceId', type: 'string' },
    { name: 'level', type: 'double' },
  ],
};
/** v2 adds a field with a default: v1 data reads as v2, v2 data reads as v1. */
const SAMPLE_V2: avro.Schema = {
  ...SAMPLE_V1,
  fields: [...SAMPLE_V1.fields, { name: 'humidity', type: 'double', default: -1 }],
};
const INVOICE: avro.Schema = { type: 'record', name: 'Invoice', namespace: 'billing', fields: [{ name: 'amount', type: 'long' }] };

interface SampleV1 {
  sourceId: string;
  level: number;
}
interface SampleV2 extends SampleV1 {
  humidity: number;
}

/** An in-memory registry: schema ids to avsc Types, subjects to ids; `down` simulates an outage. */
class FakeRegistry implements AvroRegistryClient {
  readonly schemas = new Map<number, unknown>();
  readonly subjects = new Map<string, number>();
  down = false;
  /** Schema ids the registry answers with an error status, as the registry client reports it. */
  readonly answers = new Map<number, { status: number; message?: string }>();
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
    const answer = this.answers.get(id);
    if (answer) {
      const error = Object.assign(new Error(answer.message ?? `Confluent_Schema_Registry - refused with ${answer.status}`), { status: answer.status });
      error.name = 'ResponseError';
      return Promise.reject(error);
    }
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
const decoded = async <T>(serde: { deserialize(bytes: Buffer | null, topic: string): T | Promise<T> }, bytes: Buffer | null): Promise<T> =>
  serde.deserialize(bytes, 't');

async function rejectionOf(run: () => unknown): Promise<Error> {
  try {
    await run();
  } catch (err) {
    expect(err).toBeInstanceOf(Error);
    return err as Error;
  }
  throw new Error('expected a rejection');
}

const sample: SampleV1 = { sourceId: 's-1', level: 21.5 };

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
    const registry = new FakeRegistry().register(7, SAMPLE_V1, 'events-value');
    const serde = avroRegistrySerde<SampleV1>({ registry, schema: SAMPLE_V1 });
    const bytes = present(await serde.serialize(sample, 'events'));
    expect(readWireHeader(bytes).schemaId).toBe(7);
    expect(await serde.deserialize(bytes, 'events')).toEqual(sample);
    expect(serde.name).toBe('avro<lab.Sample>');
  });

  it('looks the writer id up under the subject the option names, once per subject', async () => {
    const registry = new FakeRegistry().register(3, SAMPLE_V1, 'custom.Sample');
    const serde = avroRegistrySerde<SampleV1>({ registry, schema: SAMPLE_V1, subject: () => 'custom.Sample' });
    await serde.serialize(sample, 'a');
    const bytes = present(await serde.serialize(sample, 'b'));
    expect(readWireHeader(bytes).schemaId).toBe(3);
    expect(registry.lookupCalls).toBe(1);
  });

  it('fetches a writer schema once and reuses it, even for concurrent records', async () => {
    const registry = new FakeRegistry().register(7, SAMPLE_V1);
    const serde = avroRegistrySerde<SampleV1>({ registry, schema: SAMPLE_V1 });
    const bytes = encode(7, SAMPLE_V1, sample);
    await Promise.all([serde.deserialize(bytes, 't'), serde.deserialize(bytes, 't')]);
    await serde.deserialize(bytes, 't');
    expect(registry.getSchemaCalls).toBe(1);
  });

  it('reads data written with a newer schema that has an extra field', async () => {
    const registry = new FakeRegistry().register(2, SAMPLE_V2);
    const serde = avroRegistrySerde<SampleV1>({ registry, schema: SAMPLE_V1 });
    const value = await serde.deserialize(encode(2, SAMPLE_V2, { ...sample, humidity: 40 }), 't');
    expect(value).toEqual(sample);
  });

  it('reads data written with an older schema, filling the new field with its default', async () => {
    const registry = new FakeRegistry().register(1, SAMPLE_V1);
    const serde = avroRegistrySerde<SampleV2>({ registry, schema: SAMPLE_V2 });
    const value = await serde.deserialize(encode(1, SAMPLE_V1, sample), 't');
    expect(value).toEqual({ ...sample, humidity: -1 });
  });

  it('refuses data written with an unrelated schema, naming the schema id', async () => {
    const registry = new FakeRegistry().register(99, INVOICE);
    const serde = avroRegistrySerde<SampleV1>({ registry, schema: SAMPLE_V1 });
    const err = await rejectionOf(() => serde.deserialize(encode(99, INVOICE, { amount: 5 }), 't'));
    expect(err).toBeInstanceOf(DeserializationError);
    expect((err as DeserializationError).schemaId).toBe(99);
    expect(err.message).toMatch(/^schema id 99 \(billing\.Invoice\) cannot be read as lab\.Sample/);
  });

  it('refuses a schema id whose schema is not Avro', async () => {
    const registry = new FakeRegistry();
    registry.schemas.set(5, { type: 'object', properties: {} }); // a JSON schema
    const serde = avroRegistrySerde<SampleV1>({ registry, schema: SAMPLE_V1 });
    const err = await rejectionOf(() => serde.deserialize(writeWire(5, Buffer.from([0])), 't'));
    expect(err).toBeInstanceOf(DeserializationError);
    expect(err.message).toBe('schema id 5 is not an Avro schema');
  });

  it('refuses bytes that are not in the wire format (wrong magic byte, too short)', async () => {
    const registry = new FakeRegistry().register(7, SAMPLE_V1);
    const serde = avroRegistrySerde<SampleV1>({ registry, schema: SAMPLE_V1 });
    const wrongMagic = Buffer.from(encode(7, SAMPLE_V1, sample));
    wrongMagic[0] = 1;
    await expect(decoded(serde, wrongMagic)).rejects.toThrow(DeserializationError);
    await expect(decoded(serde, Buffer.from('garbage'))).rejects.toThrow(/not in Confluent wire format/);
    await expect(decoded(serde, Buffer.from([0, 0]))).rejects.toThrow(/not in Confluent wire format/);
    expect(registry.getSchemaCalls).toBe(0);
  });

  it('refuses a corrupt body for a known schema, naming the schema id', async () => {
    const registry = new FakeRegistry().register(7, SAMPLE_V1);
    const serde = avroRegistrySerde<SampleV1>({ registry, schema: SAMPLE_V1 });
    const truncated = encode(7, SAMPLE_V1, sample).subarray(0, 8);
    const err = await rejectionOf(() => serde.deserialize(truncated, 't'));
    expect(err).toBeInstanceOf(DeserializationError);
    expect((err as DeserializationError).schemaId).toBe(7);
    expect(err.message).toMatch(/corrupt Avro body for schema id 7/);
    const trailing = Buffer.concat([encode(7, SAMPLE_V1, sample), Buffer.from([1, 2, 3])]);
    await expect(decoded(serde, trailing)).rejects.toThrow(/corrupt Avro body for schema id 7/);
  });

  it('refuses a null value (a tombstone)', async () => {
    const serde = avroRegistrySerde<SampleV1>({ registry: new FakeRegistry(), schema: SAMPLE_V1 });
    await expect(decoded(serde, null)).rejects.toThrow(DeserializationError);
  });

  it('refuses an id the registry does not know with a DeserializationError carrying the id', async () => {
    const registry = new FakeRegistry();
    const serde = avroRegistrySerde<SampleV1>({ registry, schema: SAMPLE_V1 });
    const err = await rejectionOf(() => serde.deserialize(writeWire(404404, Buffer.alloc(4)), 't'));
    expect(err).toBeInstanceOf(DeserializationError);
    expect((err as DeserializationError).schemaId).toBe(404404);
    expect(err.message).toBe('unknown schema id 404404');
  });

  it('reports a registry outage as a TransientError and asks again on the next record', async () => {
    const registry = new FakeRegistry().register(7, SAMPLE_V1);
    const serde = avroRegistrySerde<SampleV1>({ registry, schema: SAMPLE_V1 });
    const bytes = encode(7, SAMPLE_V1, sample);
    registry.down = true;
    const err = await rejectionOf(() => serde.deserialize(bytes, 't'));
    expect(err).toBeInstanceOf(TransientError);
    expect(err.message).toMatch(/schema registry unavailable while fetching schema id 7: connect ECONNREFUSED/);
    registry.down = false;
    expect(await serde.deserialize(bytes, 't')).toEqual(sample);
    expect(registry.getSchemaCalls).toBe(2);
  });

  it.each([400, 401, 403, 422])('refuses a schema id the registry answers %i for as a DeserializationError naming the id and the status', async (status) => {
    const registry = new FakeRegistry();
    registry.answers.set(9, { status });
    const serde = avroRegistrySerde<SampleV1>({ registry, schema: SAMPLE_V1 });
    const err = await rejectionOf(() => serde.deserialize(writeWire(9, Buffer.alloc(4)), 't'));
    expect(err).toBeInstanceOf(DeserializationError);
    expect((err as DeserializationError).schemaId).toBe(9);
    expect(err.message).toContain(`schema registry refused schema id 9 (status ${status})`);
    // Remembered: the next record with this id is refused without asking again.
    await rejectionOf(() => serde.deserialize(writeWire(9, Buffer.alloc(4)), 't'));
    expect(registry.getSchemaCalls).toBe(1);
  });

  it.each([
    ['500', { status: 500 }],
    ['503', { status: 503 }],
    ['408', { status: 408 }],
    ['429', { status: 429 }],
    // The registry client reports a connection that got no answer at all as a 400 with this message.
    [
      'a 400 with no answer (connection refused)',
      { status: 400, message: 'Confluent_Schema_Registry - Error, status 400: connect ECONNREFUSED 127.0.0.1:8081' },
    ],
  ])('reports %s from the registry as a TransientError, asked again next time', async (_label, answer) => {
    const registry = new FakeRegistry().register(7, SAMPLE_V1);
    registry.answers.set(7, answer);
    const serde = avroRegistrySerde<SampleV1>({ registry, schema: SAMPLE_V1 });
    const bytes = encode(7, SAMPLE_V1, sample);
    expect(await rejectionOf(() => serde.deserialize(bytes, 't'))).toBeInstanceOf(TransientError);
    registry.answers.delete(7);
    expect(await serde.deserialize(bytes, 't')).toEqual(sample);
    expect(registry.getSchemaCalls).toBe(2);
  });

  it('remembers a bounded number of refused schema ids, forgetting the least recently seen first', async () => {
    const registry = new FakeRegistry();
    const serde = avroRegistrySerde<SampleV1>({ registry, schema: SAMPLE_V1, maxRefusedSchemaIds: 3 });
    const refuse = (id: number) => rejectionOf(() => serde.deserialize(writeWire(id, Buffer.alloc(4)), 't'));
    for (const id of [1, 2, 3]) await refuse(id);
    await refuse(1); // seen again: most recent now
    expect(registry.getSchemaCalls).toBe(3);
    await refuse(4); // evicts 2, the least recently seen
    await refuse(1);
    await refuse(3);
    expect(registry.getSchemaCalls).toBe(4);
    await refuse(2); // forgotten: asked again
    expect(registry.getSchemaCalls).toBe(5);
  });

  it('decodes synchronously, with no promise per record, once the writer schema is loaded', async () => {
    const registry = new FakeRegistry().register(7, SAMPLE_V1);
    const serde = avroRegistrySerde<SampleV1>({ registry, schema: SAMPLE_V1 });
    const bytes = encode(7, SAMPLE_V1, sample);
    expect(await serde.deserialize(bytes, 't')).toEqual(sample); // loads the schema
    expect(serde.deserialize(bytes, 't')).toEqual(sample);
  });

  it('refuses to write a value that does not fit the schema, as a ProductionError, without asking the registry', async () => {
    const registry = new FakeRegistry().register(7, SAMPLE_V1, 't-value');
    const serde = avroRegistrySerde<SampleV1>({ registry, schema: SAMPLE_V1 });
    const err = await rejectionOf(() => serde.serialize({ sourceId: 's', level: 'hot' } as unknown as SampleV1, 't'));
    expect(err).toBeInstanceOf(ProductionError);
    expect(err.message).toBe('avro<lab.Sample>: value does not fit the schema: level: got "hot"');
    expect(registry.lookupCalls).toBe(0);
  });

  it('refuses to write when its schema is not registered under the subject, as a ProductionError', async () => {
    const serde = avroRegistrySerde<SampleV1>({ registry: new FakeRegistry(), schema: SAMPLE_V1 });
    const err = await rejectionOf(() => serde.serialize(sample, 'events'));
    expect(err).toBeInstanceOf(ProductionError);
    expect(err.message).toMatch(/not registered under subject events-value/);
  });

  it('reports a registry outage while writing as a TransientError, and asks again next time', async () => {
    const registry = new FakeRegistry().register(7, SAMPLE_V1, 'events-value');
    registry.down = true;
    const serde = avroRegistrySerde<SampleV1>({ registry, schema: SAMPLE_V1 });
    await expect(serde.serialize(sample, 'events')).rejects.toThrow(TransientError);
    registry.down = false;
    expect(readWireHeader(present(await serde.serialize(sample, 'events'))).schemaId).toBe(7);
    expect(registry.lookupCalls).toBe(2);
  });

  it('tells the schema id of wire-format bytes, and nothing for other bytes', () => {
    const serde = avroRegistrySerde<SampleV1>({ registry: new FakeRegistry(), schema: SAMPLE_V1 });
    expect(serde.schemaIdOf(writeWire(12345, Buffer.alloc(0)))).toBe(12345);
    expect(serde.schemaIdOf(null)).toBeUndefined();
    expect(serde.schemaIdOf(Buffer.from([0, 0, 1]))).toBeUndefined();
    expect(serde.schemaIdOf(Buffer.from('{"a":1}'))).toBeUndefined();
  });
});

describe('avroRegistrySerde in a topology', () => {
  const topology = (registry: FakeRegistry) => {
    const serde = avroRegistrySerde<SampleV1>({ registry, schema: SAMPLE_V1 });
    const b = new TopologyBuilder();
    b.stream('events', { key: stringSerde, value: serde }, { name: 'read' }).to('copy', { key: stringSerde, value: serde });
    return b.build();
  };

  it('dead-letters undecodable bytes with the schema id in the DLQ headers', async () => {
    const registry = new FakeRegistry().register(7, SAMPLE_V1, 'copy-value');
    const driver = new TopologyTestDriver(topology(registry));
    await driver.pipeRaw('events', null, writeWire(31337, Buffer.from([1])));
    await driver.pipeRaw('events', null, encode(7, SAMPLE_V1, sample).subarray(0, 7));
    expect(driver.deadLetters('events').map((d) => d.reason)).toMatchObject([
      { errorClass: 'deserialization', schemaId: '31337', errorMessage: 'unknown schema id 31337', node: 'read' },
      { errorClass: 'deserialization', schemaId: '7', node: 'read' },
    ]);
    expect(driver.committedOffset('events')).toBe('2');
  });

  it('dead-letters a record whose schema id the registry refuses (403) with the reason, and goes on with the partition', async () => {
    const registry = new FakeRegistry().register(7, SAMPLE_V1, 'copy-value');
    registry.answers.set(13, { status: 403, message: 'Confluent_Schema_Registry - User is denied operation Read on Subject' });
    const driver = new TopologyTestDriver(topology(registry));
    await driver.pipeRaw('events', null, writeWire(13, Buffer.from([1])));
    await driver.pipeRaw('events', null, encode(7, SAMPLE_V1, sample));
    expect(driver.deadLetters('events').map((d) => d.reason)).toMatchObject([
      {
        errorClass: 'deserialization',
        schemaId: '13',
        errorMessage: expect.stringContaining('schema registry refused schema id 13 (status 403)') as unknown,
        node: 'read',
      },
    ]);
    expect(driver.messages('copy')).toHaveLength(1);
    expect(driver.committedOffset('events')).toBe('2');
  });

  it('retries output during a registry outage instead of dead-lettering it', async () => {
    const registry = new FakeRegistry().register(7, SAMPLE_V1, 'copy-value');
    const driver = new TopologyTestDriver(topology(registry), { autoFlush: false });
    await driver.pipeRaw('events', null, encode(7, SAMPLE_V1, sample)); // the reader schema is now cached
    registry.down = true;
    await driver.advanceTime(5); // topic linger: the write fails and waits
    expect(driver.messages('copy')).toHaveLength(0);
    registry.down = false;
    await driver.advanceTime(10_000);
    expect(driver.messages('copy')).toHaveLength(1);
    expect(driver.deadLetters('events')).toEqual([]);
    expect(driver.committedOffset('events')).toBe('1');
  });
});
