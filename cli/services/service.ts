/**
 * A topology run as a service, the one lifecycle of `start` and `alerts`: ops endpoints up
 * (/healthz, /readyz, /metrics), the runner started, SIGTERM/SIGINT turned into a graceful stop
 * (a second signal exits 130), and the end mapped to the exit code: a stop resolves (exit 0), a
 * failure of the topology throws an ExitError (exit 1). The ops endpoints close however it ends.
 */
import type { Kafka } from 'kafkajs';
import { errorMessage, type KafkaTopologyRunner } from '../../topology/index.js';
import { during, ExitError } from '../exit.js';
import { onStopSignal } from '../lifecycle.js';
import type { Logger } from '../logger.js';
import type { TopologyMetrics } from '../metrics.js';
import { serveOps } from './ops.js';

export interface ServiceRun {
  /** Named in messages: "starting the <name> ...", "the <name> failed: ...". */
  readonly name: string;
  /** Where it starts, for the error when it cannot ("on Kafka at ..."). */
  readonly where: string;
  readonly runner: KafkaTopologyRunner;
  readonly kafka: Kafka;
  /** The group whose lag /metrics reports. */
  readonly groupId: string;
  readonly metrics: TopologyMetrics;
  /** The ops port (0 = off) and the setting it comes from, named when the port cannot be used. */
  readonly opsPort: number;
  readonly opsPortSetting: string;
  readonly logger: Logger;
}

/** Resolves once the service stopped on a signal; throws ExitError when the topology failed. */
export async function runService(service: ServiceRun): Promise<void> {
  const { runner, logger } = service;
  const ops = await during('starting the ops endpoints', () =>
    serveOps({
      port: service.opsPort,
      portSetting: service.opsPortSetting,
      metrics: service.metrics,
      runner,
      kafka: service.kafka,
      groupId: service.groupId,
      logger,
    }),
  );
  const disposeSignals = onStopSignal(() => void runner.stop(), logger);
  try {
    await during(`starting the ${service.name} ${service.where}`, () =>
      runner.start().catch(async (err: unknown) => {
        // A half-started runner holds connections that would keep the process alive.
        await runner.stop().catch(() => undefined);
        throw err;
      }),
    );
    await runner.done().catch((err: unknown) => {
      throw new ExitError(`the ${service.name} failed: ${errorMessage(err)}`);
    });
  } finally {
    disposeSignals();
    await ops.close();
  }
}
