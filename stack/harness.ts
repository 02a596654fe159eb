/**
 * Starts a real Kafka broker, a Confluent-compatible schema registry and a MySQL-compatible server
 * in containers with testcontainers, waits until each really answers, and hands out connection
 * settings. Public images by default (apache/kafka, confluentinc/cp-schema-registry, mysql); the
 * offline stand-ins from stack/build-images.sh through KAFKA_IMAGE, SCHEMA_REGISTRY_IMAGE, MYSQL_IMAGE.
 * Used by the integration suite, the @integration features, the benchmark and `npm run demo`.
 */
import { spawnSync } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { GenericContainer, Network, Wait, type StartedNetwork, type StartedTestContainer } from 'testcontainers';
import mysql from 'mysql2/promise';
import { Kafka, logLevel } from 'kafkajs';
import { errorMessage } from '../topology/errors.js';

export interface StackImages {
  readonly kafka: string;
  readonly schemaRegistry: string;
  readonly mysql: string;
}

export interface StackSettings {
  readonly kafkaBrokers: string[];
  /** Base URL of the Confluent-compatible API, path included (Apicurio: /apis/ccompat/v7). */
  readonly schemaRegistryUrl: string;
  readonly mysql: { host: string; port: number; user: string; password: string; database: string };
  /** mysql://user:password@host:port/database */
  readonly mysqlUrl: string;
  /** The same services seen from a container on the stack's Docker network, as in docker-compose.yml. */
  readonly inNetwork: {
    /** Docker network name (for `docker run --network`, or testcontainers' withNetworkMode). */
    readonly network: string;
    readonly kafkaBrokers: string[];
    readonly schemaRegistryUrl: string;
    readonly mysql: { host: string; port: number };
  };
}

export interface RunningStack {
  readonly settings: StackSettings;
  readonly images: StackImages;
  readonly containers: { kafka: StartedTestContainer; schemaRegistry: StartedTestContainer; mysql: StartedTestContainer };
  /** Seconds each container took from create to ready. */
  readonly startupSeconds: Readonly<Record<'kafka' | 'schemaRegistry' | 'mysql' | 'total', number>>;
  stop(): Promise<void>;
}

export const DEFAULT_IMAGES: StackImages = {
  kafka: 'apache/kafka:3.9.1',
  schemaRegistry: 'confluentinc/cp-schema-registry:7.7.1',
  mysql: 'mysql:8.4',
};

export function imagesFromEnv(env: NodeJS.ProcessEnv = process.env): StackImages {
  return {
    kafka: env.KAFKA_IMAGE || DEFAULT_IMAGES.kafka,
    schemaRegistry: env.SCHEMA_REGISTRY_IMAGE || DEFAULT_IMAGES.schemaRegistry,
    mysql: env.MYSQL_IMAGE || DEFAULT_IMAGES.mysql,
  };
}

/** Confluent's registry serves at / on 8081; Apicurio (and our stand-in) at /apis/ccompat/v7 on 8080. */
function registryShape(image: string, env: NodeJS.ProcessEnv): { port: number; path: string } {
  const confluent = image.includes('confluentinc/');
  return {
    port: Number(env.SCHEMA_REGISTRY_CONTAINER_PORT || (confluent ? 8081 : 8080)),
    path: env.SCHEMA_REGISTRY_PATH ?? (confluent ? '' : '/apis/ccompat/v7'),
  };
}

/** A free port on the host: Kafka must advertise the very port clients reach it on. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

const MYSQL_ROOT_PASSWORD = 'tempstream-test';

export interface StartStackOptions {
  readonly images?: StackImages;
  readonly database?: string;
  readonly log?: (line: string) => void;
}

/**
 * Runs stack/prepare.sh once per process tree (a Docker engine; public images or the offline
 * stand-ins) and applies the environment it prints, before testcontainers reads it.
 */
