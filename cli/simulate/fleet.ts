/**
 * Simulated temperature sensors. Each device has a set point of 60–80 °F that drifts slowly; its
 * readings wander around it (mean-reverting random walk with noise), inside MIN_TEMP..MAX_TEMP.
 * At the given rates a reading is replaced by an anomaly (legal, but outside MIN_TEMP..MAX_TEMP: an
 * alert) or an illegal value (below 32 °F or above 132 °F: a dead letter). Pure given its Random.
 */
import { LEGAL_MAX_F, LEGAL_MIN_F } from '../../app/index.js';
import type { TemperatureReading, TemperatureUnit } from '../../schemas/index.js';
import type { Random } from './random.js';

export type ReadingKind = 'normal' | 'anomaly' | 'illegal';

export interface SimulatedReading {
  readonly reading: TemperatureReading;
  readonly kind: ReadingKind;
}

export interface FleetOptions {
  readonly devices: number;
  /** Share of readings that cross MIN_TEMP/MAX_TEMP (0..1). */
  readonly anomalyRate: number;
  /** Share of readings outside the legal range (0..1). */
  readonly illegalRate: number;
  readonly limits: { readonly minTemp: number; readonly maxTemp: number };
  readonly random: Random;
  /** Epoch millis; the system clock by default. */
  readonly now?: () => number;
  /** Share of devices that report in Celsius (default 0.2). */
  readonly celsiusShare?: number;
}

/** Normal readings keep this far (°F) inside the limits, and anomalies at least this far outside. */
const MARGIN_F = 1;
/** How far outside a limit an anomaly may go, at most (°F). */
const ANOMALY_SPAN_F = 15;
const SET_POINT_RANGE_F = [60, 80] as const;
/** Per reading: pull back toward the set point, noise, and the set point's own drift (°F). */
const REVERSION = 0.05;
const NOISE_F = 0.4;
const DRIFT_F = 0.05;

interface Device {
  readonly id: string;
  readonly unit: TemperatureUnit;
  setPoint: number;
  current: number;
  lastTime: number;
}

type Range = readonly [min: number, max: number];

export class SimulatedFleet {
  private readonly devices: Device[];
  private readonly normalBand: Range;
  private readonly setPointBand: Range;
  private readonly anomalyBands: Range[];
  private readonly now: () => number;
  private turn = 0;

  constructor(private readonly options: FleetOptions) {
    const { devices, anomalyRate, illegalRate, limits, random } = options;
    if (!Number.isInteger(devices) || devices < 1) throw new RangeError('devices must be a whole number of at least 1');
    for (const [name, rate] of [
      ['anomaly rate', anomalyRate],
      ['illegal rate', illegalRate],
    ] as const) {
      if (!(rate >= 0 && rate <= 1)) throw new RangeError(`${name} must be between 0 and 1`);
    }
    if (anomalyRate + illegalRate > 1) throw new RangeError('anomaly rate + illegal rate must not exceed 1');
    this.now = options.now ?? Date.now;
    this.normalBand = [Math.max(limits.minTemp, LEGAL_MIN_F) + MARGIN_F, Math.min(limits.maxTemp, LEGAL_MAX_F) - MARGIN_F];
    if (this.normalBand[1] <= this.normalBand[0])
      throw new RangeError(`MIN_TEMP ${limits.minTemp} to MAX_TEMP ${limits.maxTemp} leaves no room for normal readings`);
    const preferred: Range = [Math.max(SET_POINT_RANGE_F[0], this.normalBand[0]), Math.min(SET_POINT_RANGE_F[1], this.normalBand[1])];
    this.setPointBand = preferred[1] > preferred[0] ? preferred : this.normalBand;
    const low: Range = [Math.max(limits.minTemp - ANOMALY_SPAN_F, LEGAL_MIN_F), limits.minTemp - MARGIN_F];
    const high: Range = [limits.maxTemp + MARGIN_F, Math.min(limits.maxTemp + ANOMALY_SPAN_F, LEGAL_MAX_F)];
    // A side with no legal value beyond its limit (e.g. MIN_TEMP at 32°F) raises no anomalies.
    this.anomalyBands = [low, high].filter(([lo, hi]) => hi >= lo);
    if (anomalyRate > 0 && this.anomalyBands.length === 0)
      throw new RangeError(`no legal temperature lies outside MIN_TEMP ${limits.minTemp} to MAX_TEMP ${limits.maxTemp}: anomalies are impossible`);
    const width = Math.max(3, String(devices).length);
    const celsiusShare = options.celsiusShare ?? 0.2;
    this.devices = Array.from({ length: devices }, (_, i) => {
      const setPoint = random.between(...this.setPointBand);
      return {
        id: `sensor-${String(i + 1).padStart(width, '0')}`,
        unit: random.next() < celsiusShare ? 'CELSIUS' : 'FAHRENHEIT',
        setPoint,
        current: clamp(setPoint + random.normal(), this.normalBand),
        lastTime: Number.NEGATIVE_INFINITY,
      };
    });
  }

  get deviceIds(): string[] {
    return this.devices.map((d) => d.id);
  }

  /** The next reading; devices report in turn. */
  next(): SimulatedReading {
    const device = this.devices[this.turn++ % this.devices.length]!;
    const { random, anomalyRate, illegalRate } = this.options;
    this.step(device);
    const roll = random.next();
    const kind: ReadingKind = roll < illegalRate ? 'illegal' : roll < illegalRate + anomalyRate ? 'anomaly' : 'normal';
    const fahrenheit = kind === 'illegal' ? this.illegalValue() : kind === 'anomaly' ? this.anomalyValue() : device.current;
    // Strictly increasing per device: (device, reading time) is the row's identity in MySQL.
    device.lastTime = Math.max(this.now(), device.lastTime + 1);
    const temperature = device.unit === 'CELSIUS' ? round((fahrenheit - 32) * (5 / 9), 2) : round(fahrenheit, 1);
    return { kind, reading: { deviceId: device.id, readingTime: device.lastTime, temperature, unit: device.unit } };
  }

  private step(device: Device): void {
    const { random } = this.options;
    device.setPoint = clamp(device.setPoint + DRIFT_F * random.normal(), this.setPointBand);
    device.current = clamp(device.current + REVERSION * (device.setPoint - device.current) + NOISE_F * random.normal(), this.normalBand);
  }

  private anomalyValue(): number {
    const { random } = this.options;
    const band = this.anomalyBands[Math.floor(random.next() * this.anomalyBands.length)]!;
    return clamp(round(random.between(...band), 1), band);
  }

  /** Something a broken sensor sends: frozen solid or far too hot. */
  private illegalValue(): number {
    const { random } = this.options;
    return random.next() < 0.5
      ? round(random.between(LEGAL_MIN_F - 40, LEGAL_MIN_F - MARGIN_F), 1)
      : round(random.between(LEGAL_MAX_F + MARGIN_F, LEGAL_MAX_F + 60), 1);
  }
}

const clamp = (value: number, [min, max]: Range): number => Math.min(max, Math.max(min, value));
const round = (value: number, decimals: number): number => Math.round(value * 10 ** decimals) / 10 ** decimals;
