/**
 * `tempstream alerts [--webhook URL] [--notify episodes|per-reading]`: the alert consumer as a
 * service. Each TempRangeAlert, episode event and silence event is stored once; a person is told
 * (the log, and the webhook) once per episode opening and resolving, or per alert with
 * `--notify per-reading`, and once per device going silent or coming back; until SIGTERM/SIGINT.
 */
import type { Command } from 'commander';
import { createAlertRunner, fanOut, isNotifyMode, logNotifier, NOTIFY_MODES, webhookNotifier, type Notifier, type NotifyMode } from '../../app/index.js';
import { createKafka, createRegistry } from '../clients.js';
import { describeConfig } from '../config.js';
import { contextFor, type CliDeps } from '../context.js';
import { during, UsageError } from '../exit.js';
import type { Logger } from '../logger.js';
import { createTopologyMetrics } from '../metrics.js';
import { withMigratedDatabase } from '../services/database.js';
import { alertGroupId, pipelineSettings } from '../services/pipeline-settings.js';
import { runService } from '../services/service.js';
import { ensurePipelineTopics } from '../services/topics.js';
import { kafkaAt } from '../services/where.js';

export function registerAlertsCommand(program: Command, deps: CliDeps): void {
  program
    .command('alerts')
    .description('consume TempRangeAlert, TempAlertEpisode and DeviceSilence: store each once and notify (log, optionally a webhook)')
    .option('--webhook <url>', 'also POST each notice as JSON {text, alert|episode|silence} (Slack-style incoming webhook)')
    .option(
      '--notify <mode>',
      `episodes: once when a device's episode opens and once when it resolves; per-reading: every alert (${NOTIFY_MODES.join('|')})`,
      'episodes',
    )
    .addHelpText(
      'after',
      `\nConsumer group: <KAFKA_GROUP_ID>-alerts. Serves /healthz, /readyz and /metrics on ALERTS_METRICS_PORT (0 = off).\nSIGTERM/SIGINT stops gracefully (exit 0); a fatal error exits 1.`,
    )
    .action(async (options: { webhook?: string; notify: string }, command: Command) => {
      const webhook = options.webhook === undefined ? undefined : webhookUrl(options.webhook);
      const notify = notifyMode(options.notify);
      const { config, logger } = contextFor(command, deps);
      logger.info({ config: describeConfig(config), webhook: webhook ? webhook.host : undefined, notify }, 'starting the alert consumer');
      const kafka = createKafka(config, logger);
      await during(`creating topics on ${kafkaAt(config)}`, () => ensurePipelineTopics(kafka, config, logger));
      await withMigratedDatabase(config, logger, async (knex) => {
        const notifier = notifierFor(logger, webhook);
        const metrics = createTopologyMetrics();
        const clients = { kafka, registry: createRegistry(config), knex, logger, observer: metrics.observer };
        const groupId = alertGroupId(config);
        const { runner, consumer } = createAlertRunner(clients, pipelineSettings(config, groupId), notifier, { notify });
        metrics.setAlertWriter(() => consumer.writer.counters);
        const { episodeWriter, silenceWriter } = consumer;
        if (episodeWriter) metrics.setEventWriter('episode', () => episodeWriter.counters);
        if (silenceWriter) metrics.setEventWriter('silence', () => silenceWriter.counters);
        await runService({
          name: 'alert consumer',
          where: `(group ${groupId}) on ${kafkaAt(config)}`,
          runner,
          kafka,
          groupId,
          metrics,
          opsPort: config.alertsMetricsPort,
          opsPortSetting: 'ALERTS_METRICS_PORT',
          logger,
        });
        logger.info(
          { notified: consumer.writer.counters, episodes: consumer.episodeWriter?.counters, silence: consumer.silenceWriter?.counters },
          'alert consumer stopped',
        );
      });
    });
}

function notifyMode(text: string): NotifyMode {
  if (!isNotifyMode(text)) throw new UsageError(`--notify: expected ${NOTIFY_MODES.join(' or ')}, not ${JSON.stringify(text.slice(0, 40))}`);
  return text;
}

/** Webhook URLs often carry a token in the path: it is checked here and never printed whole. */
function webhookUrl(text: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new UsageError('--webhook: not a URL (expected http:// or https://...)');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new UsageError(`--webhook: expected an http:// or https:// URL, not ${url.protocol}`);
  // fetch refuses such URLs; every alert would fail. Not echoed: they are secrets.
  if (url.username !== '' || url.password !== '')
    throw new UsageError('--webhook: the URL carries credentials (user:password@), which are not supported; use a URL with a token instead');
  return url;
}

function notifierFor(logger: Logger, webhook: URL | undefined): Notifier {
  const log = logNotifier(logger.child({ component: 'alerts' }));
  return webhook ? fanOut(log, webhookNotifier({ url: webhook.href })) : log;
}
