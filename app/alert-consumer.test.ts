import type avro from 'avsc';
import { describe, expect, it } from 'vitest';
import { avroRegistrySerde, stringSerde, type BatchingOptions, type Logger } from '../topology/index.js';
import { TopologyTestDriver } from '../topology/testing/index.js';
import { InMemorySchemaRegistry } from '../schemas/testing/index.js';
import { TOPICS, tempRangeAlertSchema, type TempRangeAlert } from '../schemas/index.js';
import { InMemoryAlertStore } from '../sinks/testing/index.js';
import { buildAlertConsumerTopology } from './alert-consumer.js';
import { logNotifier, type Notifier } from './notifiers/index.js';

const alert = (deviceId: string, sourceOffset = '1', temperature = 125.5): TempRangeAlert => ({
  reading: { deviceId, readingTime: Date.UTC(2026, 0, 1, 10), temperature, unit: 'FAHRENHEIT' },
  rule: 'temp-range',
  direction: 'HIGH',
  temperatureFahrenheit: temperature,
  bound: 120,
  minTemp: 40,
  maxTemp: 120,
  sourceTopic: TOPICS.readings,
  sourcePartition: 0,
  sourceOffset,
});

function recordingLogger() {
  const lines: { fields: object; message: string }[] = [];
  const log = (fields: object, message: string) => lines.push({ fields, message });
  const logger: Logger = { debug: () => undefined, info: log, warn: log, error: log };
  return { logger, lines };
}

function setup(notifier: Notifier, autoFlush = true, sinkBatching?: Partial<BatchingOptions>) {
  const registry = InMemorySchemaRegistry.withPipelineSchemas();
  const store = new InMemoryAlertStore();
  const consumer = buildAlertConsumerTopology({ registry, store, notifier });
  const driver = new TopologyTestDriver(consumer.topology, { autoFlush, sinkBatching });
  const serde = avroRegistrySerde<TempRangeAlert>({ registry, schema: tempRangeAlertSchema as avro.Schema });
  const input = driver.inputTopic(TOPICS.alerts, stringSerde, serde);
  return { store, consumer, driver, send: (a: TempRangeAlert) => input.pipe(a.reading.deviceId, a) };
}

describe('alert consumer', () => {
  it('logs one line a person can act on per alert, and stores the alert', async () => {
    const { logger, lines } = recordingLogger();
    const { store, driver, send } = setup(logNotifier(logger));
    await send(alert('oven-7'));
    expect(lines.map((l) => l.message)).toEqual(['device oven-7 read 125.5°F at 2026-01-01T10:00:00.000Z, above MAX_TEMP 120°F']);
    expect(lines[0]!.fields).toMatchObject({ deviceId: 'oven-7', direction: 'HIGH', bound: 120, source: 'temperature-readings[0]@1' });
    expect(store.alerts).toHaveLength(1);
    expect(driver.committedOffset(TOPICS.alerts)).toBe('1');
    driver.close();
  });

  it('notifies one batch at a time, in order, even where the pipeline writes sink batches concurrently', async () => {
    let inFlight = 0;
    let maxInFlight = 0;
    const told: string[] = [];
    const slow: Notifier = {
      name: 'slow',
      notify: async (a) => {
        maxInFlight = Math.max(maxInFlight, ++inFlight);
        await new Promise((resolve) => setTimeout(resolve, 5));
        told.push(a.reading.deviceId);
        inFlight--;
      },
    };
    const { driver, send } = setup(slow, false, { maxRecords: 1, maxConcurrentWrites: 2 });
    for (const device of ['a', 'b', 'c']) await send(alert(device));
    await driver.flush();
    expect(told).toEqual(['a', 'b', 'c']);
    expect(maxInFlight).toBe(1);
    driver.close();
  });

  it('tells a person once about an alert delivered twice or produced twice', async () => {
    const { logger, lines } = recordingLogger();
    const { store, consumer, driver, send } = setup(logNotifier(logger));
    await send(alert('oven-7', '1'));
    await send(alert('oven-7', '1')); // redelivered
    await send(alert('oven-7', '2')); // the reading produced twice
    expect(lines).toHaveLength(1);
    expect(store.alerts).toHaveLength(1);
    expect(consumer.writer.counters.notified).toBe(1);
    driver.close();
  });

  it('retries a failed notification until it is delivered, without repeating delivered ones', async () => {
    const delivered: string[] = [];
    let failuresLeft = 2;
    const flaky: Notifier = {
      name: 'flaky',
      notify: (a) => {
        if (a.reading.deviceId === 'b' && failuresLeft-- > 0) return Promise.reject(new Error('webhook down'));
        delivered.push(a.reading.deviceId);
        return Promise.resolve();
      },
    };
    // No auto-flush: its flush would wait for a backoff that only the driver's clock can end.
    const { store, consumer, driver, send } = setup(flaky, false);
    await send(alert('a'));
    await send(alert('b'));
    await driver.advanceTime(20); // linger: both alerts in one batch
    expect(delivered).toEqual(['a']);
    expect(driver.committedOffset(TOPICS.alerts)).toBeUndefined(); // the batch failed as a whole: nothing committed yet
    await driver.advanceTime(60_000); // backoff
    await driver.advanceTime(60_000);
    expect(delivered).toEqual(['a', 'b']);
    expect(store.notified.map((a) => a.reading.deviceId)).toEqual(['a', 'b']);
    expect(consumer.writer.counters).toEqual({ notified: 2, notifyFailures: 2 });
    expect(driver.committedOffset(TOPICS.alerts)).toBe('2');
    driver.close();
  });

  it('dead-letters an alert it cannot decode and goes on', async () => {
    const { logger, lines } = recordingLogger();
    const { driver, send } = setup(logNotifier(logger));
    await driver.pipeRaw(TOPICS.alerts, null, Buffer.from('garbage'));
    await send(alert('oven-7'));
    expect(driver.deadLetters(TOPICS.alerts, 'TempRangeAlert-dlq').map((d) => d.reason.errorClass)).toEqual(['deserialization']);
    expect(lines).toHaveLength(1);
    driver.close();
  });
});
