import type avro from 'avsc';
import { describe, expect, it } from 'vitest';
import { avroRegistrySerde, stringSerde, type BatchingOptions, type Logger } from '../topology/index.js';
import { TopologyTestDriver } from '../topology/testing/index.js';
import { InMemorySchemaRegistry } from '../schemas/testing/index.js';
import { TOPICS, tempRangeAlertSchema, type TempRangeAlert } from '../schemas/index.js';
import { InMemoryAlertStore } from '../sinks/testing/index.js';
import { buildAlertConsumerTopology } from './alert-consumer.js';
import { fanOut, logNotifier, noticeDevice, NotifyError, WebhookError, type Notifier } from './notifiers/index.js';

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

function setup(notifier: Notifier, autoFlush = true, sinkBatching?: Partial<BatchingOptions>, logger?: Logger) {
  const registry = InMemorySchemaRegistry.withPipelineSchemas();
  const store = new InMemoryAlertStore();
  const consumer = buildAlertConsumerTopology({ registry, store, notifier, logger, maxNotifyAttempts: 3 });
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
        told.push(noticeDevice(a));
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
        if (noticeDevice(a) === 'b' && failuresLeft-- > 0) return Promise.reject(new Error('webhook down'));
        delivered.push(noticeDevice(a));
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
    expect(consumer.writer.counters).toEqual({ notified: 2, notifyFailures: 2, failedForGood: 0 });
    expect(driver.committedOffset(TOPICS.alerts)).toBe('2');
    driver.close();
  });

  it.each([
    ['a 404 (a wrong URL)', new WebhookError('webhook at hooks.example answered 404', false)],
    ['a 401 (a wrong token)', new WebhookError('webhook at hooks.example answered 401', false)],
    ['a URL the notifier cannot use', new NotifyError('webhook URL carries credentials', true)],
  ])('records %s on the alert row without retrying it, counts and logs it, and goes on', async (_what, failure) => {
    const { logger, lines } = recordingLogger();
    let calls = 0;
    const refusing: Notifier = { name: 'webhook', notify: (a) => (noticeDevice(a) === 'a' ? (calls++, Promise.reject(failure)) : Promise.resolve()) };
    const { store, consumer, driver, send } = setup(refusing, false, undefined, logger);
    await send(alert('a', '1'));
    await send(alert('b', '2'));
    await driver.advanceTime(20);
    expect(calls).toBe(1);
    expect(store.failed.map((f) => [f.alert.reading.deviceId, f.error])).toEqual([['a', failure.message]]);
    expect(store.notified.map((a) => a.reading.deviceId)).toEqual(['b']);
    expect(consumer.writer.counters).toEqual({ notified: 1, notifyFailures: 1, failedForGood: 1 });
    expect(lines.filter((l) => l.message.includes('failed for good')).map((l) => l.fields)).toEqual([
      expect.objectContaining({ deviceId: 'a', notifier: 'webhook', attempts: 1, error: failure.message }),
    ]);
    expect(driver.committedOffset(TOPICS.alerts)).toBe('2');
    // Redelivered later: already settled, so nobody is told again.
    await send(alert('a', '1'));
    await driver.advanceTime(20);
    expect(calls).toBe(1);
    driver.close();
  });

  it('retries a transient failure a bounded number of times, then records it as failed and goes on', async () => {
    let calls = 0;
    const down: Notifier = {
      name: 'webhook',
      notify: (a) => (noticeDevice(a) === 'a' ? (calls++, Promise.reject(new WebhookError('webhook unreachable', true))) : Promise.resolve()),
    };
    const { store, consumer, driver, send } = setup(down, false);
    await send(alert('a', '1'));
    await driver.advanceTime(20);
    for (let i = 0; i < 10 && calls < 3; i++) await driver.advanceTime(60_000); // backoff
    expect(calls).toBe(3);
    expect(store.failed.map((f) => [f.alert.reading.deviceId, f.error])).toEqual([['a', 'gave up after 3 attempts: webhook unreachable']]);
    expect(consumer.writer.counters).toEqual({ notified: 0, notifyFailures: 3, failedForGood: 1 });
    expect(driver.committedOffset(TOPICS.alerts)).toBe('1');
    await send(alert('b', '2'));
    await driver.advanceTime(20);
    await driver.advanceTime(60_000);
    expect(calls).toBe(3);
    expect(store.notified.map((a) => a.reading.deviceId)).toEqual(['b']);
    driver.close();
  });

  it('does not repeat a notifier of a fan-out that already delivered the alert while another is retried', async () => {
    const { logger, lines } = recordingLogger();
    let webhookCalls = 0;
    const flakyWebhook: Notifier = {
      name: 'webhook',
      notify: () => (++webhookCalls < 3 ? Promise.reject(new WebhookError('webhook answered 503', true)) : Promise.resolve()),
    };
    const { store, driver, send } = setup(fanOut(logNotifier(logger), flakyWebhook), false);
    await send(alert('a'));
    await driver.advanceTime(20);
    for (let i = 0; i < 10 && webhookCalls < 3; i++) await driver.advanceTime(60_000);
    expect(webhookCalls).toBe(3);
    expect(lines.filter((l) => l.message.startsWith('device a read'))).toHaveLength(1); // logged once, not three times
    expect(store.notified.map((a) => a.reading.deviceId)).toEqual(['a']);
    driver.close();
  });

  it('does not retry a fan-out notifier that failed for good while another of it is retried, and records both', async () => {
    const told: string[] = [];
    let gone = 0;
    let flaky = 0;
    const goneHook: Notifier = { name: 'gone', notify: () => (gone++, Promise.reject(new WebhookError('gone answered 410', false))) };
    const flakyHook: Notifier = { name: 'flaky', notify: () => (flaky++, Promise.reject(new WebhookError('flaky answered 503', true))) };
    const ok: Notifier = { name: 'ok', notify: (a) => (told.push(noticeDevice(a)), Promise.resolve()) };
    const { store, driver, send } = setup(fanOut(ok, goneHook, flakyHook), false);
    await send(alert('a'));
    await driver.advanceTime(20);
    for (let i = 0; i < 10 && flaky < 3; i++) await driver.advanceTime(60_000);
    expect([told, gone, flaky]).toEqual([['a'], 1, 3]);
    expect(store.failed.map((f) => f.error)).toEqual([
      'gave up after 3 attempts: notifying failed: gone: gone answered 410; flaky: flaky answered 503 (last: notifying failed: flaky: flaky answered 503)',
    ]);
    driver.close();
  });

  it.each<[string, (a: TempRangeAlert) => TempRangeAlert, RegExp]>([
    ['a NaN temperature', (a) => ({ ...a, reading: { ...a.reading, temperature: Number.NaN } }), /reading\.temperature NaN is not a finite number/],
    ['an infinite °F value', (a) => ({ ...a, temperatureFahrenheit: Number.POSITIVE_INFINITY }), /temperatureFahrenheit Infinity is not a finite number/],
    ['a -Infinity bound', (a) => ({ ...a, bound: Number.NEGATIVE_INFINITY }), /bound -Infinity is not a finite number/],
    ['an empty device id', (a) => ({ ...a, reading: { ...a.reading, deviceId: '' } }), /deviceId must be 1 to 64 characters/],
    ['a reading time before 1970', (a) => ({ ...a, reading: { ...a.reading, readingTime: -1 } }), /readingTime -1 is not a storable time/],
    ['a source offset that is no offset', (a) => ({ ...a, sourceOffset: 'x' }), /sourceOffset "x" is not a Kafka offset/],
    ['a negative source partition', (a) => ({ ...a, sourcePartition: -1 }), /sourcePartition -1 is not a Kafka partition/],
    ['a rule name too long to store', (a) => ({ ...a, rule: 'r'.repeat(65) }), /rule must be 1 to 64 characters/],
  ])('dead-letters an alert with %s (the table cannot hold it) and goes on', async (_what, spoil, reason) => {
    const { logger, lines } = recordingLogger();
    const { store, driver, send } = setup(logNotifier(logger));
    await send(spoil(alert('bad-1', '1')));
    await send(alert('oven-7', '2'));
    const dead = driver.deadLetters(TOPICS.alerts, 'TempRangeAlert-dlq');
    expect(dead.map((d) => [d.reason.errorClass, d.reason.rule])).toEqual([['validation', 'storable-alert']]);
    expect(dead[0]!.reason.errorMessage).toMatch(reason);
    expect(store.alerts.map((a) => a.reading.deviceId)).toEqual(['oven-7']);
    expect(lines.map((l) => (l.fields as { deviceId?: string }).deviceId)).toEqual(['oven-7']);
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
