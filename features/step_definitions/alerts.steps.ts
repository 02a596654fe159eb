import assert from 'node:assert/strict';
import { Then } from '@cucumber/cucumber';
import type { Temperature } from '../support/parameter-types.js';
import type { TemperatureWorld } from '../support/world.js';

const describeAlerts = (alerts: readonly { reading: { deviceId: string }; direction: string; bound: number }[]) =>
  alerts.map((a) => `${a.reading.deviceId} ${a.direction} ${a.bound}`).join(', ') || 'none';

Then(
  'a TempRangeAlert is sent for device {string} saying the reading was {word} {temperature}',
  async function (this: TemperatureWorld, deviceId: string, side: string, limit: Temperature) {
    const alerts = await (await this.pipelineUnderTest()).alerts();
    const forDevice = alerts.filter((a) => a.reading.deviceId === deviceId);
    assert.equal(forDevice.length, 1, `expected one alert for ${deviceId}, got: ${describeAlerts(alerts)}`);
    const alert = forDevice[0]!;
    const direction = { above: 'HIGH', below: 'LOW' }[side];
    assert.ok(direction, `say "above" or "below", not "${side}"`);
    assert.equal(alert.direction, direction);
    assert.equal(alert.bound, limit.value);
  },
);

Then('no TempRangeAlert is sent', async function (this: TemperatureWorld) {
  const alerts = await (await this.pipelineUnderTest()).alerts();
  assert.equal(alerts.length, 0, `expected no alert, got: ${describeAlerts(alerts)}`);
});

Then('the number of TempRangeAlerts sent is {int}', async function (this: TemperatureWorld, count: number) {
  const alerts = await (await this.pipelineUnderTest()).alerts();
  assert.equal(alerts.length, count, `got: ${describeAlerts(alerts)}`);
});

Then('the alert shows the reading as {temperature}', async function (this: TemperatureWorld, t: Temperature) {
  const [alert] = await (await this.pipelineUnderTest()).alerts();
  assert.ok(alert, 'no alert was sent');
  if (t.unit === 'FAHRENHEIT') assert.equal(alert.temperatureFahrenheit, t.value);
  else assert.deepEqual([alert.reading.temperature, alert.reading.unit], [t.value, t.unit]);
});
