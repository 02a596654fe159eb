/**
 * The stack with its doors locked, for security tests: Kafka accepting clients only over SASL_SSL
 * (SCRAM-SHA-256 users made with kafka-configs, TLS from a test CA), MySQL (MariaDB) requiring TLS,
 * and the schema registry (Apicurio) requiring HTTP basic auth (Quarkus' embedded users: no Keycloak
 * needed). Same images as stack/harness.ts; certificates and passwords are made fresh per start.
 *
 * The broker's inter-broker and controller listeners stay PLAINTEXT inside the container (not
 * published): they are how kafka-configs creates the SCRAM users before any client can log in.
 */
import { randomBytes } from 'node:crypto';
import { GenericContainer, Wait, type StartedTestContainer } from 'testcontainers';
import { Kafka, logLevel } from 'kafkajs';
import mysql from 'mysql2/promise';
import { freePort, imagesFromEnv, prepareStackEnvironment, retry, type StackImages } from '../harness.js';
import { generateCertificates, type TestCertificates } from './certs.js';

export interface SecureStackSecrets {
  readonly kafkaUser: string;
  readonly kafkaPassword: string;
  readonly mysqlUser: string;
  readonly mysqlPassword: string;
  readonly mysqlRootPassword: string;
  readonly registryUser: string;
  readonly registryPassword: string;
  readonly keystorePassword: string;
}

export interface SecureStackSettings {
  readonly kafkaBrokers: string[];
  readonly kafkaSasl: { readonly mechanism: 'scram-sha-256'; readonly username: string; readonly password: string };
  /** Base URL of the Confluent-compatible API, path included; needs `registryAuth`. */
  readonly schemaRegistryUrl: string;
  readonly registryAuth: { readonly username: string; readonly password: string };
  /** mysql://app:password@127.0.0.1:port/tempstream — TLS is required by the server. */
  readonly mysqlUrl: string;
  readonly mysqlHost: string;
  readonly mysqlPort: number;
  readonly database: string;
}

export interface SecureStack {
  readonly settings: SecureStackSettings;
  readonly secrets: SecureStackSecrets;
  readonly certs: TestCertificates;
  readonly images: StackImages;
  readonly containers: { kafka: StartedTestContainer; schemaRegistry: StartedTestContainer; mysql: StartedTestContainer };
  stop(): Promise<void>;
}

/** A password that is easy to search for in logs, and unlike anything else in them. */
const secret = (label: string): string => `${label}-${randomBytes(12).toString('hex')}`;

const DATABASE = 'tempstream';
const REGISTRY_PATH = '/apis/ccompat/v7';

