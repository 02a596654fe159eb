import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:net';
import { fileURLToPath } from 'node:url';
import { Kafka, logLevel, type KafkaConfig } from 'kafkajs';
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TOPICS, TOPIC_SCHEMAS, registerSchemas } from '../../schemas/index.js';
import { startSecureStack, type SecureStack } from '../../stack/security/secure-stack.js';
import { waitForGroupAtEnd } from '../support/kafka-probes.js';
import { WIDE_READING_WINDOW } from '../support/cli-process.js';
import { uniqueName } from '../support/names.js';
import { dataTag } from '../support/pipeline-env.js';
import { waitUntil, within } from '../support/wait.js';
import { account, expectAccounted, observe, recordResult } from './support/destinations.js';
import { LoadGenerator } from './support/load.js';
import { LIMITS, LOAD_RATE, byMode } from './support/mode.js';
import { clientsFor, sleep, type Endpoints, type ReliabilityClients } from './support/pipeline.js';

const LOAD_SECONDS = byMode({ reduced: 8, full: 30 });
const PARTITIONS = 3;
const CLI = fileURLToPath(new URL('../../cli/main.ts', import.meta.url));

/** Refusals by kind; a timeout matches none of them. */
const UNTRUSTED_CERTIFICATE = /self[- ]signed certificate|unable to verify|unable to get (local )?issuer certificate|certificate verify failed/i;
const KAFKA_REFUSALS = {
  /** The broker hangs up: plaintext on its TLS listener, or requests before a SASL login. */
  closedByBroker: /KafkaJSConnectionClosedError|Closed connection|ECONNRESET|socket hang up/,
  authentication: /KafkaJSSASLAuthenticationError|SASL SCRAM SHA256 authentication failed/,
  untrustedCertificate: UNTRUSTED_CERTIFICATE,
} as const;
const TIMEOUT = /timeout|timed out|ETIMEDOUT/i;

/** Every error of a cause chain, `Name: message (code)`, so an assertion sees why it failed. */
function describeErrorChain(err: unknown): string {
  const parts: string[] = [];
  let current: unknown = err;
  while (current instanceof Error && parts.length < 5) {
    const code = (current as { code?: unknown }).code;
    parts.push(`${current.name}: ${current.message}${typeof code === 'string' ? ` (${code})` : ''}`);
    current = (current as { cause?: unknown; originalError?: unknown }).cause ?? (current as { originalError?: unknown }).originalError;
  }
  return parts.join(' <- ') || String(err);
}

/** `accepted`, or why the server refused the connection (as describeErrorChain). */
const mysqlOutcome = (options: mysql.ConnectionOptions): Promise<string> =>
  mysql.createConnection({ connectTimeout: 10_000, ...options }).then(async (conn) => {
    await conn.end();
    return 'accepted';
  }, describeErrorChain);

/** A specific refusal: it matches `pattern`, and it is not a timeout that happens to mention it. */
function expectRefusal(outcome: string, pattern: RegExp): void {
  expect(outcome).toMatch(pattern);
  expect(outcome).not.toMatch(TIMEOUT);
}

interface CliRun {
  readonly code: number | null;
  readonly output: string;
}

/**
 * Scenario 6: the pipeline on a locked-down stack — Kafka over SASL/SCRAM with TLS, MySQL with TLS
 * required, the registry behind basic auth — run as users run it (`tempstream start`, configured by
 * environment variables). Each door refuses the wrong key, the pipeline works with the right ones,
 * and no secret appears in any line the runs log (pino, KafkaJS through pino, error messages).
 */
