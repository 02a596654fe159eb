import { TemperatureTestKit } from '../../app/testing/temperature-test-kit.js';
import { fromMysqlDatetime } from '../../sinks/index.js';
import type { SourcePosition } from '../../topology/index.js';
import { SCENARIO_READING_WINDOW, type PipelineFactory, type PipelineUnderTest, type SentMessage } from './pipeline-under-test.js';

/** The default: the real topology in a TopologyTestDriver, with an in-memory registry and table. */
export const inMemoryPipeline: PipelineFactory = (config) => {
  const kit = new TemperatureTestKit({ minTemp: config.minTemp, maxTemp: config.maxTemp, jsonInput: true, readingWindow: SCENARIO_READING_WINDOW });
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
    close: () => {
      kit.close();
      return Promise.resolve();
    },
  };
  return Promise.resolve(pipeline);
};
