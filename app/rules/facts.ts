import type { TemperatureReading } from '../../schemas/index.js';

/** A reading and what every rule wants to know of it, computed once. */
export interface ReadingFacts {
  readonly reading: TemperatureReading;
  /** The temperature in degrees Fahrenheit: every limit is stated in °F. NaN when the unit is UNKNOWN. */
  readonly fahrenheit: number;
  /** Epoch ms its record was sent (its Kafka timestamp), when known: what a reading's time is judged by. */
  readonly sentAt?: number;
}

/** Multiplies before dividing: 0 °C and 100 °C come out as exactly 32 °F and 212 °F. */
export const celsiusToFahrenheit = (celsius: number): number => (celsius * 9) / 5 + 32;

export function toFahrenheit(reading: Pick<TemperatureReading, 'temperature' | 'unit'>): number {
  switch (reading.unit) {
    case 'FAHRENHEIT':
      return reading.temperature;
    case 'CELSIUS':
      return celsiusToFahrenheit(reading.temperature);
    case 'UNKNOWN':
      // No conversion exists; NaN fails every comparison, so no limit can fire. The `unit` rule refuses it.
      return Number.NaN;
  }
}

export const factsOf = (reading: TemperatureReading, sentAt?: number): ReadingFacts => ({ reading, fahrenheit: toFahrenheit(reading), sentAt });
