/**
 * The seed of a test file's random choices (when to kill, where the load's clock starts): taken from
 * TEST_SEED when set, otherwise drawn fresh, and printed either way so a failing run can be repeated.
 */
import { randomSeed, seededRandom, type Random } from '../../cli/simulate/random.js';

/** TEST_SEED as a seed: an integer 0..2^32-1, or undefined when unset. A bad value stops the run, naming the setting. */
export function parseTestSeed(text: string | undefined): number | undefined {
  if (text === undefined || text.trim() === '') return undefined;
  const seed = Number(text.trim());
  if (!Number.isInteger(seed) || seed < 0 || seed >= 2 ** 32) throw new Error('TEST_SEED must be an integer from 0 to 4294967295');
  return seed;
}

let chosen: number | undefined;

/** This process's seed: chosen once, printed once. */
export function testSeed(): number {
  if (chosen === undefined) {
    chosen = parseTestSeed(process.env.TEST_SEED) ?? randomSeed();
    console.log(`[seed] random choices use seed ${chosen}; repeat them with TEST_SEED=${chosen}`);
  }
  return chosen;
}

/**
 * A random source for one use (`what`), derived from the seed: uses draw from separate streams, so
 * adding a draw to one does not shift the others.
 */
export function seededRandomFor(what: string): Random {
  let h = testSeed();
  for (const ch of what) h = Math.imul(h ^ ch.charCodeAt(0), 0x9e3779b1) >>> 0;
  return seededRandom(h);
}
