/** A small seedable random source, so a simulation can be run again exactly (`--seed`). */

export interface Random {
  // Function properties, not methods: they close over their state, so `random.next` may be passed around.
  /** Uniform in [0, 1). */
  readonly next: () => number;
  /** Uniform in [min, max). */
  readonly between: (min: number, max: number) => number;
  /** Standard normal (mean 0, deviation 1). */
  readonly normal: () => number;
}

/** mulberry32: 32-bit state, fast, and good enough for simulated sensors (not for secrets). */
export function seededRandom(seed: number): Random {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    between: (min, max) => min + (max - min) * next(),
    normal: () => {
      // Box-Muller; 1 - u keeps the logarithm away from 0.
      const u = 1 - next();
      const v = next();
      return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
    },
  };
}

/** A seed for when none was given; printed so the run can be repeated. */
export const randomSeed = (): number => Math.floor(Math.random() * 2 ** 32);
