/** TempRangeAlert values as the alert consumer decodes them, for other readers of the topic (the API's live feed). */
import type avro from 'avsc';
import { tempRangeAlertSchema, type TempRangeAlert } from '../schemas/index.js';
import { avroRegistrySerde, type AvroRegistryClient, type Deserializer } from '../topology/index.js';

export const alertDeserializer = (registry: AvroRegistryClient): Deserializer<TempRangeAlert> =>
  avroRegistrySerde<TempRangeAlert>({ registry, schema: tempRangeAlertSchema as avro.Schema });

/** What callers of app/ hand in, so they need not reach into topology/ for it. */
export type { AvroRegistryClient, Logger } from '../topology/index.js';
