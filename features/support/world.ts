import { setWorldConstructor, World, type IWorldOptions } from '@cucumber/cucumber';
import type { TemperatureReading } from '../../schemas/index.js';
import { inMemoryPipeline } from './in-memory-pipeline.js';
import type { PipelineConfig, PipelineFactory, PipelineUnderTest, SentMessage } from './pipeline-under-test.js';

/** Readings get distinct times unless a scenario names one: one minute apart from here. */
const FIRST_READING_TIME = Date.UTC(2026, 2, 1, 8, 0, 0);

/**
 * A scenario's state. The pipeline is made on first use, from the settings the scenario gave (limits, margin, silence timeout), by
 * `pipelineFactory`: the in-memory one by default. With world parameter `pipeline: 'stack'` (profile
 * `integration`), stack-hooks.ts sets it to the real stack's in a Before hook.
 */
export class TemperatureWorld extends World {
  pipelineFactory: PipelineFactory = inMemoryPipeline;
  private config: PipelineConfig = { minTemp: 40, maxTemp: 120 };
  private pipeline: PipelineUnderTest | undefined;
  private nextTime = FIRST_READING_TIME;
  /** The reading the scenario last sent: what "the reading" refers to. */
  lastReading: TemperatureReading | undefined;
  /** The device a step last asked about: what "its episode" and "no other device" refer to. */
  lastDevice: string | undefined;
  /** The bytes "the reading" went out as: what its dead letter must hold. */
  private lastReadingSent: SentMessage | undefined;
  /** The bytes of the last message that was not a reading ("the message"). */
  private lastRawMessage: SentMessage | undefined;

  constructor(options: IWorldOptions) {
    super(options);
  }

  setLimits(limits: Pick<PipelineConfig, 'minTemp' | 'maxTemp'>): void {
    this.configure(limits);
  }

  /** Settings of the pipeline (limits, margin, silence timeout): given before the first reading. */
  configure(settings: Partial<PipelineConfig>): void {
    if (this.pipeline) throw new Error('the pipeline settings must be given before the first reading');
    this.config = { ...this.config, ...settings };
  }

  async pipelineUnderTest(): Promise<PipelineUnderTest> {
    this.pipeline ??= await this.pipelineFactory(this.config);
    return this.pipeline;
  }

  readingTime(): number {
    this.nextTime += 60_000;
    return this.nextTime;
  }

  async send(reading: TemperatureReading): Promise<void> {
    this.lastReading = reading;
    this.lastReadingSent = await (await this.pipelineUnderTest()).sendReading(reading);
  }

  async sendRawBytes(bytes: Buffer): Promise<void> {
    this.lastRawMessage = await (await this.pipelineUnderTest()).sendRawBytes(bytes);
  }

  theReading(): TemperatureReading {
    if (!this.lastReading) throw new Error('no reading was sent in this scenario');
    return this.lastReading;
  }

  theReadingAsSent(): SentMessage {
    if (!this.lastReadingSent) throw new Error('no reading was sent in this scenario');
    return this.lastReadingSent;
  }

  theMessageAsSent(): SentMessage {
    if (!this.lastRawMessage) throw new Error('no message other than a reading was sent in this scenario');
    return this.lastRawMessage;
  }

  async close(): Promise<void> {
    await this.pipeline?.close();
    this.pipeline = undefined;
  }
}

setWorldConstructor(TemperatureWorld);