export async function startSecureStack(options: { images?: StackImages; log?: (line: string) => void } = {}): Promise<SecureStack> {
  if (!options.images) prepareStackEnvironment();
  const images = options.images ?? imagesFromEnv();
  if (images.schemaRegistry.includes('confluentinc/'))
    throw new Error('the secured stack configures Apicurio (local/schema-registry); Confluent basic auth needs a JAAS realm instead');
  const log = options.log ?? (() => undefined);
  const secrets: SecureStackSecrets = {
    kafkaUser: 'tempstream-app',
    kafkaPassword: secret('kafka-pw'),
    mysqlUser: 'tempstream_app',
    mysqlPassword: secret('mysql-pw'),
    mysqlRootPassword: secret('mysql-root-pw'),
    registryUser: 'tempstream-registry',
    registryPassword: secret('registry-pw'),
    keystorePassword: secret('keystore-pw'),
  };
  const certs = generateCertificates({
    dnsNames: ['localhost', 'kafka', 'mysql', 'schema-registry'],
    ipAddresses: ['127.0.0.1'],
    keystorePassword: secrets.keystorePassword,
  });
  const started: StartedTestContainer[] = [];
  const track = async (p: Promise<StartedTestContainer>) => {
    const c = await p;
    started.push(c);
    return c;
  };
  const stopAll = async () => {
    await Promise.allSettled(started.map((c) => c.stop({ remove: true, removeVolumes: true })));
    certs.remove();
  };
  try {
    const t0 = Date.now();
    const [kafka, mysqlContainer, registry] = await Promise.all([
      track(startSecureKafka(images.kafka, certs, secrets)),
      track(startSecureMysql(images.mysql, certs, secrets)),
      track(startSecureRegistry(images.schemaRegistry, secrets)),
    ]);
    log(`containers up in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    const kafkaPort = kafka.getMappedPort(9094);
    const settings: SecureStackSettings = {
      kafkaBrokers: [`localhost:${kafkaPort}`],
      kafkaSasl: { mechanism: 'scram-sha-256', username: secrets.kafkaUser, password: secrets.kafkaPassword },
      schemaRegistryUrl: `http://${registry.getHost()}:${registry.getMappedPort(8080)}${REGISTRY_PATH}`,
      registryAuth: { username: secrets.registryUser, password: secrets.registryPassword },
      mysqlUrl: `mysql://${secrets.mysqlUser}:${secrets.mysqlPassword}@127.0.0.1:${mysqlContainer.getMappedPort(3306)}/${DATABASE}`,
      mysqlHost: '127.0.0.1',
      mysqlPort: mysqlContainer.getMappedPort(3306),
      database: DATABASE,
    };
    await createScramUser(kafka, secrets);
    await retry(() => kafkaAnswers(settings, certs.caPem), 90_000, 'Kafka over SASL_SSL');
    await retry(() => mysqlAnswers(settings, secrets, certs.caPem), 90_000, 'MySQL over TLS');
    log(`secured stack ready in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    return { settings, secrets, certs, images, containers: { kafka, schemaRegistry: registry, mysql: mysqlContainer }, stop: stopAll };
  } catch (err) {
    await stopAll();
    throw err;
  }
}

async function startSecureKafka(image: string, certs: TestCertificates, secrets: SecureStackSecrets): Promise<StartedTestContainer> {
  const hostPort = await freePort();
  return new GenericContainer(image)
    .withExposedPorts({ container: 9094, host: hostPort })
    .withCopyContentToContainer([{ content: certs.keystoreP12, target: '/etc/kafka/secrets/server.p12', mode: 0o644 }])
    .withEnvironment({
      KAFKA_NODE_ID: '1',
      KAFKA_PROCESS_ROLES: 'broker,controller',
      KAFKA_LISTENERS: 'SASL_SSL://:9094,BROKER://:19092,CONTROLLER://:9093',
      KAFKA_ADVERTISED_LISTENERS: `SASL_SSL://localhost:${hostPort},BROKER://localhost:19092`,
      KAFKA_LISTENER_SECURITY_PROTOCOL_MAP: 'CONTROLLER:PLAINTEXT,BROKER:PLAINTEXT,SASL_SSL:SASL_SSL',
      KAFKA_INTER_BROKER_LISTENER_NAME: 'BROKER',
      KAFKA_CONTROLLER_LISTENER_NAMES: 'CONTROLLER',
      KAFKA_CONTROLLER_QUORUM_VOTERS: '1@localhost:9093',
      KAFKA_SASL_ENABLED_MECHANISMS: 'SCRAM-SHA-256',
      // listener.name.sasl_ssl.scram-sha-256.sasl.jaas.config (the image maps ___ to _ and __ to -)
      KAFKA_LISTENER_NAME_SASL___SSL_SCRAM__SHA__256_SASL_JAAS_CONFIG: 'org.apache.kafka.common.security.scram.ScramLoginModule required;',
      KAFKA_SSL_KEYSTORE_TYPE: 'PKCS12',
      KAFKA_SSL_KEYSTORE_LOCATION: '/etc/kafka/secrets/server.p12',
      KAFKA_SSL_KEYSTORE_PASSWORD: secrets.keystorePassword,
      KAFKA_SSL_KEY_PASSWORD: secrets.keystorePassword,
      KAFKA_SSL_CLIENT_AUTH: 'none',
      KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR: '1',
      KAFKA_OFFSETS_TOPIC_NUM_PARTITIONS: '3',
      KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR: '1',
      KAFKA_TRANSACTION_STATE_LOG_MIN_ISR: '1',
      KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS: '0',
      KAFKA_AUTO_CREATE_TOPICS_ENABLE: 'false',
      KAFKA_TRANSACTION_PARTITION_VERIFICATION_ENABLE: 'false',
    })
    .withWaitStrategy(Wait.forLogMessage(/Kafka Server started/))
    .withStartupTimeout(180_000)
    .start();
}

