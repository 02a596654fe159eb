import type avro from 'avsc';
import {
  avroRegistrySerde,
  stringSerde,
  TopologyBuilder,
  type AvroRegistryClient,
  type BatchingOptions,
  type Logger,
  type Topology,
} from '../topology/index.js';
import {
  deviceSilenceSchema,
  dlqTopicFor,
  TOPICS,
  tempAlertEpisodeSchema,
  tempRangeAlertSchema,
  type DeviceSilence,
  type TempAlertEpisode,
  type TempRangeAlert,
} from '../schemas/index.js';
import { alertRowProblems, episodeRowProblems, silenceRowProblems, type AlertStore, type NotifyingStore } from '../sinks/index.js';
import { AlertWriter } from './alert-writer.js';
import { episodeWriter, silenceWriter } from './event-writers.js';
import type { Notifier } from './notifiers/index.js';
import type { NotifyingWriter } from './notifying-writer.js';

/**
 * What a person is told about out-of-range temperatures: `episodes`, once when a device's episode
 * opens and once when it resolves; or `per-reading`, every TempRangeAlert (a hot device pages every
 * few seconds). Both store every alert and every episode event; silence is told in both.
 */
export const NOTIFY_MODES = ['episodes', 'per-reading'] as const;
export type NotifyMode = (typeof NOTIFY_MODES)[number];
export const isNotifyMode = (text: string): text is NotifyMode => (NOTIFY_MODES as readonly string[]).includes(text);

export interface AlertConsumerOptions {
  readonly registry: AvroRegistryClient;
  /** MysqlAlertStore in production. */
  readonly store: AlertStore;
  /** MysqlEpisodeStore in production; without it, TempAlertEpisode is not consumed. */
  readonly episodeStore?: NotifyingStore<TempAlertEpisode>;
  /** MysqlSilenceStore in production; without it, DeviceSilence is not consumed. */
  readonly silenceStore?: NotifyingStore<DeviceSilence>;
  /** Who is told: `logNotifier(logger)`, `webhookNotifier(...)`, or `fanOut(...)` of both. */
  readonly notifier: Notifier;
  /** `per-reading` (today's behaviour) unless said; `tempstream alerts` defaults to `episodes`. */
  readonly notify?: NotifyMode;
  /** Short linger by default: a person is waiting. */
  readonly batching?: Partial<BatchingOptions>;
  /** Attempts per notice before a failing notification is recorded as failed (default 5). */
  readonly maxNotifyAttempts?: number;
  /** Where notifications that failed for good are reported. */
  readonly logger?: Logger;
}

export interface AlertConsumer {
  readonly topology: Topology;
  /** The TempRangeAlert sink, for its counters. */
  readonly writer: AlertWriter;
  /** The TempAlertEpisode sink, when episodes are consumed. */
  readonly episodeWriter?: NotifyingWriter<TempAlertEpisode>;
  /** The DeviceSilence sink, when silence is consumed. */
  readonly silenceWriter?: NotifyingWriter<DeviceSilence>;
}

/** The rule an alert breaks when the table cannot hold it (NaN, a device id too long...). */
export const STORABLE_ALERT_RULE = 'storable-alert';
/** The rule an episode event breaks when temp_alert_episode cannot hold it. */
export const STORABLE_EPISODE_RULE = 'storable-episode';
/** The rule a silence event breaks when device_silence cannot hold it. */
export const STORABLE_SILENCE_RULE = 'storable-silence';

/**
 * TempRangeAlert → check it can be stored → store once (temp_range_alert) → notify (per-reading).
 * TempAlertEpisode → check → store once per event (temp_alert_episode) → notify (episodes).
 * DeviceSilence → check → store once (device_silence) → notify.
 * An undecodable or unstorable record goes to its topic's DLQ (`dlqTopicFor`), and the rest go on.
 */
export function buildAlertConsumerTopology(options: AlertConsumerOptions): AlertConsumer {
  const mode = options.notify ?? 'per-reading';
  const writerOptions = { maxNotifyAttempts: options.maxNotifyAttempts, logger: options.logger };
  // One batch at a time whatever SINK_CONCURRENCY says: people are told in order, and an event
  // delivered twice cannot be in two batches being notified at once.
  const batching = { lingerMs: 20, ...options.batching, maxConcurrentWrites: 1 };
  const builder = new TopologyBuilder();

  const writer = new AlertWriter(options.store, options.notifier, { ...writerOptions, notify: mode === 'per-reading' });
  builder
    .stream<string | null, TempRangeAlert>(
      TOPICS.alerts,
      { key: stringSerde, value: avroRegistrySerde<TempRangeAlert>({ registry: options.registry, schema: tempRangeAlertSchema as avro.Schema }) },
      { name: 'read-alerts', dlqTopic: dlqTopicFor(TOPICS.alerts) },
    )
    // Any producer can write the topic: an alert the table refuses must not fail its batch forever.
    .validate((record) => {
      const problems = alertRowProblems(record.value);
      return problems.length === 0 ? undefined : { rule: STORABLE_ALERT_RULE, message: `the alert cannot be stored: ${problems.join('; ')}` };
    }, 'check-alerts')
    .sink(writer, { name: 'store-and-notify', batching });

  let episodes: NotifyingWriter<TempAlertEpisode> | undefined;
  if (options.episodeStore) {
    episodes = episodeWriter(options.episodeStore, options.notifier, { ...writerOptions, notify: mode === 'episodes' });
    builder
      .stream<string | null, TempAlertEpisode>(
        TOPICS.episodes,
        { key: stringSerde, value: avroRegistrySerde<TempAlertEpisode>({ registry: options.registry, schema: tempAlertEpisodeSchema as avro.Schema }) },
        { name: 'read-episodes', dlqTopic: dlqTopicFor(TOPICS.episodes) },
      )
      .validate((record) => {
        const problems = episodeRowProblems(record.value);
        return problems.length === 0 ? undefined : { rule: STORABLE_EPISODE_RULE, message: `the episode event cannot be stored: ${problems.join('; ')}` };
      }, 'check-episodes')
      .sink(episodes, { name: 'store-and-notify-episodes', batching });
  }

  let silence: NotifyingWriter<DeviceSilence> | undefined;
  if (options.silenceStore) {
    silence = silenceWriter(options.silenceStore, options.notifier, writerOptions);
    builder
      .stream<string | null, DeviceSilence>(
        TOPICS.silence,
        { key: stringSerde, value: avroRegistrySerde<DeviceSilence>({ registry: options.registry, schema: deviceSilenceSchema as avro.Schema }) },
        { name: 'read-silence', dlqTopic: dlqTopicFor(TOPICS.silence) },
      )
      .validate((record) => {
        const problems = silenceRowProblems(record.value);
        return problems.length === 0 ? undefined : { rule: STORABLE_SILENCE_RULE, message: `the silence event cannot be stored: ${problems.join('; ')}` };
      }, 'check-silence')
      .sink(silence, { name: 'store-and-notify-silence', batching });
  }

  return { topology: builder.build(), writer, episodeWriter: episodes, silenceWriter: silence };
}
