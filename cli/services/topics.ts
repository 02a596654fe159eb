/** The pipeline's topics, created when missing with the configured partition count. */
import type { Kafka } from 'kafkajs';
import { pipelineTopicSpecs as appTopicSpecs } from '../../app/index.js';
import { ensureTopics, type TopicSpec } from '../../topology/index.js';
import type { AppConfig } from '../config.js';
import type { Logger } from '../logger.js';

/** Inputs, the alert topic and every DLQ; the JSON input and its DLQ when asked for. */
export function pipelineTopicSpecs(config: AppConfig, options: { jsonInput?: boolean } = {}): TopicSpec[] {
  return appTopicSpecs({ jsonInput: options.jsonInput ?? config.jsonInput, partitions: config.inputPartitions });
}

/** Creates the missing ones; existing topics keep their partitions. Returns the names created. */
export async function ensurePipelineTopics(kafka: Kafka, config: AppConfig, logger: Logger, options: { jsonInput?: boolean } = {}): Promise<string[]> {
  const created = await ensureTopics(kafka, pipelineTopicSpecs(config, options));
  if (created.length > 0) logger.info({ created, partitions: config.inputPartitions }, 'topics created');
  return created;
}