describe('security: SASL_SSL Kafka, TLS MySQL, basic-auth registry, and no secret in the logs', () => {
  let secure: SecureStack;
  let endpoints: Endpoints;
  let clients: ReliabilityClients;
  const outputs: { what: string; text: string }[] = [];

  beforeAll(async () => {
    secure = await startSecureStack({ log: (line) => console.log(`[security stack] ${line}`) });
    const s = secure.settings;
    endpoints = {
      brokers: s.kafkaBrokers,
      kafkaSsl: { ca: [secure.certs.caPem] },
      kafkaSasl: { ...s.kafkaSasl },
      registryUrl: s.schemaRegistryUrl,
      registryAuth: { ...s.registryAuth },
      mysqlUrl: s.mysqlUrl,
      mysqlSsl: { ca: secure.certs.caPem },
    };
    clients = clientsFor(endpoints, { clientId: 'security-test' });
  });

  afterAll(async () => {
    await clients?.close();
    await secure?.stop();
  });

  /** Every value that must never be logged: the passwords, and the registry's Basic credentials. */
  const secrets = (): string[] => {
    const s = secure.secrets;
    return [
      s.kafkaPassword,
      s.mysqlPassword,
      s.mysqlRootPassword,
      s.registryPassword,
      s.keystorePassword,
      Buffer.from(`${s.registryUser}:${s.registryPassword}`).toString('base64'),
    ];
  };

  /** The CLI's configuration for the secured stack, as an operator would write it. */
  const cliEnv = (overrides: Record<string, string> = {}): NodeJS.ProcessEnv => ({
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    KAFKAJS_NO_PARTITIONER_WARNING: '1',
    KAFKA_BROKERS: secure.settings.kafkaBrokers.join(','),
    KAFKA_SSL: 'true',
    KAFKA_SSL_CA_FILE: secure.certs.caFile,
    KAFKA_SASL_MECHANISM: 'scram-sha-256',
    KAFKA_SASL_USERNAME: secure.secrets.kafkaUser,
    KAFKA_SASL_PASSWORD: secure.secrets.kafkaPassword,
    SCHEMA_REGISTRY_URL: secure.settings.schemaRegistryUrl,
    SCHEMA_REGISTRY_USERNAME: secure.secrets.registryUser,
    SCHEMA_REGISTRY_PASSWORD: secure.secrets.registryPassword,
    MYSQL_URL: secure.settings.mysqlUrl,
    MYSQL_SSL: 'true',
    MYSQL_SSL_CA_FILE: secure.certs.caFile,
    MIN_TEMP: String(LIMITS.minTemp),
    MAX_TEMP: String(LIMITS.maxTemp),
    INPUT_PARTITIONS: String(PARTITIONS),
    LOG_LEVEL: 'debug',
    METRICS_PORT: '0',
    ...WIDE_READING_WINDOW,
    ...overrides,
  });

  /** Runs `tempstream <args>` in a child process; `until` decides when to send SIGTERM (default: let it exit). */
  const runCli = async (what: string, args: readonly string[], env: NodeJS.ProcessEnv, until?: () => Promise<void>): Promise<CliRun> => {
    const child = spawn(process.execPath, ['--import', 'tsx', CLI, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let text = '';
    child.stdout.on('data', (chunk: Buffer) => void (text += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => void (text += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      if (until) {
        await until();
        child.kill('SIGTERM');
      }
      const code = await within(exited, 120_000, `tempstream ${args.join(' ')} (${what}) exited`);
      outputs.push({ what, text });
      return { code, output: text };
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
  };

  /** `accepted`, or every error of the cause chain as `Name: message`: what the refusal patterns below are matched against. */
  const refused = async (config: KafkaConfig): Promise<string> => {
    const admin = new Kafka({
      ...config,
      logLevel: logLevel.NOTHING,
      retry: { retries: 0 },
      connectionTimeout: 3_000,
      authenticationTimeout: 3_000,
      requestTimeout: 3_000,
    }).admin();
    try {
      await admin.connect();
      await admin.listTopics();
      return 'accepted';
    } catch (err) {
      return describeErrorChain(err);
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
  };

  /** A server that accepts connections and never answers: what a refusal must not look like. */
  const silentServer = async (): Promise<{ port: number; server: Server }> => {
    const server = createServer(() => undefined);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return { port: (server.address() as { port: number }).port, server };
  };

  it('a client that times out is not taken for a refused one (the refusal patterns below reject it)', async () => {
    const { port, server } = await silentServer();
    try {
      const sasl = { mechanism: 'scram-sha-256' as const, username: secure.secrets.kafkaUser, password: secure.secrets.kafkaPassword };
      const plain = await refused({ clientId: 'silent-plain', brokers: [`127.0.0.1:${port}`] });
      const tls = await refused({ clientId: 'silent-tls', brokers: [`127.0.0.1:${port}`], ssl: { ca: [secure.certs.caPem] }, sasl });
      for (const outcome of [plain, tls]) {
        expect(outcome).toMatch(TIMEOUT);
        for (const pattern of Object.values(KAFKA_REFUSALS)) expect(outcome).not.toMatch(pattern);
      }
    } finally {
      server.close();
    }
  });

  it('Kafka takes SASL/SCRAM over TLS only: no TLS, no login, a wrong password or an unknown CA are refused', async () => {
    const brokers = secure.settings.kafkaBrokers;
    const ca = [secure.certs.caPem];
    // A fresh sasl object each time: KafkaJS keeps its authenticator (bound to the password it saw
    // first) on the object it is given, so `{ ...used, password: 'wrong' }` would still log in.
    const sasl = (password: string) => ({ mechanism: 'scram-sha-256' as const, username: secure.secrets.kafkaUser, password });
    expectRefusal(await refused({ clientId: 'plain', brokers }), KAFKA_REFUSALS.closedByBroker);
    expectRefusal(await refused({ clientId: 'tls-no-login', brokers, ssl: { ca } }), KAFKA_REFUSALS.closedByBroker);
    expectRefusal(await refused({ clientId: 'wrong-password', brokers, ssl: { ca }, sasl: sasl('not-the-password') }), KAFKA_REFUSALS.authentication);
    expectRefusal(
      await refused({ clientId: 'unknown-user', brokers, ssl: { ca }, sasl: { ...sasl(secure.secrets.kafkaPassword), username: 'nobody' } }),
      KAFKA_REFUSALS.authentication,
    );
    expectRefusal(await refused({ clientId: 'unknown-ca', brokers, ssl: true, sasl: sasl(secure.secrets.kafkaPassword) }), KAFKA_REFUSALS.untrustedCertificate);
    expect(await refused({ clientId: 'right', brokers, ssl: { ca }, sasl: sasl(secure.secrets.kafkaPassword) })).toBe('accepted');
  });

  it('MySQL requires TLS and presents a certificate of the test CA', async () => {
    const { mysqlHost: host, mysqlPort: port, database } = secure.settings;
    const { mysqlUser: user, mysqlPassword: password } = secure.secrets;
    // The server's own refusal, not a timeout: require_secure_transport, or (what MySQL 8 answers first
    // for a caching_sha2_password account) access denied, since the password cannot go over plaintext.
    // The same account and password are accepted over TLS below, so the refusal is the transport's.
    expectRefusal(await mysqlOutcome({ host, port, user, password, database }), /\((ER_SECURE_TRANSPORT_REQUIRED|ER_ACCESS_DENIED_ERROR)\)/);
    expectRefusal(await mysqlOutcome({ host, port, user, password, database, ssl: {} }), UNTRUSTED_CERTIFICATE);
    const conn = await mysql.createConnection({ host, port, user, password, database, ssl: { ca: secure.certs.caPem } });
    const [rows] = await conn.query("SHOW SESSION STATUS LIKE 'Ssl_version'");
    await conn.end();
    expect((rows as { Value: string }[])[0]?.Value).toMatch(/^TLSv1\.[23]$/);
    // The pipeline's own pool (sinks/knex.ts createKnex with the CA) is on TLS too.
    const [status] = (await clients.knex.raw("SHOW SESSION STATUS LIKE 'Ssl_cipher'")) as [{ Value: string }[]];
    expect(status[0]?.Value).not.toBe('');
  });

  it('the schema registry answers only with the right basic-auth credentials', async () => {
    const url = `${secure.settings.schemaRegistryUrl}/subjects`;
    const basic = (user: string, password: string) => ({ Authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}` });
    expect((await fetch(url)).status).toBe(401);
    expect((await fetch(url, { headers: basic(secure.secrets.registryUser, 'not-the-password') })).status).toBe(401);
    expect((await fetch(url, { headers: basic(secure.secrets.registryUser, secure.secrets.registryPassword) })).status).toBe(200);
    const registered = await registerSchemas({ url: secure.settings.schemaRegistryUrl, auth: secure.settings.registryAuth });
    expect(registered.map((r) => r.outcome)).toEqual(TOPIC_SCHEMAS.map(() => 'registered'));
  });

  it('runs the pipeline as `tempstream start` on the secured stack, losing nothing', async () => {
    const started = Date.now();
    const groupId = uniqueName('reliability_secure');
    const admin = clients.kafka.admin();
    await admin.connect();
    let load: LoadGenerator | undefined;
    try {
      const run = await runCli('start on the secured stack', ['start'], cliEnv({ KAFKA_GROUP_ID: groupId }), async () => {
        await waitUntil(async () => ({ done: (await admin.listTopics()).includes(TOPICS.readings) }), {
          what: 'tempstream start created its topics',
          timeoutMs: 90_000,
          intervalMs: 500,
        });
        load = new LoadGenerator({ kafka: clients.kafka, registry: clients.registry, ratePerSecond: LOAD_RATE, partitions: PARTITIONS, tag: dataTag() });
        await load.start();
        await sleep(LOAD_SECONDS * 1000);
        await load.stop();
        await waitForGroupAtEnd(admin, groupId, TOPICS.readings, 120_000);
      });
      expect(run.code, `tempstream start exit code; output:\n${run.output.slice(-3000)}`).toBe(0);
      const result = account(load!.produced, await observe({ kafka: clients.kafka, admin, registry: clients.registry, knex: clients.knex }));
      recordResult({
        scenario: 'security (SASL_SSL + TLS MySQL + basic-auth registry)',
        faults: 'none: `tempstream start` on the secured stack; wrong credentials refused',
        load: `${LOAD_RATE}/s for ${LOAD_SECONDS} s`,
        seconds: (Date.now() - started) / 1000,
        counts: result.counts,
      });
      expectAccounted(result, { duplicatesAllowed: false });
    } finally {
      await load?.stop(5_000).catch(() => undefined);
      await admin.disconnect();
    }
  });

  it('fails cleanly with wrong credentials, naming the problem but not the password', async () => {
    const wrongKafka = `wrong-kafka-${dataTag()}`;
    const kafkaRun = await runCli(
      'start with a wrong Kafka password',
      ['start'],
      cliEnv({ KAFKA_SASL_PASSWORD: wrongKafka, KAFKA_GROUP_ID: uniqueName('never') }),
    );
    expect(kafkaRun.code, kafkaRun.output.slice(-2000)).toBe(1);
    expect(kafkaRun.output).toMatch(/SASL|authentication/i);
    expect(kafkaRun.output).not.toContain(wrongKafka);

    const wrongMysql = `wrong-mysql-${dataTag()}`;
    const url = new URL(secure.settings.mysqlUrl);
    url.password = wrongMysql;
    const mysqlRun = await runCli('migrate with a wrong MySQL password', ['migrate'], cliEnv({ MYSQL_URL: url.toString() }));
    expect(mysqlRun.code, mysqlRun.output.slice(-2000)).toBe(1);
    expect(mysqlRun.output).toMatch(/access denied/i);
    expect(mysqlRun.output).not.toContain(wrongMysql);

    const wrongRegistry = `wrong-registry-${dataTag()}`;
    const registryRun = await runCli(
      'schemas register with a wrong registry password',
      ['schemas', 'register'],
      cliEnv({ SCHEMA_REGISTRY_PASSWORD: wrongRegistry }),
    );
    expect(registryRun.code, registryRun.output.slice(-2000)).toBe(1);
    expect(registryRun.output).toMatch(/401/);
    expect(registryRun.output).not.toContain(wrongRegistry);
    expect(registryRun.output).not.toContain(Buffer.from(`${secure.secrets.registryUser}:${wrongRegistry}`).toString('base64'));
  });

  it('logged no secret in any line of any run (pino, KafkaJS through pino, error messages)', () => {
    const lines = outputs.flatMap(({ what, text }) => text.split('\n').map((line, i) => ({ what, line, i })));
    expect(lines.length, 'lines captured').toBeGreaterThan(20);
    // The runs did log what matters: the configuration (masked) and KafkaJS' own complaints.
    expect(
      lines.some(({ line }) => line.includes('"msg":"starting tempstream"') && line.includes('***')),
      'the masked configuration is logged',
    ).toBe(true);
    expect(
      lines.some(({ line }) => line.includes('"component":"kafkajs"')),
      'KafkaJS logs go through pino',
    ).toBe(true);
    const leaks = lines
      .filter(({ line }) => secrets().some((s) => line.includes(s)))
      .map(({ what, line, i }) => `${what}, line ${i + 1}: ${line.slice(0, 300)}`);
    expect(leaks).toEqual([]);
    console.log(`[security] ${lines.length} log lines from ${outputs.length} CLI runs searched for ${secrets().length} secrets`);
  });
});
