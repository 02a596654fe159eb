/**
 * `tempstream serve`: the HTTP API (api/) over the tables, live alerts and the dead-letter tools,
 * with its OpenAPI page, until SIGTERM/SIGINT.
 */
import type { Command } from 'commander';
import { createKafka, createRegistry } from '../clients.js';
import { describeConfig, type RawConfig } from '../config.js';
import { contextFor, type CliDeps } from '../context.js';
import { during } from '../exit.js';
import { onStopSignal } from '../lifecycle.js';
import { closeDatabase, migrateDatabase, openDatabase } from '../services/database.js';
import { apiSecurity, startApi } from '../services/api-service.js';
import { mysqlAt } from '../services/where.js';

export function registerServeCommand(program: Command, deps: CliDeps): void {
  program
    .command('serve')
    .description('serve the HTTP API and the dashboard: readings, alerts, devices, episodes, rollups, live events (SSE), dead letters; OpenAPI at /docs')
    .option('--host <address>', 'address to listen on (env API_HOST, default 127.0.0.1)')
    .option('--port <port>', 'port to listen on (env API_PORT, default 8080)')
    .addHelpText(
      'after',
      '\nRe-drive needs Authorization: Bearer <API_TOKEN>. A host beyond localhost needs API_TOKEN and then every route does (a browser logs in once: POST /api/session).\nCORS is off unless API_CORS_ORIGIN is set. SIGTERM/SIGINT stops gracefully (exit 0).',
    )
    .action(async (options: { host?: string; port?: string }, command: Command) => {
      const extra: Partial<Record<keyof RawConfig, string>> = {};
      if (options.host !== undefined) extra.API_HOST = options.host;
      if (options.port !== undefined) extra.API_PORT = options.port;
      const { config, logger, io } = contextFor(command, deps, extra);
      apiSecurity(config); // refused before anything connects
      logger.info({ config: describeConfig(config) }, 'starting the API server');
      const kafka = createKafka(config, logger);
      const registry = createRegistry(config);
      const knex = openDatabase(config, logger);
      try {
        await during(`migrating ${mysqlAt(config)}`, () => migrateDatabase(knex, logger));
        const api = await startApi(config, logger, { kafka, registry, knex }, { version: command.parent?.version() });
        io.out(`tempstream API on ${api.url} (dashboard: ${api.url}/, interactive docs: ${api.url}/docs, OpenAPI: ${api.url}/openapi.json)\n`);
        let disposeSignals = (): void => undefined;
        await new Promise<void>((resolve) => {
          disposeSignals = onStopSignal(() => resolve(), logger);
        });
        try {
          await api.close();
        } finally {
          disposeSignals();
        }
      } finally {
        await closeDatabase(knex, logger);
      }
    });
}
