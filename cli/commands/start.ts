/**
 * `tempstream start`: the temperature topology as a service. Topics and tables are made ready, the
 * topology runs until SIGTERM/SIGINT (then drains, commits and exits 0) or until it fails (exit 1).
 */
import type { Command } from 'commander';
import { getHeapStatistics } from 'node:v8';
import { createTemperatureRunner } from '../../app/index.js';
import { createKafka, createRegistry } from '../clients.js';
import { describeConfig } from '../config.js';
import { contextFor, type CliDeps } from '../context.js';
import { during } from '../exit.js';
import { createTopologyMetrics } from '../metrics.js';
import { withMigratedDatabase } from '../services/database.js';
import { pipelineSettings } from '../services/pipeline-settings.js';
import { runService } from '../services/service.js';
import { ensurePipelineTopics } from '../services/topics.js';
import { kafkaAt } from '../services/where.js';

export function registerStartCommand(program: Command, deps: CliDeps): void {
  program
    .command('start')
    .description('run the temperature topology: readings → MySQL, alerts → TempRangeAlert, bad records → DLQ')
    .addHelpText(
      'after',
      [
        '',
        'Creates missing topics (INPUT_PARTITIONS partitions) and runs the migrations first.',
        'Serves /healthz, /readyz and /metrics on METRICS_PORT (0 = off).',
        'SIGTERM/SIGINT: drains in-flight records (up to SHUTDOWN_TIMEOUT_MS), commits, exits 0.',
        'Exits 1 when the topology fails (e.g. a record meets an error policy of "fail").',
      ].join('\n'),
    )
    .action(async (_options: unknown, command: Command) => {
      const { config, logger } = contextFor(command, deps);
      // The heap limit shapes peak RSS: V8 lets garbage grow toward it (see docs/benchmarks.md).
      const heapLimitMb = Math.round(getHeapStatistics().heap_size_limit / 2 ** 20);
      logger.info({ config: describeConfig(config), heapLimitMb }, 'starting tempstream');
      if (heapLimitMb > 1024)
        logger.warn(
          { heapLimitMb },
          'V8 heap limit left at its default: RSS may grow to 500+ MB before garbage is collected; set NODE_OPTIONS=--max-old-space-size=256 as the image does',
        );
      const kafka = createKafka(config, logger);
      await during(`creating topics on ${kafkaAt(config)}`, () => ensurePipelineTopics(kafka, config, logger));
      await withMigratedDatabase(config, logger, async (knex) => {
        const metrics = createTopologyMetrics();
        const clients = { kafka, registry: createRegistry(config), knex, logger, observer: metrics.observer };
        const { runner, sink } = createTemperatureRunner(clients, pipelineSettings(config));
        metrics.setReadingsSink(() => sink.counters);
        const groupId = config.kafka.groupId;
        await runService({
          name: 'topology',
          where: `on ${kafkaAt(config)}`,
          runner,
          kafka,
          groupId,
          metrics,
          opsPort: config.metricsPort,
          opsPortSetting: 'METRICS_PORT',
          logger,
        });
        logger.info({ sink: sink.counters }, 'tempstream stopped');
      });
    });
}
