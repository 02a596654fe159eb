/**
 * The reliability suite's load generator: a steady stream of temperature readings, Avro via the
 * registry as a device sends them, each with its own device and time (so each has its own row key),
 * a known share of them beyond an alert limit and a known share illegal. Every record it sends is
 * remembered with the destination it must reach (`Fate`) and, once the broker acknowledged it, its
 * partition and offset. Extra records (poison input) go through the same sender.
 *
 * While the broker is away the generator keeps making readings at the same rate and queues them;
 * a send that fails is sent again (the record may then be in the topic twice: counted in `resends`).
 */
import { createHash } from 'node:crypto';
import type avro from 'avsc';
import type { Kafka, Producer } from 'kafkajs';
import { TOPICS, temperatureReadingSchema, type TemperatureReading } from '../../../schemas/index.js';
import { toMysqlDatetime } from '../../../sinks/index.js';
import { avroRegistrySerde, errorMessage, type AvroRegistryClient, type AvroRegistrySerde, type ErrorClass } from '../../../topology/index.js';
import type { Position } from '../../support/kafka-probes.js';
import { seededRandomFor } from '../../support/seed.js';
import { LIMITS } from './mode.js';

/** Where a record must end up. */
export type Fate =
  | { readonly kind: 'stored'; readonly alert?: 'HIGH' | 'LOW' }
  | { readonly kind: 'dlq'; readonly errorClass: ErrorClass; readonly rule?: string; readonly node?: string; readonly schemaId?: number };

/** One record the generator sent (or is sending). */
export interface ProducedRecord {
  /** `load` for the steady readings; a poison scenario names its records. */
  readonly label: string;
  readonly topic: string;
  readonly key: string | null;
  readonly value: Buffer | null;
  /** Identifies the record by its bytes: how its dead letter (which keeps key and value) is found. */
  readonly bytesId: string;
  /** `device_id \0 reading_time` for a reading the table can hold: how its row and its alerts are found. */
  readonly rowId?: string;
  readonly reading?: TemperatureReading;
  readonly fate: Fate;
  /** Where the broker put it (the last successful send). */
  position?: Position;
  /** How many sends were tried; above 1 after a failure, when the record may exist twice. */
  sends: number;
}

export type ExtraRecord = Pick<ProducedRecord, 'label' | 'topic' | 'key' | 'value' | 'fate'> & {
  readonly reading?: TemperatureReading;
  readonly partition?: number;
};

export const bytesIdentity = (key: Buffer | string | null, value: Buffer | null): string =>
  createHash('sha256')
    .update(key === null ? '\u0001null' : `\u0002${key.toString()}`)
    .update('\u0000')
    .update(value ?? Buffer.from('\u0001null'))
    .digest('hex');

export const rowIdentity = (deviceId: string, readingTime: string): string => `${deviceId}\u0000${readingTime}`;
export const readingRowIdentity = (reading: Pick<TemperatureReading, 'deviceId' | 'readingTime'>): string =>
  rowIdentity(reading.deviceId, toMysqlDatetime(reading.readingTime));

/** The load's mix, by reading index modulo 20: what share is beyond a limit and what share is illegal. */
export const LOAD_MIX = {
  period: 20,
  /** 2 of 20 (10 %) outside the legal 32–132 °F: DLQ, rule legal-range. */
  illegal: 2,
  /** 5 of 20 (25 %) legal but beyond MIN_TEMP/MAX_TEMP: stored and alerted. */
  alert: 5,
} as const;

/** The i-th reading of a load: deterministic, so a failure can be reproduced and explained. */
export function loadReading(i: number, options: { tag: string; devices: number; t0: number }): { reading: TemperatureReading; fate: Fate } {
  const deviceId = `dev-${i % options.devices}~${options.tag}`;
  const readingTime = options.t0 + i * 1000;
  const wobble = (i % 7) / 10; // 0.0 .. 0.6, so values are not all equal
  const r = (temperature: number, unit: TemperatureReading['unit'] = 'FAHRENHEIT'): TemperatureReading => ({ deviceId, readingTime, temperature, unit });
  const legalRange: Fate = { kind: 'dlq', errorClass: 'validation', rule: 'legal-range', node: 'check-constraints-avro' };
  switch (i % LOAD_MIX.period) {
    case 0:
      return { reading: r(140 + wobble), fate: legalRange };
    case 10:
      return { reading: r(-5 - wobble, 'CELSIUS'), fate: legalRange }; // 23 °F
    case 1:
      return { reading: r(LIMITS.maxTemp + 1 + wobble), fate: { kind: 'stored', alert: 'HIGH' } };
    case 2:
      return { reading: r(52 + wobble, 'CELSIUS'), fate: { kind: 'stored', alert: 'HIGH' } }; // 125.6 °F and up
    case 3:
      return { reading: r(LIMITS.minTemp - 2 - wobble), fate: { kind: 'stored', alert: 'LOW' } };
    case 4:
      return { reading: r(32 + wobble), fate: { kind: 'stored', alert: 'LOW' } };
    case 11:
      return { reading: r(1 + wobble, 'CELSIUS'), fate: { kind: 'stored', alert: 'LOW' } }; // 33.8 °F and up
    case 5:
      return { reading: r(21.5, 'CELSIUS'), fate: { kind: 'stored' } };
    case 6:
      return { reading: r(LIMITS.maxTemp), fate: { kind: 'stored' } }; // on the limit: no alert
    case 7:
      return { reading: r(LIMITS.minTemp), fate: { kind: 'stored' } };
    default:
      return { reading: r(60 + (i % 50) + wobble), fate: { kind: 'stored' } };
  }
}

