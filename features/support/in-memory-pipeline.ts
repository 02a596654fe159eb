import { TemperatureTestKit } from '../../app/testing/temperature-test-kit.js';
import { fromMysqlDatetime } from '../../sinks/index.js';
import { SCENARIO_READING_WINDOW, type PipelineFactory, type PipelineUnderTest } from './pipeline-under-test.js';

/** The default: the real topology in a TopologyTestDriver, with an in-memory registry and table. */
export const inMemoryPipeline: PipelineFactory = (config) => {
  const kit = new TemperatureTestKit({ minTemp: config.minTemp, maxTemp: config.maxTemp, jsonInput: true, readingWindow: SCENARIO_READING_WINDOW });
  const pipeline: PipelineUnderTest = {
    sendReading: async (reading) => {
      await kit.sendReading(reading);
    },
    sendRawBytes: async (bytes) => {
      await kit.sendRaw(bytes);
    },
    sendJson: async (value) => {
      await kit.sendJson(value);
    },
    alerts: async () => (await kit.alerts()).map((a) => a.value),
    dlq: () => Promise.resolve(kit.deadLetters().map(({ topic, sourceTopic, errorClass, rule, message }) => ({ topic, sourceTopic, errorClass, rule, message }))),
    storedRows: () =>
      Promise.resolve(
        kit.sink.rows.map((row) => ({ deviceId: row.device_id, readingTime: fromMysqlDatetime(row.reading_time), temperature: row.temperature, unit: row.unit })),
      ),
    close: () => {
      kit.close();
      return Promise.resolve();
    },
  };
  return Promise.resolve(pipeline);
};
