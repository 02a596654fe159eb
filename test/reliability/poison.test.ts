import type avro from 'avsc';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TOPICS, dlqTopicFor, temperatureReadingSchema, type TemperatureReading } from '../../schemas/index.js';
import { avroRegistrySerde, readDlqHeaders, writeWire } from '../../topology/index.js';
import { TopicCollector, waitForGroupAtEnd } from '../support/kafka-probes.js';
import { uniqueName } from '../support/names.js';
import { dataTag } from '../support/pipeline-env.js';
import { waitUntil } from '../support/wait.js';
import { account, expectAccounted, observe, recordResult } from './support/destinations.js';
import { LoadGenerator, type ExtraRecord, type Fate } from './support/load.js';
import { LOAD_RATE, byMode } from './support/mode.js';
import { sleep, startInProcess, startScenario, type InProcessInstance, type ScenarioEnv } from './support/pipeline.js';

const PARTITIONS = 3;
/** The poison set is sent this many times, spread over the load (each round with new device ids and times). */
const ROUNDS = byMode({ reduced: 2, full: 6 });
const UNKNOWN_SCHEMA_ID = 2_000_000_000;

const deserialization = (node: string, schemaId?: number): Fate => ({ kind: 'dlq', errorClass: 'deserialization', node, schemaId });
const invalid = (rule: string, node = 'check-constraints-avro'): Fate => ({ kind: 'dlq', errorClass: 'validation', rule, node });
const STORED: Fate = { kind: 'stored' };

/**
 * Scenario 5: poison input mixed into a steady load: bytes that are not Avro, unknown and foreign
 * schema ids, a writer schema without a field, NaN and infinite temperatures, values outside the
 * legal range, device ids too long for the column or with SQL metacharacters, bad JSON on the JSON
 * input. Each record lands where it must (the DLQ with the right error class, rule and node, or the
 * table verbatim), exactly once, and the pipeline goes on.
 */
