import avro from 'avsc';
import type { AvroRegistryClient } from '../../topology/index.js';
import { TOPIC_SCHEMAS } from '../avro-schemas.js';
import type { RecordSchema } from '../schema-types.js';
import { valueSubjectFor } from '../subjects.js';

/** The error shape the serde reads as "no such schema", as the real client throws it. */
class NotFound extends Error {
  readonly status = 404;
}

/**
 * A schema registry in memory for tests and the default cucumber world: ids by subject and schema,
 * the same lookups the serdes make against a real registry. No compatibility checks.
 */
export class InMemorySchemaRegistry implements AvroRegistryClient {
  private readonly byId = new Map<number, avro.Type>();
  private readonly idsBySubject = new Map<string, Map<string, number>>();
  private readonly idsByText = new Map<string, number>();

  /** A registry holding every schema of the pipeline under its topic's subject. */
  static withPipelineSchemas(): InMemorySchemaRegistry {
    const registry = new InMemorySchemaRegistry();
    for (const { topic, schema } of TOPIC_SCHEMAS) registry.register(valueSubjectFor(topic), schema);
    return registry;
  }

  /** Registers like the real one: the same schema text gets the same id in every subject. */
  register(subject: string, schema: RecordSchema | avro.Schema): number {
    const text = JSON.stringify(schema);
    let id = this.idsByText.get(text);
    if (id === undefined) {
      id = this.idsByText.size + 1;
      this.idsByText.set(text, id);
      this.byId.set(id, avro.Type.forSchema(schema as avro.Schema));
    }
    const ids = this.idsBySubject.get(subject) ?? new Map<string, number>();
    ids.set(text, id);
    this.idsBySubject.set(subject, ids);
    return id;
  }

  getSchema(id: number): Promise<unknown> {
    const type = this.byId.get(id);
    return type ? Promise.resolve(type) : Promise.reject(new NotFound(`schema ${id} not found`));
  }

  getRegistryIdBySchema(subject: string, schema: { type: 'record'; name: string; fields: unknown[] }): Promise<number> {
    const id = this.idsBySubject.get(subject)?.get(JSON.stringify(schema));
    return id === undefined ? Promise.reject(new NotFound(`schema not registered under ${subject}`)) : Promise.resolve(id);
  }
}
