import { After } from '@cucumber/cucumber';
import type { TemperatureWorld } from './world.js';

After(async function (this: TemperatureWorld) {
  await this.close();
});