describe('poison input: every bad record dead-lettered with its reason, every odd but legal one stored verbatim', () => {
  let env: ScenarioEnv;
  let load: LoadGenerator | undefined;
  let instance: InProcessInstance | undefined;
  const groupId = uniqueName('reliability_poison');

  beforeAll(async () => {
    env = await startScenario('poison', { partitions: PARTITIONS, jsonInput: true });
  });

  afterAll(async () => {
    await load?.stop(5_000).catch(() => undefined);
    await instance?.stop().catch(() => undefined);
    await env?.stop();
  });

  /** One round of poison; `round` keeps device ids and times distinct between rounds. */
  const poisonRound = async (round: number, tag: string, ids: { humidity: number; withoutTemperature: number; readings: number }): Promise<ExtraRecord[]> => {
    const serde = avroRegistrySerde<TemperatureReading>({ registry: env.clients.registry, schema: temperatureReadingSchema as avro.Schema });
    const t0 = Date.UTC(2031, 0, 1) + round * 86_400_000;
    let k = 0;
    const out: ExtraRecord[] = [];
    const reading = (
      deviceId: string,
      temperature: number,
      unit: TemperatureReading['unit'] = 'FAHRENHEIT',
      readingTime = t0 + ++k * 1000,
    ): TemperatureReading => ({
      deviceId,
      readingTime,
      temperature,
      unit,
    });
    const avroReading = async (label: string, r: TemperatureReading, fate: Fate) => {
      out.push({ label, topic: TOPICS.readings, key: r.deviceId, value: await serde.serialize(r, TOPICS.readings), fate, reading: r });
    };
    const raw = (label: string, value: Buffer | null, fate: Fate, topic: string = TOPICS.readings) => {
      out.push({ label, topic, key: `${label}~${tag}~${round}`, value, fate });
    };
    const json = (label: string, text: string, fate: Fate, r?: TemperatureReading) => {
      out.push({ label, topic: TOPICS.readingsJson, key: `${label}~${tag}~${round}`, value: Buffer.from(text), fate, reading: r });
    };
    const d = (name: string) => `${name}~${tag}~${round}`;

    // Not readable: deserialization errors at read-avro.
    raw('garbage bytes', Buffer.from(`{"this is": "not Avro", "round": ${round}}`), deserialization('read-avro'));
    raw('empty value', Buffer.alloc(0), deserialization('read-avro'));
    raw('null value (tombstone)', null, deserialization('read-avro'));
    raw('wire header only', writeWire(ids.readings, Buffer.alloc(0)), deserialization('read-avro', ids.readings));
    raw('truncated Avro body', writeWire(ids.readings, Buffer.from([0x7e, 0x61])), deserialization('read-avro', ids.readings));
    raw('unknown schema id', writeWire(UNKNOWN_SCHEMA_ID, Buffer.from([2, 0x61])), deserialization('read-avro', UNKNOWN_SCHEMA_ID));
    raw(
      'another schema',
      await env.clients.registry.encode(ids.humidity, { deviceId: d('hygro'), humidity: 41.5 }),
      deserialization('read-avro', ids.humidity),
    );
    raw(
      'a writer schema without the temperature field',
      await env.clients.registry.encode(ids.withoutTemperature, { deviceId: d('old-firmware'), readingTime: t0 + ++k * 1000, unit: 'FAHRENHEIT' }),
      deserialization('read-avro', ids.withoutTemperature),
    );
    // Readable, but breaking a constraint: validation errors with the rule's name.
    await avroReading('NaN', reading(d('probe'), Number.NaN), invalid('legal-range'));
    await avroReading('+Infinity', reading(d('probe'), Number.POSITIVE_INFINITY), invalid('legal-range'));
    await avroReading('-Infinity', reading(d('probe'), Number.NEGATIVE_INFINITY), invalid('legal-range'));
    await avroReading('just above legal', reading(d('probe'), 132.0001), invalid('legal-range'));
    await avroReading('just below legal', reading(d('probe'), 31.9999), invalid('legal-range'));
    await avroReading('far above legal (°C)', reading(d('probe'), 1000, 'CELSIUS'), invalid('legal-range'));
    await avroReading(
      'device id longer than the column',
      reading(`${'x'.repeat(65)}`.slice(0, 65 - round.toString().length) + String(round), 70),
      invalid('device-id'),
    );
    await avroReading('empty device id', reading('', 70), invalid('device-id'));
    await avroReading('device id with surrounding spaces', reading(` ${d('spaced')} `, 70), invalid('device-id'));
    await avroReading('reading time before 1970', reading(d('probe'), 70, 'FAHRENHEIT', -1000 - round), invalid('reading-time'));
    await avroReading('reading time after 9999', reading(d('probe'), 70, 'FAHRENHEIT', Date.UTC(10000, 0, 1) + round), invalid('reading-time'));
    await avroReading('NaN from a device id too long', reading(`${'y'.repeat(70)}${round}`, Number.NaN), invalid('device-id,legal-range'));
    // Odd but legal: stored verbatim.
    await avroReading('SQL: quote and comment', reading(`'; DROP TABLE temperature; --${d('')}`, 70), STORED);
    await avroReading('SQL: always-true clause', reading(`x' OR '1'='1${d('')}`, 71), STORED);
    await avroReading('SQL: backslash and wildcards', reading(`\\'%_\`"${d('')}`, 72), STORED);
    await avroReading('SQL: NUL byte', reading(`nul\u0000byte${d('')}`, 73), STORED);
    await avroReading('4-byte UTF-8 device id', reading(`🌡️温度${d('')}`, 74), STORED);
    await avroReading('device id of exactly 64 characters', reading(`${round}`.padEnd(64, 'z'), 75), STORED);
    await avroReading('on the legal minimum, alerted', reading(d('edge'), 32), { kind: 'stored', alert: 'LOW' });
    await avroReading('on the legal maximum, alerted', reading(d('edge'), 132), { kind: 'stored', alert: 'HIGH' });
    // The JSON input: missing and mistyped fields are deserialization errors; a missing `unit` takes its default.
    const jt = () => t0 + ++k * 1000;
    json('JSON: not JSON', `{"deviceId": "${d('j')}", `, deserialization('read-json'));
    json('JSON: temperature missing', JSON.stringify({ deviceId: d('j'), readingTime: jt(), unit: 'FAHRENHEIT' }), deserialization('read-json'));
    json(
      'JSON: temperature as text',
      JSON.stringify({ deviceId: d('j'), readingTime: jt(), temperature: '70', unit: 'FAHRENHEIT' }),
      deserialization('read-json'),
    );
    json(
      'JSON: fractional reading time',
      JSON.stringify({ deviceId: d('j'), readingTime: jt() + 0.5, temperature: 70, unit: 'FAHRENHEIT' }),
      deserialization('read-json'),
    );
    json('JSON: unknown unit', JSON.stringify({ deviceId: d('j'), readingTime: jt(), temperature: 300, unit: 'KELVIN' }), deserialization('read-json'));
    json(
      'JSON: 1e999 (Infinity)',
      `{"deviceId": "${d('j')}", "readingTime": ${jt()}, "temperature": 1e999, "unit": "FAHRENHEIT"}`,
      invalid('legal-range', 'check-constraints-json'),
    );
    const noUnit = { deviceId: d('j-default-unit'), readingTime: jt(), temperature: 70 };
    json('JSON: unit missing (default FAHRENHEIT)', JSON.stringify(noUnit), STORED, { ...noUnit, unit: 'FAHRENHEIT' });
    const sqlJson: TemperatureReading = { deviceId: `"); DELETE FROM temperature; --${d('')}`, readingTime: jt(), temperature: 125, unit: 'FAHRENHEIT' };
    json('JSON: SQL in the device id, alerted', JSON.stringify(sqlJson), { kind: 'stored', alert: 'HIGH' }, sqlJson);
    return out;
  };

  it(`dead-letters or stores each of ${ROUNDS} rounds of poison exactly once while the load goes on`, async () => {
    const started = Date.now();
    const tag = dataTag();
    const humidity = {
      type: 'record' as const,
      name: 'HumidityReading',
      namespace: 'io.tempstream.test',
      fields: [
        { name: 'deviceId', type: 'string' },
        { name: 'humidity', type: 'double' },
      ],
    };
    const withoutTemperature = {
      type: 'record' as const,
      name: 'TemperatureReading',
      namespace: 'io.tempstream',
      fields: [
        { name: 'deviceId', type: 'string' },
        { name: 'readingTime', type: { type: 'long', logicalType: 'timestamp-millis' } },
        { name: 'unit', type: { type: 'enum', name: 'TemperatureUnit', symbols: ['FAHRENHEIT', 'CELSIUS'], default: 'FAHRENHEIT' }, default: 'FAHRENHEIT' },
      ],
    };
    const ids = {
      humidity: (await env.clients.registry.register(humidity, { subject: 'reliability-humidity-value' })).id,
      withoutTemperature: (await env.clients.registry.register(withoutTemperature, { subject: 'reliability-old-firmware-value' })).id,
      readings: await env.clients.registry.getLatestSchemaId(`${TOPICS.readings}-value`),
    };

    load = new LoadGenerator({ kafka: env.clients.kafka, registry: env.clients.registry, ratePerSecond: LOAD_RATE, partitions: PARTITIONS, tag });
    await load.start();
    instance = await startInProcess(env.endpoints, { groupId, clientId: 'poison-topology', jsonInput: true });
    let poison = 0;
    for (let round = 0; round < ROUNDS; round++) {
      await sleep(3_000);
      const records = await poisonRound(round, tag, ids);
      poison += records.length;
      await load.addExtra(records);
    }
    await sleep(3_000);
    const stats = await load.stop();
    await waitForGroupAtEnd(env.admin, groupId, TOPICS.readings, 120_000);
    await waitForGroupAtEnd(env.admin, groupId, TOPICS.readingsJson, 120_000);
    expect(instance.runner.state, `the pipeline went on; last problems:\n${instance.logger.summary()}`).toBe('running');

    const result = account(
      load.produced,
      await observe({
        kafka: env.clients.kafka,
        admin: env.admin,
        registry: env.clients.registry,
        knex: env.clients.knex,
        inputs: [TOPICS.readings, TOPICS.readingsJson],
      }),
    );
    recordResult({
      scenario: 'poison input',
      faults: `${ROUNDS} rounds of ${poison / ROUNDS} poison records (${poison} in all) mixed into the load`,
      load: `${LOAD_RATE}/s for ${stats.seconds.toFixed(0)} s, plus the poison`,
      seconds: (Date.now() - started) / 1000,
      counts: result.counts,
    });
    // Nothing crashed and nothing was redelivered: exact counts, no duplicate anywhere.
    expectAccounted(result, { duplicatesAllowed: false });
    const expectedDlq = load.produced.filter((p) => p.fate.kind === 'dlq').length;
    expect(result.counts.dlq).toBe(expectedDlq);
    expect(result.counts.stored).toBe(load.produced.length - expectedDlq);
    await instance.stop();
    instance = undefined;
  });

  it('dead-letters a record near the broker size limit too, instead of stopping the pipeline', async () => {
    // The largest value the input topic takes (within 100 bytes): its dead letter carries ~300 bytes
    // of DLQ headers more, so the DLQ topic, with the same limit, refuses it.
    const producer = env.clients.kafka.producer({ allowAutoTopicCreation: false, retry: { retries: 0 } });
    await producer.connect();
    let big: { value: Buffer; partition: number; offset: string } | undefined;
    const key = `oversized~${dataTag()}`;
    for (let size = 1_048_588 - 60; size > 1_040_000 && !big; size -= 100) {
      const value = Buffer.alloc(size, 0x41); // 'AAAA…': not the Avro wire format
      try {
        const [meta] = await producer.send({ topic: TOPICS.readings, acks: -1, messages: [{ key, value, partition: 0 }] });
        big = { value, partition: 0, offset: meta!.baseOffset! };
      } catch (err) {
        if (!/too large|MESSAGE_TOO_LARGE|larger than/i.test(String(err))) throw err;
      }
    }
    await producer.disconnect();
    if (!big) throw new Error('the broker took no value between 1 040 000 and 1 048 528 bytes');

    const after = new LoadGenerator({
      kafka: env.clients.kafka,
      registry: env.clients.registry,
      ratePerSecond: LOAD_RATE,
      partitions: PARTITIONS,
      tag: dataTag(),
    });
    await after.start();
    await after.waitForProduced(LOAD_RATE * 2, 60_000);
    await after.stop();
    instance = await startInProcess(env.endpoints, { groupId, clientId: 'poison-topology-2', jsonInput: true });
    const collector = await TopicCollector.start(env.clients.kafka, { groupId: uniqueName('poison_big_reader'), topics: [dlqTopicFor(TOPICS.readings)] });
    try {
      await waitUntil(
        async () => {
          await collector.caughtUp(env.admin, 30_000);
          // Matched by key: a fix may dead-letter it without its value (and say so in a header).
          const found = collector.of(dlqTopicFor(TOPICS.readings)).some((m) => m.key?.toString() === key);
          return { done: found || instance!.runner.state !== 'running', state: `topology ${instance!.runner.state}` };
        },
        { what: `the ${big.value.length}-byte record was dead-lettered`, timeoutMs: 60_000, intervalMs: 500 },
      );
      const letters = collector.of(dlqTopicFor(TOPICS.readings)).filter((m) => m.key?.toString() === key);
      expect(instance.runner.state, `the pipeline went on after a ${big.value.length}-byte record; last problems:\n${instance.logger.summary()}`).toBe(
        'running',
      );
      expect(letters.map((m) => ({ errorClass: readDlqHeaders(m.headers).errorClass, sourceOffset: readDlqHeaders(m.headers).sourceOffset }))).toEqual([
        { errorClass: 'deserialization', sourceOffset: big.offset },
      ]);
      await waitForGroupAtEnd(env.admin, groupId, TOPICS.readings, 60_000);
    } finally {
      await collector.stop();
    }
  });
});
