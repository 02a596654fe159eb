/** The fleet that `simulate` and `demo` both build from their flags; a bad rate is the caller's mistake (exit 2). */
import type { AppConfig } from '../config.js';
import { UsageError } from '../exit.js';
import { SimulatedFleet } from './fleet.js';
import { seededRandom } from './random.js';

export interface FleetFlags {
  readonly devices: number;
  readonly anomalyRate: number;
  readonly illegalRate: number;
}

export function fleetFor(flags: FleetFlags, config: AppConfig, seed: number, now?: () => number): SimulatedFleet {
  try {
    return new SimulatedFleet({
      devices: flags.devices,
      anomalyRate: flags.anomalyRate,
      illegalRate: flags.illegalRate,
      limits: config.rules,
      random: seededRandom(seed),
      now,
    });
  } catch (err) {
    if (err instanceof RangeError) throw new UsageError(err.message);
    throw err;
  }
}
