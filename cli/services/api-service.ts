/**
 * The HTTP API and dashboard (api/) on clients the caller owns: `serve` runs it alone, `demo` beside
 * the pipeline. One assembly, so both serve the same routes with the same security checks.
 */
import type { Kafka } from 'kafkajs';
import type { Knex } from 'knex';
import { ApiSecurityError, buildApiServer, checkSecurity, kafkaAlertFeed, type ApiSecurity } from '../../api/index.js';
import { DeadLetterTools } from '../../app/index.js';
import { errorMessage, type AvroRegistryClient } from '../../topology/index.js';
import { ConfigError, type AppConfig } from '../config.js';
import { ExitError } from '../exit.js';
import type { Logger } from '../logger.js';
import { ensurePipelineTopics } from './topics.js';

export interface RunningApi {
  /** Where it listens, e.g. http://127.0.0.1:8080 */
  readonly url: string;
  /** Ends the event streams, stops the live feed and the dead-letter tools; the caller closes knex. */
  close(): Promise<void>;
}

/** The security settings, checked before anything starts: a refusal names the setting, never the token. */
export function apiSecurity(config: AppConfig): ApiSecurity {
  const security = { host: config.api.host, token: config.api.token, tokenName: config.api.tokenName, corsOrigin: config.api.corsOrigin };
  try {
    checkSecurity(security);
  } catch (err) {
    if (err instanceof ApiSecurityError) throw new ConfigError([err.message]);
    throw err;
  }
  return security;
}

export async function startApi(
  config: AppConfig,
  logger: Logger,
  clients: { kafka: Kafka; registry: AvroRegistryClient; knex: Knex },
  options: { version?: string; port?: number } = {},
): Promise<RunningApi> {
  const security = apiSecurity(config);
  const { kafka, registry, knex } = clients;
  const deadLetters = new DeadLetterTools({ kafka, registry, knex, logger });
  const alertFeed = kafkaAlertFeed({ kafka, registry, logger, groupPrefix: config.kafka.groupId });
  const stopFeed = async () => {
    await alertFeed.stop();
    await deadLetters.close();
  };
  try {
    const app = await buildApiServer({ knex, limits: config.rules, security, deadLetters, alertFeed, logger, version: options.version });
    // The read API does not need Kafka: a broker away only leaves the live feed quiet (logged).
    // The topics are created when missing, as `alerts` does, so the feed can start before the pipeline.
    ensurePipelineTopics(kafka, config, logger)
      .then(() => alertFeed.start())
      .catch((err: unknown) => logger.warn({ err: errorMessage(err) }, 'live alert feed did not start; /api/events stays quiet'));
    const port = options.port ?? config.api.port;
    let url: string;
    try {
      url = await app.listen({ host: config.api.host, port });
    } catch (err) {
      await app.close();
      throw new ExitError(`cannot listen on API_HOST ${config.api.host} API_PORT ${port}: ${errorMessage(err)}`);
    }
    return {
      url,
      close: async () => {
        try {
          await app.close(); // ends the event streams too
        } finally {
          await stopFeed();
        }
      },
    };
  } catch (err) {
    await stopFeed();
    throw err;
  }
}
