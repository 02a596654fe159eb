/** The pipeline's topics (app/pipeline.ts names them), created when missing with the configured partition count. */
import type { Kafka } from 'kafkajs';
import { pipelineTopicSpecs } from '../../app/index.js';
import { ensureTopics } from '../../topology/index.js';
import type { AppConfig } from '../config.js';
import type { Logger } from '../logger.js';

/** Creates the missing ones; existing topics keep their partitions. Returns the names created. */
export async function ensurePipelineTopics(kafka: Kafka, config: AppConfig, logger: Logger, options: { jsonInput?: boolean } = {}): Promise<string[]> {
  const specs = pipelineTopicSpecs({ jsonInput: options.jsonInput ?? config.jsonInput, partitions: config.inputPartitions });
  const created = await ensureTopics(kafka, specs);
  if (created.length > 0) logger.info({ created, partitions: config.inputPartitions }, 'topics created');
  return created;
}
