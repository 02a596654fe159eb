/**
 * `tempstream serve`: the HTTP API (api/) over the tables, live alerts and the dead-letter tools,
 * with its OpenAPI page, until SIGTERM/SIGINT.
 */
import type { Command } from 'commander';
import { ApiSecurityError, buildApiServer, checkSecurity, kafkaAlertFeed } from '../../api/index.js';
import { DeadLetterTools } from '../../app/index.js';
import { createKafka, createRegistry } from '../clients.js';
import { ConfigError, describeConfig, type RawConfig } from '../config.js';
import { contextFor, type CliDeps } from '../context.js';
import { during, ExitError } from '../exit.js';
import { onStopSignal } from '../lifecycle.js';
import { closeDatabase, migrateDatabase, openDatabase } from '../services/database.js';
import { ensurePipelineTopics } from '../services/topics.js';
import { mysqlAt } from '../services/where.js';

export function registerServeCommand(program: Command, deps: CliDeps): void {
  program
    .command('serve')
    .description('serve the HTTP API: readings, alerts, devices, live alerts (SSE), dead letters; OpenAPI at /docs')
    .option('--host <address>', 'address to listen on (env API_HOST, default 127.0.0.1)')
    .option('--port <port>', 'port to listen on (env API_PORT, default 8080)')
    .addHelpText(
      'after',
      '\nRe-drive needs Authorization: Bearer <API_TOKEN>. A host beyond localhost needs API_TOKEN and then every route does.\nCORS is off unless API_CORS_ORIGIN is set. SIGTERM/SIGINT stops gracefully (exit 0).',
    )
    .action(async (options: { host?: string; port?: string }, command: Command) => {
      const extra: Partial<Record<keyof RawConfig, string>> = {};
      if (options.host !== undefined) extra.API_HOST = options.host;
      if (options.port !== undefined) extra.API_PORT = options.port;
      const { config, logger, io } = contextFor(command, deps, extra);
      const security = { host: config.api.host, token: config.api.token, tokenName: config.api.tokenName, corsOrigin: config.api.corsOrigin };
      try {
        checkSecurity(security);
      } catch (err) {
        if (err instanceof ApiSecurityError) throw new ConfigError([err.message]);
        throw err;
      }
      logger.info({ config: describeConfig(config) }, 'starting the API server');
      const kafka = createKafka(config, logger);
      const registry = createRegistry(config);
      const knex = openDatabase(config, logger);
      const deadLetters = new DeadLetterTools({ kafka, registry, knex, logger });
      const alertFeed = kafkaAlertFeed({ kafka, registry, logger, groupPrefix: config.kafka.groupId });
      try {
        await during(`migrating ${mysqlAt(config)}`, () => migrateDatabase(knex, logger));
        const app = await buildApiServer({ knex, limits: config.rules, security, deadLetters, alertFeed, logger, version: command.parent?.version() });
        // The read API does not need Kafka: a broker away only leaves the live feed quiet (logged).
        // The topics are created when missing, as `alerts` does, so the feed can start before the pipeline.
        ensurePipelineTopics(kafka, config, logger)
          .then(() => alertFeed.start())
          .catch((err: unknown) =>
            logger.warn({ err: err instanceof Error ? err.message : String(err) }, 'live alert feed did not start; /api/events stays quiet'),
          );
        let url: string;
        try {
          url = await app.listen({ host: config.api.host, port: config.api.port });
        } catch (err) {
          throw new ExitError(`cannot listen on API_HOST ${config.api.host} API_PORT ${config.api.port}: ${err instanceof Error ? err.message : String(err)}`);
        }
        io.out(`tempstream API on ${url} (interactive docs: ${url}/docs, OpenAPI: ${url}/openapi.json)\n`);
        let disposeSignals = (): void => undefined;
        await new Promise<void>((resolve) => {
          disposeSignals = onStopSignal(() => resolve(), logger);
        });
        try {
          await app.close(); // ends the event streams too
        } finally {
          disposeSignals();
        }
      } finally {
        await alertFeed.stop();
        await deadLetters.close();
        await closeDatabase(knex, logger);
      }
    });
}