export interface LoadOptions {
  readonly kafka: Kafka;
  readonly registry: AvroRegistryClient;
  /** Readings per second. */
  readonly ratePerSecond: number;
  /** Partitions of `temperature-readings`: readings go round robin, so each one's position is known. */
  readonly partitions: number;
  /** Device ids end in `~<tag>`. */
  readonly tag: string;
  readonly devices?: number;
  /** Time of reading 0 (epoch ms); reading i is taken i seconds later. */
  readonly t0?: number;
  /** Called with each send failure (the broker away). */
  readonly onSendError?: (error: unknown) => void;
}

export interface LoadStats {
  /** Acknowledged by the broker. */
  readonly produced: number;
  readonly pending: number;
  readonly resends: number;
  readonly sendErrors: number;
  /** Producers replaced after a broken session (see replaceProducer). */
  readonly producerReplacements: number;
  readonly seconds: number;
}

const TICK_MS = 100;
/** Where each generator's reading times start; the seed is printed (repeat with TEST_SEED). */
const loadClock = seededRandomFor('load: first reading time');
const MAX_CHUNK = 500;

export class LoadGenerator {
  readonly produced: ProducedRecord[] = [];
  private readonly queue: { readonly record: ProducedRecord; readonly partition: number }[] = [];
  private readonly serde: AvroRegistrySerde<TemperatureReading>;
  private producer: Producer | undefined;
  private timer: NodeJS.Timeout | undefined;
  private sender: Promise<void> | undefined;
  private generating = false;
  private stopping = false;
  private next = 0;
  private extraPartition = 0;
  private ticking = false;
  private resends = 0;
  private sendErrors = 0;
  private producerReplacements = 0;
  private startedAt = 0;
  private stoppedAt = 0;
  private wake: (() => void) | undefined;
  private readonly t0: number;

  constructor(private readonly options: LoadOptions) {
    this.serde = avroRegistrySerde<TemperatureReading>({ registry: options.registry, schema: temperatureReadingSchema as avro.Schema });
    this.t0 = options.t0 ?? Date.UTC(2026, 0, 1) + Math.floor(loadClock.between(0, 1000)) * 86_400_000;
  }

  /** Connects and starts sending at the configured rate. */
  async start(): Promise<void> {
    this.producer = await this.connectProducer();
    this.startedAt = Date.now();
    this.generating = true;
    this.timer = setInterval(() => void this.tick(), TICK_MS);
    this.sender = this.sendLoop();
  }

  /** Readings generated so far, whether acknowledged or still queued. */
  get generated(): number {
    return this.next;
  }

  stats(): LoadStats {
    return {
      produced: this.produced.filter((p) => p.position !== undefined).length,
      pending: this.queue.length,
      resends: this.resends,
      sendErrors: this.sendErrors,
      producerReplacements: this.producerReplacements,
      seconds: ((this.stoppedAt || Date.now()) - this.startedAt) / 1000,
    };
  }

  /** Queues extra records (poison input) behind the readings already generated. */
  async addExtra(records: readonly ExtraRecord[]): Promise<void> {
    for (const r of records) {
      const partition = r.partition ?? this.extraPartition++ % this.options.partitions;
      const rowId = r.reading && r.fate.kind === 'stored' ? readingRowIdentity(r.reading) : undefined;
      const record: ProducedRecord = {
        label: r.label,
        topic: r.topic,
        key: r.key,
        value: r.value,
        bytesId: bytesIdentity(r.key, r.value),
        rowId,
        reading: r.reading,
        fate: r.fate,
        sends: 0,
      };
      this.produced.push(record);
      this.queue.push({ record, partition });
    }
    this.wake?.();
    await Promise.resolve();
  }

