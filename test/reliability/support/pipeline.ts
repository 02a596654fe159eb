/**
 * What a reliability scenario runs: its own stack (startStack, one per file, since scenarios break
 * containers), the pipeline's clients, topology instances as users run them (createTemperatureRunner,
 * in this process or in a child process that can be SIGKILLed), and Docker operations on the
 * containers (pause, stop, start).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import { Kafka, logLevel, type Admin, type Consumer, type ConsumerConfig, type KafkaConfig } from 'kafkajs';
import type { Knex } from 'knex';
import { getContainerRuntimeClient, type StartedTestContainer } from 'testcontainers';
import { createTemperatureRunner, prepareInfrastructure, type PipelineClients } from '../../../app/index.js';
import { registerSchemas } from '../../../schemas/index.js';
import { createKnex, type CreateKnexOptions, type MysqlReadingsSink } from '../../../sinks/index.js';
import { startStack, type RunningStack } from '../../../stack/harness.js';
import { errorMessage, type KafkaTopologyRunner, type Logger, type RuntimeObserver } from '../../../topology/index.js';
import { within } from '../../support/wait.js';
import { CONSUMER_TUNING, LIMITS } from './mode.js';

/**
 * A Kafka client whose consumers get `defaults` under whatever the caller sets: how the suite gives
 * createTemperatureRunner (which takes no consumer settings) a shorter session timeout.
 */
export class TunedKafka extends Kafka {
  constructor(
    config: KafkaConfig,
    private readonly consumerDefaults: Partial<ConsumerConfig> = CONSUMER_TUNING,
  ) {
    super(config);
  }

  override consumer(config: ConsumerConfig): Consumer {
    return super.consumer({ ...this.consumerDefaults, ...config });
  }
}

/** Where the pipeline connects; secured stacks add TLS and credentials. */
export interface Endpoints {
  readonly brokers: readonly string[];
  readonly registryUrl: string;
  readonly registryAuth?: { readonly username: string; readonly password: string };
  readonly mysqlUrl: string;
  readonly mysqlSsl?: CreateKnexOptions['ssl'];
  readonly kafkaSsl?: KafkaConfig['ssl'];
  readonly kafkaSasl?: KafkaConfig['sasl'];
}

export const endpointsOf = (stack: RunningStack): Endpoints => ({
  brokers: stack.settings.kafkaBrokers,
  registryUrl: stack.settings.schemaRegistryUrl,
  mysqlUrl: stack.settings.mysqlUrl,
});

export interface ReliabilityClients extends PipelineClients {
  readonly kafka: Kafka;
  readonly registry: SchemaRegistry;
  readonly knex: Knex;
  close(): Promise<void>;
}

/** A KafkaJS log line, for a worker that traces (its retries and errors). */
export type KafkaLogLine = (level: 'error' | 'warn' | 'info', message: string, fields: object) => void;

export function kafkaFor(endpoints: Endpoints, clientId: string, kafkaLog?: KafkaLogLine): Kafka {
  return new TunedKafka({
    clientId,
    brokers: [...endpoints.brokers],
    ssl: endpoints.kafkaSsl,
    // A copy per client: KafkaJS stores its authenticator (bound to the password) on the object.
    sasl: endpoints.kafkaSasl ? { ...endpoints.kafkaSasl } : undefined,
    logLevel: kafkaLog ? logLevel.INFO : logLevel.NOTHING,
    logCreator: kafkaLog
      ? () =>
          ({ level, namespace, log: { message, ...fields } }) =>
            kafkaLog(level <= logLevel.ERROR ? 'error' : level === logLevel.WARN ? 'warn' : 'info', `kafkajs ${namespace}: ${message}`, fields)
      : undefined,
  });
}

export function clientsFor(
  endpoints: Endpoints,
  options: { clientId: string; logger?: Logger; observer?: RuntimeObserver; kafkaLog?: KafkaLogLine },
): ReliabilityClients {
  const knex = createKnex(endpoints.mysqlUrl, { ssl: endpoints.mysqlSsl });
  return {
    kafka: kafkaFor(endpoints, options.clientId, options.kafkaLog),
    registry: new SchemaRegistry({ host: endpoints.registryUrl, auth: endpoints.registryAuth }),
    knex,
    logger: options.logger,
    observer: options.observer,
    close: () => knex.destroy(),
  };
}

/** Warnings and errors a topology instance logged (the last 500), for failure messages and retry checks. */
export class RecordingLogger implements Logger {
  readonly entries: { at: number; level: 'warn' | 'error'; message: string; fields: object }[] = [];
  debug = (): void => undefined;
  info = (): void => undefined;
  warn = (fields: object, message: string): void => this.keep('warn', fields, message);
  error = (fields: object, message: string): void => this.keep('error', fields, message);

  private keep(level: 'warn' | 'error', fields: object, message: string): void {
    if (message === 'record sent to the DLQ') return;
    this.entries.push({ at: Date.now(), level, message, fields });
    if (this.entries.length > 500) this.entries.shift();
  }

  summary(): string {
    return this.entries
      .slice(-10)
      .map((e) => `${e.level}: ${e.message} ${JSON.stringify(e.fields).slice(0, 300)}`)
      .join('\n');
  }
}

/** A retry the sinks reported through the runtime observer. */
export interface RetryEvent {
  readonly at: number;
  readonly sink: string;
  readonly attempt: number;
  readonly error: string;
}

export class RetryRecorder implements RuntimeObserver {
  readonly retries: RetryEvent[] = [];
  retrying(sink: string, attempt: number, error: unknown): void {
    this.retries.push({ at: Date.now(), sink, attempt, error: errorMessage(error) });
  }
}

