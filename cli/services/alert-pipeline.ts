/** The alert consumer as the CLI runs it: TempRangeAlert → temp_range_alert → notifiers. */
import type { Kafka } from 'kafkajs';
import type { Knex } from 'knex';
import { buildAlertConsumerTopology, dlqTopicFor, type AlertConsumer, type Notifier } from '../../app/index.js';
import { MysqlAlertStore } from '../../sinks/index.js';
import { KafkaTopologyRunner, type AvroRegistryClient, type RuntimeObserver } from '../../topology/index.js';
import type { AppConfig } from '../config.js';
import { CONSUMER_CONFIG } from './temperature-pipeline.js';
import type { Logger } from '../logger.js';

/** Its own group: the alert consumer reads a different topic at its own pace. */
export const alertGroupId = (config: AppConfig): string => `${config.kafka.groupId}-alerts`;

export interface AlertPipeline {
  readonly runner: KafkaTopologyRunner;
  readonly consumer: AlertConsumer;
}

export function alertPipeline(
  config: AppConfig,
  deps: { kafka: Kafka; registry: AvroRegistryClient; knex: Knex; notifier: Notifier; logger: Logger; observer?: RuntimeObserver },
): AlertPipeline {
  const consumer = buildAlertConsumerTopology({ registry: deps.registry, store: new MysqlAlertStore(deps.knex), notifier: deps.notifier });
  const runner = new KafkaTopologyRunner(consumer.topology, {
    kafka: deps.kafka,
    groupId: alertGroupId(config),
    dlqTopic: dlqTopicFor,
    errorPolicies: config.errorPolicies,
    maxInFlightPerPartition: config.maxInFlightPerPartition,
    shutdownTimeoutMs: config.shutdownTimeoutMs,
    processingGuarantee: config.processingGuarantee,
    consumerConfig: CONSUMER_CONFIG,
    observer: deps.observer,
    logger: deps.logger,
  });
  return { runner, consumer };
}
