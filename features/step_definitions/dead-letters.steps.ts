import assert from 'node:assert/strict';
import { Then } from '@cucumber/cucumber';
import type { DeadLetter } from '../support/pipeline-under-test.js';
import type { TemperatureWorld } from '../support/world.js';

const describeLetters = (letters: readonly DeadLetter[]) => letters.map((d) => `${d.errorClass}${d.rule ? ` (${d.rule})` : ''}: ${d.message}`).join('; ') || 'none';

Then('the reading is in the dead-letter queue because it broke the rule {string}', async function (this: TemperatureWorld, rule: string) {
  const letters = await (await this.pipelineUnderTest()).dlq();
  assert.equal(letters.length, 1, `expected one dead letter, got: ${describeLetters(letters)}`);
  assert.equal(letters[0]!.errorClass, 'validation');
  assert.equal(letters[0]!.rule, rule);
  assert.equal(letters[0]!.topic, 'temperature-readings-dlq');
});

Then('the message is in the dead-letter queue because it could not be decoded', async function (this: TemperatureWorld) {
  const letters = await (await this.pipelineUnderTest()).dlq();
  assert.equal(letters.length, 1, `expected one dead letter, got: ${describeLetters(letters)}`);
  assert.equal(letters[0]!.errorClass, 'deserialization');
});

Then('the reading is rejected', async function (this: TemperatureWorld) {
  const letters = await (await this.pipelineUnderTest()).dlq();
  assert.equal(letters.length, 1, `expected one dead letter, got: ${describeLetters(letters)}`);
  const { deviceId, readingTime } = this.theReading();
  const rows = await (await this.pipelineUnderTest()).storedRows();
  assert.ok(!rows.some((r) => r.deviceId === deviceId && r.readingTime === readingTime), 'a rejected reading must not be stored');
});

Then('nothing is in the dead-letter queue', async function (this: TemperatureWorld) {
  const letters = await (await this.pipelineUnderTest()).dlq();
  assert.equal(letters.length, 0, `got: ${describeLetters(letters)}`);
});
