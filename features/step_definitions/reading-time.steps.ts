import assert from 'node:assert/strict';
import { Then, When } from '@cucumber/cucumber';
import type { Temperature } from '../support/parameter-types.js';
import type { TemperatureWorld } from '../support/world.js';

When(
  'device {string} reports {temperature} with its time in seconds instead of milliseconds',
  async function (this: TemperatureWorld, deviceId: string, t: Temperature) {
    await this.send({ deviceId, readingTime: Math.floor(this.readingTime() / 1000), temperature: t.value, unit: t.unit });
  },
);

When('device {string} sends {temperature} as JSON, timed {string}', async function (this: TemperatureWorld, deviceId: string, t: Temperature, time: string) {
  const pipeline = await this.pipelineUnderTest();
  if (!pipeline.sendJson) throw new Error('this pipeline reads no JSON input (run the scenario in memory)');
  // As a device that speaks no Avro writes it: the time as text, the rest as the schema names it.
  await pipeline.sendJson({ deviceId, readingTime: time, temperature: t.value, unit: t.unit });
});

Then(
  'the table holds {int} reading(s) from device {string}, taken at {string}',
  async function (this: TemperatureWorld, count: number, deviceId: string, time: string) {
    const rows = (await (await this.pipelineUnderTest()).storedRows()).filter((r) => r.deviceId === deviceId);
    assert.deepEqual(
      rows.map((r) => new Date(r.readingTime).toISOString()),
      Array.from({ length: count }, () => new Date(time).toISOString()),
    );
  },
);