  /** Waits until `count` readings were acknowledged (bounded). */
  async waitForProduced(count: number, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.stats().produced < count) {
      if (Date.now() > deadline)
        throw new Error(
          `the load generator had ${this.stats().produced} of ${count} records acknowledged after ${timeoutMs} ms (${this.sendErrors} send errors)`,
        );
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** Stops making readings, sends what is queued (bounded), disconnects. */
  async stop(timeoutMs = 60_000): Promise<LoadStats> {
    this.generating = false;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.stopping = true;
    this.wake?.();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), timeoutMs);
    });
    const outcome = await Promise.race([this.sender?.then(() => 'sent' as const), timeout]);
    clearTimeout(timer);
    this.stoppedAt = Date.now();
    await this.producer?.disconnect().catch(() => undefined);
    if (outcome === 'timeout') throw new Error(`the load generator could not send its last ${this.queue.length} records within ${timeoutMs} ms`);
    return this.stats();
  }

  private async connectProducer(): Promise<Producer> {
    const producer = this.options.kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
    await producer.connect();
    return producer;
  }

  /**
   * A new producer (a new producer id): what a device does when its session is beyond repair. A
   * KafkaJS idempotent producer that got OUT_OF_ORDER_SEQUENCE_NUMBER after a broker restart keeps
   * failing with it; so does one that failed many times in a row.
   */
  private async replaceProducer(): Promise<void> {
    this.producerReplacements++;
    await this.producer?.disconnect().catch(() => undefined);
    this.producer = await this.connectProducer().catch(() => undefined);
  }

  private async tick(): Promise<void> {
    if (!this.generating || this.ticking) return;
    this.ticking = true;
    try {
      await this.generateDue();
    } finally {
      this.ticking = false;
    }
  }

  /**
   * Makes the readings due by the clock since the start: a tick that comes late (a busy event loop,
   * thousands of readings a second) catches up instead of lowering the rate offered.
   */
  private async generateDue(): Promise<void> {
    const due = Math.floor((this.options.ratePerSecond * (Date.now() - this.startedAt)) / 1000);
    const count = due - this.next;
    for (let k = 0; k < count; k++) {
      const i = this.next++;
      const { reading, fate } = loadReading(i, { tag: this.options.tag, devices: this.options.devices ?? 24, t0: this.t0 });
      const value = await this.serde.serialize(reading, TOPICS.readings);
      const record: ProducedRecord = {
        label: 'load',
        topic: TOPICS.readings,
        key: reading.deviceId,
        value,
        bytesId: bytesIdentity(reading.deviceId, value),
        rowId: readingRowIdentity(reading),
        reading,
        fate,
        sends: 0,
      };
      this.produced.push(record);
      this.queue.push({ record, partition: i % this.options.partitions });
    }
    if (count > 0) this.wake?.();
  }

  private async sendLoop(): Promise<void> {
    let failures = 0;
    for (;;) {
      if (this.queue.length === 0) {
        if (this.stopping) return;
        await new Promise<void>((resolve) => {
          this.wake = resolve;
          setTimeout(resolve, TICK_MS);
        });
        this.wake = undefined;
        continue;
      }
      const topic = this.queue[0]!.record.topic;
      const chunk: { readonly record: ProducedRecord; readonly partition: number }[] = [];
      for (const q of this.queue) {
        if (chunk.length >= MAX_CHUNK) break;
        if (q.record.topic === topic) chunk.push(q);
      }
      try {
        for (const { record } of chunk) {
          record.sends++;
          if (record.sends > 1) this.resends++;
        }
        if (!this.producer) await this.replaceProducer();
        if (!this.producer) throw new Error('no producer: the broker is away');
        const meta = await this.producer.send({
          topic,
          acks: -1,
          messages: chunk.map(({ record, partition }) => ({ key: record.key, value: record.value, partition })),
        });
        // One batch per partition, in the order given: the k-th record of a partition is at base + k.
        const base = new Map(meta.map((m) => [m.partition, BigInt(m.baseOffset ?? m.offset ?? '-1')]));
        const seen = new Map<number, bigint>();
        for (const { record, partition } of chunk) {
          const k = seen.get(partition) ?? 0n;
          seen.set(partition, k + 1n);
          const b = base.get(partition);
          if (b !== undefined && b >= 0n) record.position = { topic, partition, offset: String(b + k) };
        }
        const sent = new Set(chunk);
        for (let i = this.queue.length - 1; i >= 0; i--) if (sent.has(this.queue[i]!)) this.queue.splice(i, 1);
        failures = 0;
      } catch (err) {
        this.sendErrors++;
        failures++;
        this.options.onSendError?.(err);
        if (this.stopping && failures > 50) throw new Error(`the load generator gave up sending: ${errorMessage(err)}`);
        const type = (err as { type?: unknown }).type;
        if (
          /OUT_OF_ORDER_SEQUENCE|UNKNOWN_PRODUCER|PRODUCER_FENCED|INVALID_PRODUCER_EPOCH|out of order sequence/i.test(
            `${typeof type === 'string' ? type : ''} ${errorMessage(err)}`,
          ) ||
          failures % 5 === 0
        ) {
          await this.replaceProducer();
        }
        await new Promise((r) => setTimeout(r, Math.min(2000, 100 * 2 ** Math.min(failures, 5))));
      }
    }
  }
}