/** A scenario's world: its own stack, clients, an admin, the schemas registered and the topics and tables ready. */
export interface ScenarioEnv {
  readonly stack: RunningStack;
  readonly endpoints: Endpoints;
  readonly clients: ReliabilityClients;
  readonly admin: Admin;
  readonly partitions: number;
  stop(): Promise<void>;
}

export async function startScenario(name: string, options: { partitions: number; jsonInput?: boolean }): Promise<ScenarioEnv> {
  const started = Date.now();
  const stack = await startStack({ log: (line) => console.log(`[${name} stack] ${line}`) });
  const endpoints = endpointsOf(stack);
  const clients = clientsFor(endpoints, { clientId: `${name}-test` });
  let admin: Admin | undefined;
  try {
    await registerSchemas({ url: endpoints.registryUrl });
    await prepareInfrastructure(clients, { partitions: options.partitions, jsonInput: options.jsonInput });
    admin = clients.kafka.admin();
    await admin.connect();
  } catch (err) {
    await clients.close();
    await stack.stop();
    throw err;
  }
  console.log(
    `[${name}] stack ready in ${((Date.now() - started) / 1000).toFixed(1)} s (${stack.images.kafka}, ${stack.images.schemaRegistry}, ${stack.images.mysql})`,
  );
  const a = admin;
  return {
    stack,
    endpoints,
    clients,
    admin: a,
    partitions: options.partitions,
    stop: async () => {
      await a.disconnect().catch(() => undefined);
      await clients.close().catch(() => undefined);
      await stack.stop();
    },
  };
}

/** A topology instance in this process, as users run it (createTemperatureRunner). */
export interface InProcessInstance {
  readonly runner: KafkaTopologyRunner;
  readonly sink: MysqlReadingsSink;
  readonly logger: RecordingLogger;
  readonly observer: RetryRecorder;
  stop(): Promise<void>;
}

export async function startInProcess(
  endpoints: Endpoints,
  options: { groupId: string; clientId: string; jsonInput?: boolean; mysqlUrl?: string },
): Promise<InProcessInstance> {
  const logger = new RecordingLogger();
  const observer = new RetryRecorder();
  const clients = clientsFor({ ...endpoints, mysqlUrl: options.mysqlUrl ?? endpoints.mysqlUrl }, { clientId: options.clientId, logger, observer });
  const { runner, sink } = createTemperatureRunner(clients, { groupId: options.groupId, ...LIMITS, jsonInput: options.jsonInput });
  await within(runner.start(), 60_000, `topology instance ${options.clientId} started`);
  return {
    runner,
    sink,
    logger,
    observer,
    stop: async () => {
      await within(runner.stop(), 60_000, `topology instance ${options.clientId} stopped`).catch((err: unknown) => {
        if (runner.state !== 'failed') throw err;
      });
      await clients.close();
    },
  };
}

/** A topology instance in a child process (support/pipeline-worker.ts) that a test may SIGKILL. */
export interface WorkerInstance {
  readonly child: ChildProcess;
  /** Resolves with the exit code or signal. */
  readonly exited: Promise<string>;
  kill(signal: NodeJS.Signals): Promise<string>;
}

const WORKER = fileURLToPath(new URL('./pipeline-worker.ts', import.meta.url));

export function startWorker(
  endpoints: Endpoints,
  options: { groupId: string; name: string; startTimeoutMs?: number; processingGuarantee?: 'at_least_once' | 'exactly_once' },
): Promise<WorkerInstance> {
  return new Promise((resolve, reject) => {
    const child = fork(WORKER, [], {
      execArgv: ['--import', 'tsx'],
      env: {
        ...process.env,
        WORKER_NAME: options.name,
        WORKER_ENDPOINTS: JSON.stringify(endpoints),
        WORKER_GROUP: options.groupId,
        WORKER_GUARANTEE: options.processingGuarantee ?? 'at_least_once',
        KAFKAJS_NO_PARTITIONER_WARNING: '1',
      },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const exited = new Promise<string>((done) => child.once('exit', (code, signal) => done(signal ?? `exit ${code}`)));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`worker ${options.name} did not start within ${options.startTimeoutMs ?? 90_000} ms`));
    }, options.startTimeoutMs ?? 90_000);
    child.once('message', () => {
      clearTimeout(timer);
      resolve({
        child,
        exited,
        kill: async (signal) => {
          if (child.exitCode === null && child.signalCode === null) child.kill(signal);
          return within(exited, 60_000, `worker ${options.name} exited after ${signal}`);
        },
      });
    });
    void exited.then((how) => {
      clearTimeout(timer);
      reject(new Error(`worker ${options.name} exited before it started (${how})`));
    });
  });
}

/** The Docker container behind a testcontainers container, for pause/unpause/stop/start. */
async function dockerOf(container: StartedTestContainer) {
  const client = await getContainerRuntimeClient();
  return client.container.getById(container.getId());
}

export const docker = {
  pause: async (c: StartedTestContainer): Promise<void> => {
    await (await dockerOf(c)).pause();
  },
  unpause: async (c: StartedTestContainer): Promise<void> => {
    await (await dockerOf(c)).unpause();
  },
  stop: async (c: StartedTestContainer, timeoutSeconds = 10): Promise<void> => {
    await (await dockerOf(c)).stop({ t: timeoutSeconds });
  },
  start: async (c: StartedTestContainer): Promise<void> => {
    await (await dockerOf(c)).start();
  },
  /** The host port Docker publishes `containerPort` on right now. */
  hostPort: async (c: StartedTestContainer, containerPort: number): Promise<number | undefined> => {
    const info = await (await dockerOf(c)).inspect();
    const bindings = info.NetworkSettings.Ports[`${containerPort}/tcp`];
    const port = bindings?.[0]?.HostPort;
    return port ? Number(port) : undefined;
  },
};

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
