/** Values of the alert, episode and silence topics as their consumers decode them, for other readers (the API's live feed). */
import type avro from 'avsc';
import {
  deviceSilenceSchema,
  tempAlertEpisodeSchema,
  tempRangeAlertSchema,
  type DeviceSilence,
  type TempAlertEpisode,
  type TempRangeAlert,
} from '../schemas/index.js';
import { avroRegistrySerde, type AvroRegistryClient, type Deserializer } from '../topology/index.js';

export const alertDeserializer = (registry: AvroRegistryClient): Deserializer<TempRangeAlert> =>
  avroRegistrySerde<TempRangeAlert>({ registry, schema: tempRangeAlertSchema as avro.Schema });

export const episodeDeserializer = (registry: AvroRegistryClient): Deserializer<TempAlertEpisode> =>
  avroRegistrySerde<TempAlertEpisode>({ registry, schema: tempAlertEpisodeSchema as avro.Schema });

export const silenceDeserializer = (registry: AvroRegistryClient): Deserializer<DeviceSilence> =>
  avroRegistrySerde<DeviceSilence>({ registry, schema: deviceSilenceSchema as avro.Schema });

/** What callers of app/ hand in, so they need not reach into topology/ for it. */
export type { AvroRegistryClient, Logger } from '../topology/index.js';
