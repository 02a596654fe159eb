import assert from 'node:assert/strict';
import { Then } from '@cucumber/cucumber';
import type { Temperature } from '../support/parameter-types.js';
import type { TemperatureWorld } from '../support/world.js';

/** The rows holding the scenario's last reading: its device at its time. */
async function rowsOfTheReading(world: TemperatureWorld) {
  const { deviceId, readingTime } = world.theReading();
  const rows = await (await world.pipelineUnderTest()).storedRows();
  return rows.filter((r) => r.deviceId === deviceId && r.readingTime === readingTime);
}

Then('the reading is stored', async function (this: TemperatureWorld) {
  assert.equal((await rowsOfTheReading(this)).length, 1, 'expected the reading in the table once');
});

Then('the reading is stored as {temperature}', async function (this: TemperatureWorld, t: Temperature) {
  const rows = await rowsOfTheReading(this);
  assert.equal(rows.length, 1, 'expected the reading in the table once');
  assert.deepEqual([rows[0]!.temperature, rows[0]!.unit], [t.value, t.unit]);
});

Then('the reading is not stored', async function (this: TemperatureWorld) {
  assert.deepEqual(await rowsOfTheReading(this), [], 'expected no row for the reading');
});

Then('the table holds {int} reading(s) from device {string}', async function (this: TemperatureWorld, count: number, deviceId: string) {
  const rows = await (await this.pipelineUnderTest()).storedRows();
  assert.equal(rows.filter((r) => r.deviceId === deviceId).length, count);
});
