/** The alert consumer as the CLI runs it: TempRangeAlert → temp_range_alert → notifiers. */
import type { Kafka } from 'kafkajs';
import type { Knex } from 'knex';
import { createAlertRunner, type AlertConsumer, type Notifier } from '../../app/index.js';
import type { AvroRegistryClient, KafkaTopologyRunner, RuntimeObserver } from '../../topology/index.js';
import type { AppConfig } from '../config.js';
import type { Logger } from '../logger.js';
import { pipelineSettings } from './temperature-pipeline.js';

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
  const { runner, consumer } = createAlertRunner(deps, pipelineSettings(config, alertGroupId(config)), deps.notifier);
  return { runner, consumer };
}
