import assert from 'node:assert/strict';
import { Given, Then, When } from '@cucumber/cucumber';
import type { PipelineUnderTest } from '../support/pipeline-under-test.js';
import type { Temperature } from '../support/parameter-types.js';
import type { TemperatureWorld } from '../support/world.js';

/** A capability only some pipelines have (episodes, silence, rollups, moving the clock): a clear failure elsewhere. */
function needs<K extends keyof PipelineUnderTest>(pipeline: PipelineUnderTest, capability: K): NonNullable<PipelineUnderTest[K]> {
  const found = pipeline[capability];
  if (!found) throw new Error(`this pipeline cannot do ${String(capability)}(): tag the scenario @in-memory, or add it to the pipeline`);
  return (found as (...args: never[]) => unknown).bind(pipeline) as NonNullable<PipelineUnderTest[K]>;
}

const fahrenheit = (t: Temperature): number => (t.unit === 'FAHRENHEIT' ? t.value : (t.value * 9) / 5 + 32);
const close = (actual: number, expected: number, what: string) =>
  assert.ok(Math.abs(actual - expected) < 0.005, `${what}: expected ${expected}°F, got ${actual}°F`);

// --- settings ---

Given('an episode is resolved {temperature} inside the limit', function (this: TemperatureWorld, margin: Temperature) {
  if (margin.unit !== 'FAHRENHEIT') throw new Error('the margin is given in °F');
  this.configure({ hysteresisF: margin.value });
});

Given('a device is reported silent after {int} seconds without a reading', function (this: TemperatureWorld, seconds: number) {
  this.configure({ silenceMs: seconds * 1000 });
});

// --- what happens ---

When('device {string} reports {temperatures}', async function (this: TemperatureWorld, deviceId: string, temperatures: Temperature[]) {
  for (const t of temperatures) await this.send({ deviceId, readingTime: this.readingTime(), temperature: t.value, unit: t.unit });
});

When('{int} second(s) pass(es) without a reading', async function (this: TemperatureWorld, seconds: number) {
  await needs(await this.pipelineUnderTest(), 'letTimePass')(seconds * 1000);
});

When('{int} minute(s) pass(es) without a reading', async function (this: TemperatureWorld, minutes: number) {
  await needs(await this.pipelineUnderTest(), 'letTimePass')(minutes * 60_000);
});

When(
  'device {string} reports {temperature} every {int} seconds for {int} minutes',
  async function (this: TemperatureWorld, deviceId: string, t: Temperature, seconds: number, minutes: number) {
    const pipeline = await this.pipelineUnderTest();
    for (let passed = 0; passed < minutes * 60; passed += seconds) {
      await this.send({ deviceId, readingTime: this.readingTime(), temperature: t.value, unit: t.unit });
      await needs(pipeline, 'letTimePass')(seconds * 1000);
    }
  },
);

// --- episodes ---

async function episodesOf(world: TemperatureWorld, deviceId: string) {
  const all = await needs(await world.pipelineUnderTest(), 'episodes')();
  return all.filter((e) => e.deviceId === deviceId);
}

Then(
  'device {string} had {int} episode(s) opened and {int} resolved',
  async function (this: TemperatureWorld, deviceId: string, opened: number, resolved: number) {
    const events = await episodesOf(this, deviceId);
    const seen = events.map((e) => `${e.event} ${e.direction}`).join(', ') || 'none';
    assert.deepEqual(
      [events.filter((e) => e.event === 'OPENED').length, events.filter((e) => e.event === 'RESOLVED').length],
      [opened, resolved],
      `episode events of ${deviceId}: ${seen}`,
    );
    this.lastDevice = deviceId;
  },
);

Then(
  'its episode was {word} the limit, peaked at {temperature} and counted {int} reading(s)',
  async function (this: TemperatureWorld, side: string, peak: Temperature, readings: number) {
    if (!this.lastDevice) throw new Error('say whose episodes first');
    const last = (await episodesOf(this, this.lastDevice)).at(-1);
    assert.ok(last, `no episode event for ${this.lastDevice}`);
    const direction = { above: 'HIGH', below: 'LOW' }[side];
    assert.ok(direction, `say "above" or "below", not "${side}"`);
    assert.equal(last.direction, direction);
    close(last.peakTemperatureF, fahrenheit(peak), 'peak');
    assert.equal(last.readings, readings);
  },
);

// --- silence ---

async function silencesOf(world: TemperatureWorld, deviceId?: string) {
  const all = await needs(await world.pipelineUnderTest(), 'silences')();
  return deviceId === undefined ? all : all.filter((e) => e.deviceId === deviceId);
}

Then('device {string} is reported silent {int} time(s)', async function (this: TemperatureWorld, deviceId: string, times: number) {
  const events = await silencesOf(this, deviceId);
  assert.equal(events.filter((e) => e.event === 'SILENT').length, times, `silence events: ${events.map((e) => e.event).join(', ') || 'none'}`);
  this.lastDevice = deviceId;
});

Then(
  'device {string} is reported silent {int} time(s) and back {int} time(s)',
  async function (this: TemperatureWorld, deviceId: string, silent: number, back: number) {
    const events = (await silencesOf(this, deviceId)).map((e) => e.event);
    assert.deepEqual(
      [events.filter((e) => e === 'SILENT').length, events.filter((e) => e === 'BACK').length],
      [silent, back],
      `silence events: ${events.join(', ')}`,
    );
  },
);

Then('no other device is reported silent', async function (this: TemperatureWorld) {
  const others = (await silencesOf(this)).filter((e) => e.deviceId !== this.lastDevice);
  assert.deepEqual(
    others.map((e) => `${e.deviceId} ${e.event}`),
    [],
  );
});

Then('no device is reported silent', async function (this: TemperatureWorld) {
  assert.deepEqual(
    (await silencesOf(this)).map((e) => `${e.deviceId} ${e.event}`),
    [],
  );
});

// --- rollups ---

async function rollupsOf(world: TemperatureWorld, deviceId: string) {
  const all = await needs(await world.pipelineUnderTest(), 'rollups')();
  return all.filter((r) => r.deviceId === deviceId);
}

Then(
  'the rollup of device {string} for the minute from {time} holds {int} reading(s) from {temperature} to {temperature}, mean {temperature}',
  async function (this: TemperatureWorld, deviceId: string, start: number, readings: number, min: Temperature, max: Temperature, mean: Temperature) {
    const rows = await rollupsOf(this, deviceId);
    const row = rows.find((r) => r.windowStart === start);
    assert.ok(
      row,
      `no rollup of ${deviceId} from ${new Date(start).toISOString()}; there are: ${rows.map((r) => new Date(r.windowStart).toISOString()).join(', ') || 'none'}`,
    );
    assert.equal(row.readings, readings, 'readings');
    close(row.minF, fahrenheit(min), 'lowest');
    close(row.maxF, fahrenheit(max), 'highest');
    close(row.meanF, fahrenheit(mean), 'mean');
  },
);

Then('device {string} has {int} rollup(s)', async function (this: TemperatureWorld, deviceId: string, count: number) {
  assert.equal((await rollupsOf(this, deviceId)).length, count);
});