/** SCRAM credentials live in the cluster metadata: created over the in-container PLAINTEXT listener. */
async function createScramUser(kafka: StartedTestContainer, secrets: SecureStackSecrets): Promise<void> {
  const result = await kafka.exec([
    '/opt/kafka/bin/kafka-configs.sh',
    '--bootstrap-server',
    'localhost:19092',
    '--alter',
    '--add-config',
    `SCRAM-SHA-256=[iterations=4096,password=${secrets.kafkaPassword}]`,
    '--entity-type',
    'users',
    '--entity-name',
    secrets.kafkaUser,
  ]);
  if (result.exitCode !== 0)
    throw new Error(`kafka-configs could not create the SCRAM user (exit ${result.exitCode}): ${result.output.replaceAll(secrets.kafkaPassword, '***')}`);
}

async function startSecureMysql(image: string, certs: TestCertificates, secrets: SecureStackSecrets): Promise<StartedTestContainer> {
  return new GenericContainer(image)
    .withExposedPorts(3306)
    .withCopyContentToContainer([
      { content: certs.caPem, target: '/etc/mysql/tls/ca.pem', mode: 0o644 },
      { content: certs.serverCertPem, target: '/etc/mysql/tls/server.pem', mode: 0o644 },
      { content: certs.serverKeyPem, target: '/etc/mysql/tls/server.key', mode: 0o644 },
    ])
    .withEnvironment({
      MYSQL_ROOT_PASSWORD: secrets.mysqlRootPassword,
      MYSQL_DATABASE: DATABASE,
      MYSQL_USER: secrets.mysqlUser,
      MYSQL_PASSWORD: secrets.mysqlPassword,
    })
    .withCommand([
      '--ssl-ca=/etc/mysql/tls/ca.pem',
      '--ssl-cert=/etc/mysql/tls/server.pem',
      '--ssl-key=/etc/mysql/tls/server.key',
      '--require-secure-transport=ON',
    ])
    .withWaitStrategy(Wait.forLogMessage(/ready for connections.*port: 3306/))
    .withStartupTimeout(180_000)
    .start();
}

async function startSecureRegistry(image: string, secrets: SecureStackSecrets): Promise<StartedTestContainer> {
  const properties = [
    'quarkus.http.auth.basic=true',
    'quarkus.security.users.embedded.enabled=true',
    'quarkus.security.users.embedded.plain-text=true',
    `quarkus.security.users.embedded.users.${secrets.registryUser}=${secrets.registryPassword}`,
    `quarkus.security.users.embedded.roles.${secrets.registryUser}=sr-developer`,
    'quarkus.http.auth.permission.everything.paths=/*',
    'quarkus.http.auth.permission.everything.policy=authenticated',
  ];
  return new GenericContainer(image)
    .withExposedPorts(8080)
    .withEnvironment({ JAVA_OPTS: ['-XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Xms64m -Xmx512m -Xss512k', ...properties.map((p) => `-D${p}`)].join(' ') })
    .withWaitStrategy(Wait.forLogMessage(/started in .*Listening on/))
    .withStartupTimeout(180_000)
    .start();
}

async function kafkaAnswers(settings: SecureStackSettings, ca: string): Promise<void> {
  // A copy: KafkaJS stores its authenticator, bound to the password, on the sasl object it is given
  // (connection.sasl.authenticationProvider), and a later `{ ...sasl, password }` would inherit it.
  const kafka = new Kafka({
    clientId: 'secure-probe',
    brokers: settings.kafkaBrokers,
    ssl: { ca: [ca] },
    sasl: { ...settings.kafkaSasl },
    logLevel: logLevel.NOTHING,
    retry: { retries: 0 },
  });
  const admin = kafka.admin();
  try {
    await admin.connect();
    await admin.listTopics();
  } finally {
    await admin.disconnect();
  }
}

async function mysqlAnswers(settings: SecureStackSettings, secrets: SecureStackSecrets, ca: string): Promise<void> {
  const conn = await mysql.createConnection({
    host: settings.mysqlHost,
    port: settings.mysqlPort,
    user: secrets.mysqlUser,
    password: secrets.mysqlPassword,
    database: settings.database,
    ssl: { ca },
  });
  try {
    await conn.query('SELECT 1');
  } finally {
    await conn.end();
  }
}
