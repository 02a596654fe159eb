import avro from 'avsc';
import type { Type } from 'avsc';
import { DeserializationError, ProductionError, TransientError, errorMessage } from '../errors.js';
import { avroProblems } from './avro-validation.js';
import type { SchemaAwareDeserializer, Serde } from './serde.js';

/** Confluent wire format: magic byte 0, a big-endian int32 schema id, then the Avro binary body. */
export const WIRE_MAGIC = 0;
export const WIRE_HEADER_BYTES = 5;

export function readWireHeader(bytes: Buffer): { schemaId: number; body: Buffer } {
  if (bytes.length < WIRE_HEADER_BYTES || bytes[0] !== WIRE_MAGIC) {
    throw new DeserializationError('not in Confluent wire format (expected magic byte 0 and a schema id)');
  }
  return { schemaId: bytes.readInt32BE(1), body: bytes.subarray(WIRE_HEADER_BYTES) };
}

export function writeWire(schemaId: number, body: Buffer): Buffer {
  const header = Buffer.alloc(WIRE_HEADER_BYTES);
  header.writeUInt8(WIRE_MAGIC, 0);
  header.writeInt32BE(schemaId, 1);
  return Buffer.concat([header, body]);
}

/**
 * What the serde needs of a Confluent-compatible registry; `@kafkajs/confluent-schema-registry`'s
 * `SchemaRegistry` satisfies it as it is.
 */
export interface AvroRegistryClient {
  getSchema(id: number): Promise<unknown>;
  getRegistryIdBySchema(subject: string, schema: { type: 'record'; name: string; fields: unknown[] }): Promise<number>;
}

export interface AvroRegistrySerdeOptions {
  registry: AvroRegistryClient;
  /** The schema this application reads and writes (the reader schema). */
  schema: avro.Schema;
  /** Subject to look the writer id up under when serializing (topic-name strategy: `<topic>-value`). */
  subject?: (topic: string) => string;
}

export interface AvroRegistrySerde<T> extends Serde<T>, SchemaAwareDeserializer<T> {
  /** The schema id in a payload's wire header, for DLQ headers. */
  schemaIdOf(bytes: Buffer | null): number | undefined;
}

/**
 * Avro through a schema registry. Reading resolves the writer's schema (by id) into ours, so a
 * record written with a compatible older or newer schema still decodes, and one written with an
 * unrelated schema is refused with a clear reason.
 */
export function avroRegistrySerde<T>(options: AvroRegistrySerdeOptions): AvroRegistrySerde<T> {
  const readerType = avro.Type.forSchema(options.schema);
  const name = `avro<${readerType.name ?? readerType.typeName}>`;
  const subjectOf = options.subject ?? ((topic: string) => `${topic}-value`);
  // `undefined` resolver: the writer's schema is ours, no resolution needed.
  const resolvers = new Map<number, Promise<avro.Resolver | undefined>>();
  /** Resolvers already loaded: decoding with one is synchronous, with no promise per record. */
  const loaded = new Map<number, avro.Resolver | undefined>();
  const writerIds = new Map<string, Promise<number>>();

  const resolverFor = (schemaId: number): Promise<avro.Resolver | undefined> => {
    let pending = resolvers.get(schemaId);
    if (!pending) {
      pending = loadResolver(options.registry, readerType, schemaId);
      resolvers.set(schemaId, pending);
      // A transient failure must not be remembered: the next record asks again.
      pending.then(
        (resolver) => void loaded.set(schemaId, resolver),
        (err: unknown) => {
          if (err instanceof TransientError) resolvers.delete(schemaId);
        },
      );
    }
    return pending;
  };

  const decode = (body: Buffer, schemaId: number, resolver: avro.Resolver | undefined): T => {
    try {
      // Avro's binary format carries no NaN check and doubles may be infinite: the schema's job ends
      // here; value rules belong to the topology's validation step.
      return readerType.fromBuffer(body, resolver) as T;
    } catch (err) {
      throw new DeserializationError(`${name}: corrupt Avro body for schema id ${schemaId}: ${errorMessage(err)}`, schemaId);
    }
  };

  const writerIdFor = (topic: string): Promise<number> => {
    const subject = subjectOf(topic);
    let pending = writerIds.get(subject);
    if (!pending) {
      pending = options.registry
        .getRegistryIdBySchema(subject, options.schema as { type: 'record'; name: string; fields: unknown[] })
        .catch((err: unknown) => {
          writerIds.delete(subject);
          // Only a refusal is the record's problem; a registry that is away is retried, not dead-lettered.
          if (isNotFound(err) || isRegistryRefusal(err)) {
            throw new ProductionError(`${name}: schema is not registered under subject ${subject}: ${errorMessage(err)}`, { cause: err });
          }
          throw new TransientError(`${name}: schema registry unavailable while looking up subject ${subject}: ${errorMessage(err)}`, { cause: err });
        });
      writerIds.set(subject, pending);
    }
    return pending;
  };

  return {
    name,
    schemaIdOf(bytes) {
      if (bytes === null || bytes.length < WIRE_HEADER_BYTES || bytes[0] !== WIRE_MAGIC) return undefined;
      return bytes.readInt32BE(1);
    },
    async serialize(value: T, topic: string): Promise<Buffer> {
      const problems = avroProblems(readerType, value);
      if (problems.length > 0) throw new ProductionError(`${name}: value does not fit the schema: ${problems.join('; ')}`);
      return writeWire(await writerIdFor(topic), readerType.toBuffer(value));
    },
    deserialize(bytes: Buffer | null): T | Promise<T> {
      if (bytes === null) throw new DeserializationError(`${name}: the value is null (a tombstone?)`);
      const { schemaId, body } = readWireHeader(bytes);
      if (loaded.has(schemaId)) return decode(body, schemaId, loaded.get(schemaId));
      return resolverFor(schemaId).then((resolver) => decode(body, schemaId, resolver));
    },
  };
}

async function loadResolver(registry: AvroRegistryClient, readerType: Type, schemaId: number): Promise<avro.Resolver | undefined> {
  let writer: unknown;
  try {
    writer = await registry.getSchema(schemaId);
  } catch (err) {
    if (isNotFound(err)) throw new DeserializationError(`unknown schema id ${schemaId}`, schemaId, { cause: err });
    throw new TransientError(`schema registry unavailable while fetching schema id ${schemaId}: ${errorMessage(err)}`, { cause: err });
  }
  if (!avro.Type.isType(writer)) throw new DeserializationError(`schema id ${schemaId} is not an Avro schema`, schemaId);
  const writerType = writer as Type;
  if (writerType.equals(readerType)) return undefined;
  try {
    return readerType.createResolver(writerType);
  } catch (err) {
    throw new DeserializationError(
      `schema id ${schemaId} (${writerType.name ?? writerType.typeName}) cannot be read as ${readerType.name ?? readerType.typeName}: ${errorMessage(err)}`,
      schemaId,
    );
  }
}

/** `@kafkajs/confluent-schema-registry` turns a 404 from the registry into a `ConfluentSchemaRegistryError` (no status). */
function isRegistryRefusal(err: unknown): boolean {
  return err instanceof Error && err.name.startsWith('ConfluentSchemaRegistry');
}

function isNotFound(err: unknown): boolean {
  if (typeof err !== 'object' || err === null) return false;
  const status = (err as { status?: unknown }).status;
  return status === 404;
}
