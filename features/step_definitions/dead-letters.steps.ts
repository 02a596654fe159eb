import assert from 'node:assert/strict';
import { Then } from '@cucumber/cucumber';
import type { DeadLetter, SentMessage } from '../support/pipeline-under-test.js';
import type { TemperatureWorld } from '../support/world.js';

/** The contract (docs, replay tool): readings' dead letters go here, whatever the code computes. */
const READINGS_TOPIC = 'temperature-readings';
const READINGS_DLQ = 'temperature-readings-dlq';

const describeLetters = (letters: readonly DeadLetter[]) =>
  letters.map((d) => `${d.topic}: ${d.errorClass}${d.rule ? ` (${d.rule})` : ''}: ${d.message}`).join('; ') || 'none';
const hex = (b: Buffer | null) => (b === null ? 'null' : b.toString('hex'));

/** The one dead letter of the scenario, in the readings' DLQ, holding `original`'s key and value byte for byte. */
async function theOnlyDeadLetter(world: TemperatureWorld, original: SentMessage): Promise<DeadLetter> {
  const letters = await (await world.pipelineUnderTest()).dlq();
  assert.equal(letters.length, 1, `expected one dead letter, got: ${describeLetters(letters)}`);
  const letter = letters[0]!;
  assert.equal(letter.topic, READINGS_DLQ, 'the dead letter is in the wrong topic');
  assert.equal(letter.sourceTopic, READINGS_TOPIC, 'the dead letter names the wrong source topic');
  // "As it arrived": a replay must be able to send these bytes again unchanged.
  assert.equal(hex(letter.key), hex(original.key), 'the dead letter key differs from the original');
  assert.equal(hex(letter.value), hex(original.value), 'the dead letter value differs from the original');
  return letter;
}

async function rejectedForRule(world: TemperatureWorld, rule: string): Promise<void> {
  const letter = await theOnlyDeadLetter(world, world.theReadingAsSent());
  assert.equal(letter.errorClass, 'validation');
  assert.equal(letter.rule, rule, 'the dead letter names the wrong rule');
}

Then('the reading is in the dead-letter queue because it broke the rule {string}', async function (this: TemperatureWorld, rule: string) {
  await rejectedForRule(this, rule);
});

Then('the message is in the dead-letter queue because it could not be decoded', async function (this: TemperatureWorld) {
  const letter = await theOnlyDeadLetter(this, this.theMessageAsSent());
  assert.equal(letter.errorClass, 'deserialization');
});

Then('the reading is rejected by the rule {string}', async function (this: TemperatureWorld, rule: string) {
  await rejectedForRule(this, rule);
  const { deviceId, readingTime } = this.theReading();
  const rows = await (await this.pipelineUnderTest()).storedRows();
  assert.ok(!rows.some((r) => r.deviceId === deviceId && r.readingTime === readingTime), 'a rejected reading must not be stored');
});

Then('nothing is in the dead-letter queue', async function (this: TemperatureWorld) {
  const letters = await (await this.pipelineUnderTest()).dlq();
  assert.equal(letters.length, 0, `got: ${describeLetters(letters)}`);
});
