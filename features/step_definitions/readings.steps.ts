import { Given, When } from '@cucumber/cucumber';
import type { Temperature } from '../support/parameter-types.js';
import type { TemperatureWorld } from '../support/world.js';

Given('the alert limits are MIN_TEMP {temperature} and MAX_TEMP {temperature}', function (this: TemperatureWorld, min: Temperature, max: Temperature) {
  if (min.unit !== 'FAHRENHEIT' || max.unit !== 'FAHRENHEIT') throw new Error('alert limits are given in °F');
  this.setLimits({ minTemp: min.value, maxTemp: max.value });
});

When('device {string} reports {temperature}', async function (this: TemperatureWorld, deviceId: string, t: Temperature) {
  await this.send({ deviceId, readingTime: this.readingTime(), temperature: t.value, unit: t.unit });
});

When('device {string} reports {temperature} at {time}', async function (this: TemperatureWorld, deviceId: string, t: Temperature, readingTime: number) {
  await this.send({ deviceId, readingTime, temperature: t.value, unit: t.unit });
});

When('device {string} reports a temperature that is not a number', async function (this: TemperatureWorld, deviceId: string) {
  await this.send({ deviceId, readingTime: this.readingTime(), temperature: Number.NaN, unit: 'FAHRENHEIT' });
});

When('the same reading is delivered again', async function (this: TemperatureWorld) {
  await this.send(this.theReading());
});

When('a message arrives whose bytes are not a temperature reading', async function (this: TemperatureWorld) {
  await this.sendRawBytes(Buffer.from('{"this is": "not Avro"}'));
});
