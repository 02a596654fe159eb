/**
 * The temperature pipeline on the real stack: Kafka, the schema registry and MySQL in containers
 * (stack/harness.ts), wired by app/pipeline.ts: the path users run. One stack, one temperature
 * runner, one alert runner and one collector of the output topics serve every scenario of the run.
 *
 * Topic names are fixed and shared, so scenarios are isolated by data: each scenario's device ids
 * and raw-message keys end in its own `~<tag>`, and its queries keep only what carries that tag (and
 * strip it again before handing results to the steps).
 */
import { createAlertRunner, createTemperatureRunner, prepareInfrastructure, type Notifier, type PipelineSettings } from '../../app/index.js';
import { registerSchemas, tempRangeAlertSchema, TOPICS, type TempRangeAlert } from '../../schemas/index.js';
import { fromMysqlDatetime, type MysqlReadingsSink } from '../../sinks/index.js';
import { startStack, type RunningStack } from '../../stack/harness.js';
import { committedOffsets, TopicCollector, waitForCommitted, type Position } from '../../test/support/kafka-probes.js';
import { dataTag, ReadingProducer, stackClients, type StackClients } from '../../test/support/pipeline-env.js';
import { waitUntil } from '../../test/support/wait.js';
import { avroRegistrySerde, errorMessage, readDlqHeaders, type AvroRegistrySerde, type KafkaTopologyRunner } from '../../topology/index.js';
import type avro from 'avsc';
import type { Admin } from 'kafkajs';
import {
  SCENARIO_READING_WINDOW,
  type DeadLetter,
  type PipelineConfig,
  type PipelineFactory,
  type PipelineUnderTest,
  type SentMessage,
  type StoredReading,
} from './pipeline-under-test.js';

/** The limits the stack's one temperature runner applies; every feature uses these. */
export const STACK_LIMITS: PipelineConfig = { minTemp: 40, maxTemp: 120 };

/**
 * How long a query may wait for the pipeline to catch up. Below cucumber's 5 s step timeout so that a
 * stuck pipeline fails with our message (what was awaited, what was seen), not a bare timeout.
 */
const QUERY_BUDGET_MS = 4_000;

/** Everything one cucumber run shares on the stack. */
export class StackPipelineHost {
  private scenarios = 0;

  private constructor(
    /** Every alert the alert runner told a person about. */
    readonly notified: readonly TempRangeAlert[],
    private readonly stack: RunningStack,
    private readonly clients: StackClients,
    private readonly admin: Admin,
    private readonly producer: ReadingProducer,
    private readonly temperature: { runner: KafkaTopologyRunner; sink: MysqlReadingsSink; groupId: string },
    private readonly alerts: { runner: KafkaTopologyRunner; groupId: string },
    private readonly collector: TopicCollector,
    private readonly alertSerde: AvroRegistrySerde<TempRangeAlert>,
    /** The readings' DLQ topic the temperature runner is configured with. */
    private readonly dlqTopic: string,
  ) {}