export function prepareStackEnvironment(env: NodeJS.ProcessEnv = process.env): void {
  if (env.TEMPSTREAM_STACK_PREPARED === '1') return;
  const script = fileURLToPath(new URL('./prepare.sh', import.meta.url));
  const result = spawnSync('bash', [script], { env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  if (result.status !== 0) throw new Error(`stack/prepare.sh failed (exit ${result.status}): no Docker engine or images for the stack`);
  for (const line of result.stdout.split('\n')) {
    const match = /^([A-Z_]+)=(.*)$/.exec(line.trim());
    if (match) env[match[1]!] = match[2]!;
  }
}

export async function startStack(options: StartStackOptions = {}): Promise<RunningStack> {
  if (!options.images) prepareStackEnvironment();
  const images = options.images ?? imagesFromEnv();
  const database = options.database ?? 'tempstream';
  const log = options.log ?? (() => undefined);
  const started = Date.now();
  const network = await new Network().start();
  const timings: Record<string, number> = {};
  const timed = async <T>(name: string, start: () => Promise<T>): Promise<T> => {
    const t0 = Date.now();
    const result = await start();
    timings[name] = (Date.now() - t0) / 1000;
    log(`${name} ready in ${timings[name].toFixed(1)} s`);
    return result;
  };

  const startedContainers: StartedTestContainer[] = [];
  const track = async (p: Promise<StartedTestContainer>) => {
    const c = await p;
    startedContainers.push(c);
    return c;
  };
  try {
    const [kafka, mysqlContainer] = await Promise.all([
      timed('kafka', () => track(startKafka(images.kafka, network))),
      timed('mysql', () => track(startMysql(images.mysql, database, network))),
    ]);
    const registry = await timed('schemaRegistry', () => track(startRegistry(images.schemaRegistry, network)));
    const shape = registryShape(images.schemaRegistry, process.env);
    const mysqlPort = mysqlContainer.getMappedPort(3306);
    const host = mysqlContainer.getHost();
    const settings: StackSettings = {
      kafkaBrokers: [`localhost:${kafka.getMappedPort(9092)}`],
      schemaRegistryUrl: `http://${registry.getHost()}:${registry.getMappedPort(shape.port)}${shape.path}`,
      mysql: { host, port: mysqlPort, user: 'root', password: MYSQL_ROOT_PASSWORD, database },
      mysqlUrl: `mysql://root:${MYSQL_ROOT_PASSWORD}@${host}:${mysqlPort}/${database}`,
      inNetwork: {
        network: network.getName(),
        kafkaBrokers: ['kafka:19092'],
        schemaRegistryUrl: `http://schema-registry:${shape.port}${shape.path}`,
        mysql: { host: 'mysql', port: 3306 },
      },
    };
    await waitForKafka(settings.kafkaBrokers);
    const total = (Date.now() - started) / 1000;
    return {
      settings,
      images,
      containers: { kafka, schemaRegistry: registry, mysql: mysqlContainer },
      startupSeconds: { kafka: timings.kafka ?? 0, schemaRegistry: timings.schemaRegistry ?? 0, mysql: timings.mysql ?? 0, total },
      stop: () => stopAll(startedContainers, network),
    };
  } catch (err) {
    await stopAll(startedContainers, network);
    throw err;
  }
}

async function stopAll(containers: StartedTestContainer[], network: StartedNetwork): Promise<void> {
  // Ryuk (testcontainers' reaper) may be disabled where its image cannot be pulled: clean up ourselves.
  await Promise.allSettled(containers.map((c) => c.stop({ remove: true, removeVolumes: true })));
  await network.stop().catch(() => undefined);
}

async function startKafka(image: string, network: StartedNetwork): Promise<StartedTestContainer> {
  const hostPort = await freePort();
  return new GenericContainer(image)
    .withNetwork(network)
    .withNetworkAliases('kafka')
    .withExposedPorts({ container: 9092, host: hostPort })
    .withEnvironment({
      KAFKA_NODE_ID: '1',
      KAFKA_PROCESS_ROLES: 'broker,controller',
      KAFKA_LISTENERS: 'PLAINTEXT://:9092,BROKER://:19092,CONTROLLER://:9093',
      KAFKA_ADVERTISED_LISTENERS: `PLAINTEXT://localhost:${hostPort},BROKER://kafka:19092`,
      KAFKA_LISTENER_SECURITY_PROTOCOL_MAP: 'CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT,BROKER:PLAINTEXT',
      KAFKA_INTER_BROKER_LISTENER_NAME: 'BROKER',
      KAFKA_CONTROLLER_LISTENER_NAMES: 'CONTROLLER',
      KAFKA_CONTROLLER_QUORUM_VOTERS: '1@localhost:9093',
      KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR: '1',
      KAFKA_OFFSETS_TOPIC_NUM_PARTITIONS: '6',
      KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR: '1',
      KAFKA_TRANSACTION_STATE_LOG_MIN_ISR: '1',
      KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS: '0',
      KAFKA_AUTO_CREATE_TOPICS_ENABLE: 'true',
      KAFKA_NUM_PARTITIONS: '1',
      // KafkaJS's transactional producer predates KIP-890's partition verification (on by default in 3.8+).
      KAFKA_TRANSACTION_PARTITION_VERIFICATION_ENABLE: 'false',
    })
    .withWaitStrategy(Wait.forLogMessage(/Kafka Server started/))
    .withStartupTimeout(180_000)
    .start();
}

async function startRegistry(image: string, network: StartedNetwork): Promise<StartedTestContainer> {
  const { port, path } = registryShape(image, process.env);
  return new GenericContainer(image)
    .withNetwork(network)
    .withNetworkAliases('schema-registry')
    .withExposedPorts(port)
    .withEnvironment({
      // Read by Confluent's image; ignored by Apicurio.
      SCHEMA_REGISTRY_HOST_NAME: 'schema-registry',
      SCHEMA_REGISTRY_LISTENERS: `http://0.0.0.0:${port}`,
      SCHEMA_REGISTRY_KAFKASTORE_BOOTSTRAP_SERVERS: 'PLAINTEXT://kafka:19092',
    })
    .withWaitStrategy(Wait.forHttp(`${path}/subjects`, port).forStatusCode(200))
    .withStartupTimeout(180_000)
    .start();
}

async function startMysql(image: string, database: string, network: StartedNetwork): Promise<StartedTestContainer> {
  const container = await new GenericContainer(image)
    .withNetwork(network)
    .withNetworkAliases('mysql')
    .withExposedPorts(3306)
    .withEnvironment({ MYSQL_ROOT_PASSWORD, MYSQL_DATABASE: database })
    .withWaitStrategy(Wait.forListeningPorts())
    .withStartupTimeout(180_000)
    .start();
  // The mysql image listens during its init phase too: ready means a real login to the real database.
  await retry(
    async () => {
      const conn = await mysql.createConnection({
        host: container.getHost(),
        port: container.getMappedPort(3306),
        user: 'root',
        password: MYSQL_ROOT_PASSWORD,
        database,
      });
      await conn.query('SELECT 1');
      await conn.end();
    },
    120_000,
    'MySQL',
  );
  return container;
}

async function waitForKafka(brokers: string[]): Promise<void> {
  const kafka = new Kafka({ clientId: 'stack-probe', brokers, logLevel: logLevel.NOTHING });
  await retry(
    async () => {
      const admin = kafka.admin();
      await admin.connect();
      try {
        await admin.listTopics();
      } finally {
        await admin.disconnect();
      }
    },
    60_000,
    'Kafka',
  );
}

/** Tries `attempt` every 500 ms until it succeeds or `timeoutMs` passes, then fails with its last error. */
export async function retry(attempt: () => Promise<void>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      await attempt();
      return;
    } catch (err) {
      last = err;
      await new Promise((r) => setTimeout(r, 500));
    }
  }
  throw new Error(`${what} did not become ready in ${timeoutMs / 1000} s: ${errorMessage(last)}`);
}
