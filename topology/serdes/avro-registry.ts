import avro from 'avsc';
import type { Type } from 'avsc';
import { DeserializationError, ProductionError, TransientError, errorMessage } from '../errors.js';
import { avroProblems } from './avro-validation.js';
import { LruMap } from './lru-map.js';
import type { SchemaAwareDeserializer, Serde } from './serde.js';

/** Confluent wire format: magic byte 0, a big-endian int32 schema id, then the Avro binary body. */
export const WIRE_MAGIC = 0;
export const WIRE_HEADER_BYTES = 5;

export function readWireHeader(bytes: Buffer): { schemaId: number; body: Buffer } {
  const schemaId = readWireSchemaId(bytes);
  return { schemaId, body: bytes.subarray(WIRE_HEADER_BYTES) };
}

/** The schema id of a payload in wire format, which it checks. */
export function readWireSchemaId(bytes: Buffer): number {
  if (bytes.length < WIRE_HEADER_BYTES || bytes[0] !== WIRE_MAGIC) {
    throw new DeserializationError('not in Confluent wire format (expected magic byte 0 and a schema id)');
  }
  return bytes.readInt32BE(1);
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
  /**
   * Schema ids the registry refused (unknown, forbidden, invalid) are remembered so their records are
   * refused without asking again; this many at most, the least recently seen forgotten first, since
   * the ids come from the records and anyone who can write the topic chooses them. Default 1000.
   */
  maxRefusedSchemaIds?: number;
}

export interface AvroRegistrySerde<T> extends Serde<T>, SchemaAwareDeserializer<T> {
  /** The schema id in a payload's wire header, for DLQ headers. */
  schemaIdOf(bytes: Buffer | null): number | undefined;
}

/**
 * Avro through a schema registry. Decoding resolves the writer's schema (by id) into ours, so a
 * record written with a compatible older or newer schema still decodes, and one written with an
 * unrelated schema is refused with a clear reason.
 */
export function avroRegistrySerde<T>(options: AvroRegistrySerdeOptions): AvroRegistrySerde<T> {
  const readerType = avro.Type.forSchema(options.schema);
  const name = `avro<${readerType.name ?? readerType.typeName}>`;
  const subjectOf = options.subject ?? ((topic: string) => `${topic}-value`);
  /** Fetches under way, one per schema id however many records wait for it. */
  const resolvers = new Map<number, Promise<avro.Resolver | undefined>>();
  /**
   * Resolvers already loaded: decoding with one is synchronous, with no promise per record. An
   * `undefined` resolver: the writer's schema is ours, no resolution needed. Bounded by the schemas
   * actually registered, since only an id the registry knows gets here.
   */
  const loaded = new Map<number, avro.Resolver | undefined>();
  const refused = new LruMap<number, DeserializationError>(options.maxRefusedSchemaIds ?? 1000);
  const writerIds = new Map<string, Promise<number>>();

  const resolverFor = (schemaId: number): Promise<avro.Resolver | undefined> => {
    let pending = resolvers.get(schemaId);
    if (!pending) {
      pending = loadResolver(options.registry, readerType, schemaId);
      resolvers.set(schemaId, pending);
      // A transient failure is not remembered: the next record asks again.
      pending.then(
        (resolver) => {
          loaded.set(schemaId, resolver);
          resolvers.delete(schemaId);
        },
        (err: unknown) => {
          resolvers.delete(schemaId);
          if (err instanceof DeserializationError) refused.set(schemaId, err);
        },
      );
    }
    return pending;
  };

  /** Decodes the body after the wire header in place: no sub-buffer per record. */
  const decode = (bytes: Buffer, schemaId: number, resolver: avro.Resolver | undefined): T => {
    const corrupt = (reason: string) => new DeserializationError(`${name}: corrupt Avro body for schema id ${schemaId}: ${reason}`, schemaId);
    let decoded: { value: unknown; offset: number };
    try {
      // Avro's binary format carries no NaN check and doubles may be infinite: the schema's job ends
      // here; value rules belong to the topology's validation step.
      decoded = readerType.decode(bytes, WIRE_HEADER_BYTES, resolver);
    } catch (err) {
      throw corrupt(errorMessage(err));
    }
    // What fromBuffer refuses, with its words.
    if (decoded.offset < 0) throw corrupt('truncated buffer');
    if (decoded.offset < bytes.length) throw corrupt('trailing data');
    return decoded.value as T;
  };

  const writerIdFor = (topic: string): Promise<number> => {
    const subject = subjectOf(topic);
    let pending = writerIds.get(subject);
    if (!pending) {
      pending = options.registry.getRegistryIdBySchema(subject, options.schema as { type: 'record'; name: string; fields: unknown[] }).catch((err: unknown) => {
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
      const schemaId = readWireSchemaId(bytes);
      if (loaded.has(schemaId)) return decode(bytes, schemaId, loaded.get(schemaId));
      const refusal = refused.get(schemaId);
      if (refusal) throw refusal;
      return resolverFor(schemaId).then((resolver) => decode(bytes, schemaId, resolver));
    },
  };
}

async function loadResolver(registry: AvroRegistryClient, readerType: Type, schemaId: number): Promise<avro.Resolver | undefined> {
  let writer: unknown;
  try {
    writer = await registry.getSchema(schemaId);
  } catch (err) {
    if (isNotFound(err)) throw new DeserializationError(`unknown schema id ${schemaId}`, schemaId, { cause: err });
    const status = refusalStatus(err);
    if (status !== undefined)
      throw new DeserializationError(`schema registry refused schema id ${schemaId} (status ${status}): ${errorMessage(err)}`, schemaId, { cause: err });
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
  return statusOf(err) === 404;
}

function statusOf(err: unknown): number | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const status = (err as { status?: unknown }).status;
  return typeof status === 'number' ? status : undefined;
}

/**
 * The HTTP status when the registry's answer is a refusal that asking again will not change (a 4xx:
 * unknown, invalid, unauthorized, forbidden); `undefined` when it may be gone by the next try (5xx,
 * 408 timeout, 429 throttled, no answer at all), which is retried with backoff instead.
 */
function refusalStatus(err: unknown): number | undefined {
  const status = statusOf(err);
  if (status === undefined || status < 400 || status >= 500 || status === 408 || status === 429) return undefined;
  // The client (mappersmith, under `@kafkajs/confluent-schema-registry`) reports a request that got no
  // answer (connection refused, reset, timed out) as a 400 whose message is "Error, status 400: <cause>";
  // a registry's own 400 carries its JSON message instead.
  if (status === 400 && err instanceof Error && err.message.includes('Error, status 400:')) return undefined;
  return status;
}