  /**
   * Starts the stack and the pipeline, and proves the whole path works before the first scenario: a
   * warm-up reading must come out as a row, an alert on the topic and an alert row.
   */
  static async start(log: (line: string) => void = () => undefined): Promise<StackPipelineHost> {
    const stack = await startStack({ log: (line) => log(`[stack] ${line}`) });
    const cleanups: (() => Promise<unknown>)[] = [() => stack.stop()];
    const cleanUp = async () => {
      for (const c of cleanups.reverse()) await c().catch(() => undefined);
    };
    try {
      log(
        `[stack] started in ${stack.startupSeconds.total.toFixed(1)} s: kafka ${stack.settings.kafkaBrokers.join(',')}, registry ${stack.settings.schemaRegistryUrl}, mysql ${stack.settings.mysql.host}:${stack.settings.mysql.port} (${JSON.stringify(stack.images)})`,
      );
      const clients = stackClients(stack.settings, { databaseUrl: stack.settings.mysqlUrl, clientId: 'features' });
      cleanups.push(() => clients.close());
      await registerSchemas({ url: stack.settings.schemaRegistryUrl });
      await prepareInfrastructure(clients, {});

      const tag = dataTag();
      const temperatureGroup = `features-temperature-${tag}`;
      const temperatureSettings: PipelineSettings = {
        groupId: temperatureGroup,
        ...STACK_LIMITS,
        readingWindow: SCENARIO_READING_WINDOW,
        commitIntervalMs: 100,
        sinkBatching: { lingerMs: 5 },
      };
      const temperature = createTemperatureRunner(clients, temperatureSettings);
      // Where the running topology sends the readings' dead letters (declared on its source), so that a
      // wrong DLQ topic there shows in the scenarios.
      const dlqTopic = temperature.runner.topology.dlqTopicOf(TOPICS.readings);
      cleanups.push(() => temperature.runner.stop());
      await temperature.runner.start();

      const notified: TempRangeAlert[] = [];
      const notifier: Notifier = {
        name: 'features',
        notify: (notice) => {
          if (notice.kind === 'alert') notified.push(notice.alert);
          return Promise.resolve();
        },
      };
      const alertGroup = `features-alerts-${tag}`;
      const alerts = createAlertRunner(clients, { groupId: alertGroup, commitIntervalMs: 100 }, notifier);
      cleanups.push(() => alerts.runner.stop());
      await alerts.runner.start();

      const collector = await TopicCollector.start(clients.kafka, { groupId: `features-collector-${tag}`, topics: [TOPICS.alerts, dlqTopic] });
      cleanups.push(() => collector.stop());
      const admin = clients.kafka.admin();
      await admin.connect();
      cleanups.push(() => admin.disconnect());
      const producer = await ReadingProducer.connect(clients.kafka, clients.registry);
      cleanups.push(() => producer.disconnect());

      const alertSerde = avroRegistrySerde<TempRangeAlert>({ registry: clients.registry, schema: tempRangeAlertSchema as avro.Schema });
      const host = new StackPipelineHost(
        notified,
        stack,
        clients,
        admin,
        producer,
        { ...temperature, groupId: temperatureGroup },
        { runner: alerts.runner, groupId: alertGroup },
        collector,
        alertSerde,
        dlqTopic,
      );
      await host.warmUp(log);
      return host;
    } catch (err) {
      await cleanUp();
      throw err;
    }
  }

