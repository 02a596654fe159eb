/** /healthz, /readyz and /metrics for a running topology, with its in-flight gauge and consumer lag. */
import type { Server } from 'node:http';
import type { Kafka } from 'kafkajs';
import { errorMessage, type KafkaTopologyRunner } from '../../topology/index.js';
import { startOpsServer } from '../http-server.js';
import { readConsumerLag } from '../lag.js';
import type { Logger } from '../logger.js';
import type { TopologyMetrics } from '../metrics.js';

export interface OpsEndpoint {
  /** The port it listens on; undefined when off. */
  readonly port: number | undefined;
  close(): Promise<void>;
}

export async function serveOps(options: {
  port: number;
  /** The setting the port comes from, for the error when it cannot be used. */
  portSetting?: string;
  metrics: TopologyMetrics;
  runner: KafkaTopologyRunner;
  kafka: Kafka;
  groupId: string;
  logger: Logger;
}): Promise<OpsEndpoint> {
  const { port, metrics, runner, logger } = options;
  if (port === 0) return { port: undefined, close: () => Promise.resolve() };
  const admin = options.kafka.admin();
  let connected: Promise<void> | undefined;
  const connect = () => {
    // Connected on the first scrape, and again after a failure, so a broker away at scrape time only blanks the gauge.
    connected ??= admin.connect().catch((err: unknown) => {
      connected = undefined;
      throw err;
    });
    return connected;
  };
  metrics.setInFlight(() => runner.engine.tracker.totalInFlight());
  metrics.setLag(async () => {
    await connect();
    return readConsumerLag(admin, options.groupId, runner.topology.inputTopics);
  });
  let server: Server;
  try {
    server = await startOpsServer(port, metrics.registry, () => runner.state === 'running');
  } catch (err) {
    throw new Error(`cannot serve metrics on ${options.portSetting ?? 'METRICS_PORT'} ${port}: ${errorMessage(err)}`, {
      cause: err,
    });
  }
  const address = server.address();
  const actualPort = typeof address === 'object' && address ? address.port : port;
  logger.info({ port: actualPort, paths: ['/healthz', '/readyz', '/metrics'] }, 'ops endpoints listening');
  return {
    port: actualPort,
    close: async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections(); // a scraper's keep-alive connection would hold close() open
      await closed;
      if (connected) await admin.disconnect().catch(() => undefined);
    },
  };
}
