/**
 * tempstream/schemas: the Avro contracts of the temperature pipeline, their TypeScript types, the
 * topics that carry them, and registering them with a schema registry.
 */
export * from './types.js';
export * from './subjects.js';
export {
  temperatureReadingSchema,
  tempRangeAlertSchema,
  tempAlertEpisodeSchema,
  deviceSilenceSchema,
  TOPIC_SCHEMAS,
  type TopicSchema,
} from './avro-schemas.js';
export type { RecordSchema, FieldSchema } from './schema-types.js';
export type { EpisodeAttributes, EpisodeStatus } from './episode-resource.js';
export { registerSchemas, SchemaIncompatibleError, SchemaRegistryHttpError, REGISTERED_COMPATIBILITY } from './registry.js';
export type { RegisterSchemasOptions, RegistrationOutcome, RegistrationResult, RegistryConnection } from './registry.js';