  /** A HIGH reading through every part: the runners joined their groups and the path works end to end. */
  private async warmUp(log: (line: string) => void): Promise<void> {
    const started = Date.now();
    const deviceId = `warm-up~${dataTag()}`;
    const position = await this.producer.sendReading({ deviceId, readingTime: Date.UTC(2026, 0, 1), temperature: 125, unit: 'FAHRENHEIT' });
    const budget = 90_000;
    await this.waitFor(() => waitForCommitted(this.admin, this.temperature.groupId, [position], budget), 'warm-up: the temperature runner handled a reading');
    await this.collector.caughtUp(this.admin, budget);
    const alerts = await this.decodeAlerts((key) => key === deviceId);
    if (alerts.length !== 1) throw new Error(`warm-up: expected one TempRangeAlert for ${deviceId}, got ${alerts.length}`);
    const [stored] = await this.clients.knex('temperature').where({ device_id: deviceId }).count<{ n: number | string }[]>({ n: '*' });
    if (Number(stored?.n) !== 1) throw new Error(`warm-up: expected one row for ${deviceId} in table temperature, got ${String(stored?.n)}`);
    await waitUntil(
      async () => {
        const [row] = await this.clients.knex('temp_range_alert').where({ device_id: deviceId }).count<{ n: number | string }[]>({ n: '*' });
        return { done: Number(row?.n) === 1 && this.notified.some((a) => a.reading.deviceId === deviceId), state: `alert rows ${String(row?.n)}` };
      },
      { what: `warm-up: the alert runner stored and notified the alert for ${deviceId}`, timeoutMs: budget, intervalMs: 50 },
    );
    log(`[stack] pipeline warm: a reading went through both runners in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  }

  /** What `TemperatureWorld.pipelineFactory` calls: one tagged view of the shared pipeline per scenario. */
  readonly factory: PipelineFactory = (config) => {
    if (config.minTemp !== STACK_LIMITS.minTemp || config.maxTemp !== STACK_LIMITS.maxTemp) {
      return Promise.reject(
        new Error(
          `the stack pipeline runs one temperature runner with MIN_TEMP ${STACK_LIMITS.minTemp}°F and MAX_TEMP ${STACK_LIMITS.maxTemp}°F; ` +
            `this scenario asks ${config.minTemp}°F/${config.maxTemp}°F. Another runner on the shared input topic would answer every scenario twice: ` +
            `give such a scenario its own runner and topics in features/support/stack-pipeline.ts first.`,
        ),
      );
    }
    this.scenarios++;
    return Promise.resolve(new StackScenario(this, `~s${this.scenarios}${dataTag()}`));
  };

  /** Sends, as the scenario's device would. */
  sendReading: ReadingProducer['sendReading'] = (reading) => this.producer.sendReading(reading);
  sendRaw: ReadingProducer['sendRaw'] = (key, value) => this.producer.sendRaw(key, value);

  /**
   * Waits until the temperature runner committed past every position (rows written, alerts and dead
   * letters acknowledged by the broker), then until the collector read the output topics to their end.
   */
  async sync(positions: readonly Position[], budgetMs: number): Promise<void> {
    const deadline = Date.now() + budgetMs;
    await this.waitFor(() => waitForCommitted(this.admin, this.temperature.groupId, positions, Math.max(1, deadline - Date.now())), 'the pipeline to catch up');
    await this.waitFor(() => this.collector.caughtUp(this.admin, Math.max(1, deadline - Date.now())), 'the output topics to be read');
  }

  /** Runs a wait; when it fails, adds what the runners are doing and what they complained about. */
  private async waitFor(wait: () => Promise<void>, what: string): Promise<void> {
    const failed = this.failure();
    if (failed) throw new Error(`cannot wait for ${what}: ${failed}`);
    try {
      await wait();
    } catch (err) {
      const committed = await committedOffsets(this.admin, this.temperature.groupId, TOPICS.readings).catch(() => new Map<number, bigint>());
      const details = [
        `temperature runner ${this.temperature.runner.state}, ${this.temperature.runner.engine.tracker.totalInFlight()} in flight, committed ${[...committed].map(([p, o]) => `[${p}]=${o}`).join(' ') || 'nothing'}`,
        `alert runner ${this.alerts.runner.state}`,
        ...this.clients.logger.problems().slice(-5),
      ];
      throw new Error(`${errorMessage(err)}\n  ${details.join('\n  ')}`, { cause: err });
    }
  }

  private failure(): string | undefined {
    for (const [name, runner] of [
      ['temperature', this.temperature.runner],
      ['alert', this.alerts.runner],
    ] as const) {
      if (runner.state !== 'running')
        return `the ${name} runner is ${runner.state}: ${runner.engine.failed?.message ?? (this.clients.logger.problems().slice(-3).join(' | ') || 'no error logged')}`;
    }
    return undefined;
  }

  /** Every collected TempRangeAlert whose key passes `keep`, decoded. */
  async decodeAlerts(keep: (key: string) => boolean): Promise<TempRangeAlert[]> {
    const out: TempRangeAlert[] = [];
    for (const m of this.collector.of(TOPICS.alerts)) {
      if (m.key === null || !keep(m.key.toString('utf8'))) continue;
      out.push(await this.alertSerde.deserialize(m.value, TOPICS.alerts));
    }
    return out;
  }

  /** Every collected dead letter of `temperature-readings` whose key passes `keep`, with the topic it was read from and its bytes. */
  deadLetters(keep: (key: string) => boolean): { topic: string; key: Buffer | null; value: Buffer | null; headers: ReturnType<typeof readDlqHeaders> }[] {
    return this.collector
      .of(this.dlqTopic)
      .filter((m) => m.key !== null && keep(m.key.toString('utf8')))
      .map((m) => ({ topic: m.topic, key: m.key, value: m.value, headers: readDlqHeaders(m.headers) }));
  }

  async rowsWithSuffix(suffix: string): Promise<{ device_id: string; reading_time: string; temperature: number; unit: string }[]> {
    return this.clients
      .knex('temperature')
      .select('device_id', 'reading_time', 'temperature', 'unit')
      .whereRaw('RIGHT(device_id, ?) = ?', [suffix.length, suffix])
      .orderBy('id');
  }

  async stop(): Promise<void> {
    // Readers and writers together (each waits out its consumer's fetch), then the clients, then the
    // containers: every step runs even if one before it failed.
    const failures: string[] = [];
    const run = async (name: string, step: () => Promise<unknown>) => {
      await step().catch((err: unknown) => failures.push(`${name}: ${errorMessage(err)}`));
    };
    await Promise.all([
      run('producer', () => this.producer.disconnect()),
      run('temperature runner', () => this.temperature.runner.stop()),
      run('alert runner', () => this.alerts.runner.stop()),
      run('collector', () => this.collector.stop()),
    ]);
    await run('admin', () => this.admin.disconnect());
    await run('database pool', () => this.clients.close());
    await run('stack', () => this.stack.stop());
    if (failures.length > 0) throw new Error(`stopping the stack pipeline: ${failures.join('; ')}`);
  }
}

/** One scenario's view: everything it sends carries its tag, everything it reads is filtered by it. */
class StackScenario implements PipelineUnderTest {
  private pending: Position[] = [];
  private synced = true;

  constructor(
    private readonly host: StackPipelineHost,
    /** `~s12ab34cd56` */
    private readonly suffix: string,
  ) {}

  private tagged = (id: string): string => `${id}${this.suffix}`;
  private ours = (key: string): boolean => key.endsWith(this.suffix);
  private strip = (text: string): string => text.split(this.suffix).join('');

  async sendReading(reading: Parameters<PipelineUnderTest['sendReading']>[0]): Promise<SentMessage> {
    const deviceId = this.tagged(reading.deviceId);
    const { bytes, ...position } = await this.host.sendReading({ ...reading, deviceId });
    this.pending.push(position);
    this.synced = false;
    return { key: Buffer.from(deviceId, 'utf8'), value: bytes };
  }

  async sendRawBytes(bytes: Buffer): Promise<SentMessage> {
    // The key is only there to tell whose dead letter it is: the DLQ keeps it with the original bytes.
    const key = this.tagged('raw');
    this.pending.push(await this.host.sendRaw(key, bytes));
    this.synced = false;
    return { key: Buffer.from(key, 'utf8'), value: bytes };
  }

  private async caughtUp(): Promise<void> {
    if (this.synced) return;
    await this.host.sync(this.pending, QUERY_BUDGET_MS);
    this.pending = [];
    this.synced = true;
  }

  async alerts(): Promise<TempRangeAlert[]> {
    await this.caughtUp();
    const alerts = await this.host.decodeAlerts(this.ours);
    return alerts.map((a) => {
      if (!a.reading.deviceId.endsWith(this.suffix)) throw new Error(`alert keyed ${this.suffix} is about device ${a.reading.deviceId}`);
      return { ...a, reading: { ...a.reading, deviceId: this.strip(a.reading.deviceId) } };
    });
  }

  async dlq(): Promise<DeadLetter[]> {
    await this.caughtUp();
    // Key and value stay as the DLQ holds them (tag included): the steps compare them with what was sent.
    return this.host.deadLetters(this.ours).map(({ topic, key, value, headers }) => ({
      topic,
      key,
      value,
      sourceTopic: headers.sourceTopic,
      errorClass: headers.errorClass,
      rule: headers.rule,
      message: headers.errorMessage === undefined ? undefined : this.strip(headers.errorMessage),
    }));
  }

  async storedRows(): Promise<StoredReading[]> {
    await this.caughtUp();
    const rows = await this.host.rowsWithSuffix(this.suffix);
    return rows.map((r) => ({
      deviceId: this.strip(r.device_id),
      readingTime: fromMysqlDatetime(r.reading_time),
      temperature: Number(r.temperature),
      unit: r.unit,
    }));
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
