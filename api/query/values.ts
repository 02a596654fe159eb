/** Query-parameter values read strictly: each parser throws ParameterError naming the parameter. */
import { ParameterError } from '../errors.js';

const DECIMAL = /^-?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?$/;
const EPOCH_MS = /^\d{1,15}$/;
/** A date, or a date and time with a zone (Z or ±hh:mm): a time without a zone would mean the server's. */
const ISO_8601 = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2}))?$/;

export function parseNumber(parameter: string, text: string): number {
  const value = Number(text);
  if (!DECIMAL.test(text.trim()) || !Number.isFinite(value)) throw new ParameterError(parameter, 'expected a number, e.g. 98.6');
  return value;
}

export function parseInteger(parameter: string, text: string, min: number, max: number): number {
  if (!/^\d+$/.test(text)) throw new ParameterError(parameter, `expected a whole number from ${min} to ${max}`);
  const value = Number(text);
  if (value < min || value > max) throw new ParameterError(parameter, `must be from ${min} to ${max}`);
  return value;
}

/** ISO-8601 (2026-05-01T08:00:00Z, 2026-05-01) or epoch milliseconds; returns epoch ms. */
export function parseTime(parameter: string, text: string): number {
  let ms: number;
  if (EPOCH_MS.test(text)) ms = Number(text);
  else if (ISO_8601.test(text)) ms = Date.parse(text);
  else throw new ParameterError(parameter, 'expected an ISO-8601 time with a zone (2026-05-01T08:00:00Z), a date (2026-05-01), or epoch milliseconds');
  if (!Number.isFinite(ms) || ms < 0 || ms > Date.UTC(9999, 11, 31, 23, 59, 59, 999))
    throw new ParameterError(parameter, 'not a valid time between 1970 and 9999');
  return ms;
}

export function parseText(parameter: string, text: string, maxLength: number): string {
  if (text.length === 0) throw new ParameterError(parameter, 'must not be empty');
  if (text.length > maxLength) throw new ParameterError(parameter, `at most ${maxLength} characters`);
  return text;
}

export function parseEnum<T extends string>(parameter: string, text: string, values: readonly T[]): T {
  if (!(values as readonly string[]).includes(text)) throw new ParameterError(parameter, `expected one of ${values.join(', ')}`);
  return text as T;
}
