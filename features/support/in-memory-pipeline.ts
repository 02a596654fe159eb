import { TemperatureTestKit } from '../../app/testing/temperature-test-kit.js';
import { fromMysqlDatetime } from '../../sinks/index.js';
import type { SourcePosition } from '../../topology/index.js';
import { SCENARIO_READING_WINDOW, type PipelineFactory, type PipelineUnderTest, type SentMessage } from './pipeline-under-test.js';

/** The default: the real topology in a TopologyTestDriver, with an in-memory registry and table. */
export const inMemoryPipeline: PipelineFactory = (config) => {
  const kit = new TemperatureTestKit({
    minTemp: config.minTemp,
    maxTemp: config.maxTemp,
    hysteresisF: config.hysteresisF,
    silenceMs: config.silenceMs,
    jsonInput: true,
    readingWindow: SCENARIO_READING_WINDOW,
  });
  /** The bytes the driver's input topic holds at `position`: what the scenario's record was on the wire. */
  const sentAt = (position: SourcePosition): SentMessage => {
    const m = kit.driver.messages(position.topic).find((s) => s.partition === position.partition && s.offset === position.offset);
    if (!m) throw new Error(`the driver holds no record at ${position.topic}[${position.partition}]@${position.offset}`);
    return { key: m.key, value: m.value };
  };
  const pipeline: PipelineUnderTest = {
    sendReading: async (reading) => sentAt(await kit.sendReading(reading)),
    sendRawBytes: async (bytes) => sentAt(await kit.sendRaw(bytes)),
    sendJson: async (value) => {
      await kit.sendJson(value);
    },
    alerts: async () => (await kit.alerts()).map((a) => a.value),
    dlq: () =>
      Promise.resolve(
        kit
          .deadLetters()
          .map(({ topic, sourceTopic, errorClass, rule, message, key, value }) => ({ topic, sourceTopic, errorClass, rule, message, key, value })),
      ),
    storedRows: () =>
      Promise.resolve(
        kit.sink.rows.map((row) => ({
          deviceId: row.device_id,
          readingTime: fromMysqlDatetime(row.reading_time),
          temperature: row.temperature,
          unit: row.unit,
        })),
      ),
    episodes: async () => (await kit.episodes()).map((e) => e.value),
    silences: async () => (await kit.silences()).map((e) => e.value),
    rollups: () =>
      Promise.resolve(kit.rollups().map(({ deviceId, windowStart, readings, minF, maxF, meanF }) => ({ deviceId, windowStart, readings, minF, maxF, meanF }))),
    // Second by second, as a real clock moves: every check falling due in the meantime runs (one
    // long jump of the driver's clock runs a due punctuation once, not once per missed interval).
    letTimePass: async (ms) => {
      for (let passed = 0; passed < ms; passed += 1000) await kit.advanceWallClockTime(Math.min(1000, ms - passed));
    },
    close: () => {
      kit.close();
      return Promise.resolve();
    },
  };
  return Promise.resolve(pipeline);
};
