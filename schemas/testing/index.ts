/** tempstream/schemas/testing: a schema registry in memory, for tests. */
export { InMemorySchemaRegistry } from './in-memory-registry.js';
