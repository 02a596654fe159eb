import { AfterAll, Before, BeforeAll } from '@cucumber/cucumber';
import { StackPipelineHost } from './stack-pipeline.js';
import type { TemperatureWorld } from './world.js';

/**
 * The switch between the pipelines: world parameter `pipeline` is "memory" (the default, nothing
 * started) or "stack" (cucumber.mjs profile `integration`): then one stack and one pipeline serve the
 * whole run, and every scenario's world makes its pipeline from it.
 */
let host: StackPipelineHost | undefined;

BeforeAll({ name: 'start the stack pipeline', timeout: 180_000 }, async function () {
  const mode = this.parameters.pipeline ?? 'memory';
  if (mode === 'memory') return;
  if (mode !== 'stack') throw new Error(`world parameter "pipeline" must be "memory" or "stack", not ${JSON.stringify(mode)}`);
  host = await StackPipelineHost.start((line) => console.log(line));
});

Before({ name: 'use the stack pipeline' }, function (this: TemperatureWorld) {
  if (host) this.pipelineFactory = host.factory;
});

AfterAll({ name: 'stop the stack pipeline', timeout: 120_000 }, async function () {
  const running = host;
  host = undefined;
  if (!running) return;
  const started = Date.now();
  await running.stop();
  console.log(`[stack] pipeline and containers stopped in ${((Date.now() - started) / 1000).toFixed(1)} s`);
});
