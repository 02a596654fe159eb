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
import { dlqTopicFor, TOPICS, tempRangeAlertSchema, type TempRangeAlert } from '../schemas/index.js';
import { alertRowProblems, type AlertStore } from '../sinks/index.js';
import { AlertWriter } from './alert-writer.js';
import type { Notifier } from './notifiers/index.js';

export interface AlertConsumerOptions {
  readonly registry: AvroRegistryClient;
  /** MysqlAlertStore in production. */
  readonly store: AlertStore;
  /** Who is told: `logNotifier(logger)`, `webhookNotifier(...)`, or `fanOut(...)` of both. */
  readonly notifier: Notifier;
  /** Short linger by default: a person is waiting. */
  readonly batching?: Partial<BatchingOptions>;
  /** Attempts per alert before a failing notification is recorded as failed (default 5). */
  readonly maxNotifyAttempts?: number;
  /** Where notifications that failed for good are reported. */
  readonly logger?: Logger;
}

export interface AlertConsumer {
  readonly topology: Topology;
  /** The sink, for its counters. */
  readonly writer: AlertWriter;
}

/** The rule an alert breaks when the table cannot hold it (NaN, a device id too long...). */
export const STORABLE_ALERT_RULE = 'storable-alert';

/**
 * TempRangeAlert → check it can be stored → store once (temp_range_alert) → notify. An undecodable or
 * unstorable alert goes to `dlqTopicFor(TOPICS.alerts)`.
 */
export function buildAlertConsumerTopology(options: AlertConsumerOptions): AlertConsumer {
  const writer = new AlertWriter(options.store, options.notifier, { maxNotifyAttempts: options.maxNotifyAttempts, logger: options.logger });
  const builder = new TopologyBuilder();
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
    // One batch at a time whatever SINK_CONCURRENCY says: people are told in order, and an alert
    // delivered twice cannot be in two batches being notified at once.
    .sink(writer, { name: 'store-and-notify', batching: { lingerMs: 20, ...options.batching, maxConcurrentWrites: 1 } });
  return { topology: builder.build(), writer };
}
