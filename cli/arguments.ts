/** Parsers for command arguments: a bad value becomes commander's "argument is invalid" (exit 2). */
import { InvalidArgumentError } from 'commander';
import { errorMessage } from '../topology/index.js';

/** Wraps a parser that throws plain errors so that commander reports them as a bad argument. */
export function argument<T>(parse: (text: string) => T): (text: string) => T {
  return (text) => {
    try {
      return parse(text);
    } catch (err) {
      throw new InvalidArgumentError(errorMessage(err));
    }
  };
}

/** A plain decimal, as the settings read them (config.ts): "0x50" and "5e1" are typos, not 80 and 50. */
function number(text: string): number {
  if (!/^[+-]?(?:\d+(?:\.\d*)?|\.\d+)$/.test(text.trim())) throw new Error(`"${text}" is not a decimal number`);
  return Number(text.trim());
}

export const positiveNumber = argument((text) => {
  const value = number(text);
  if (value <= 0) throw new Error('must be above 0');
  return value;
});

export const positiveInteger = argument((text) => {
  const value = number(text);
  if (!Number.isInteger(value) || value < 1) throw new Error('must be a whole number of at least 1');
  return value;
});

/** A probability: 0 to 1, or a percentage such as 2%. */
export const fraction = argument((text) => {
  const percent = text.trim().endsWith('%');
  const value = number(percent ? text.trim().slice(0, -1) : text) / (percent ? 100 : 1);
  if (value < 0 || value > 1) throw new Error('must be between 0 and 1 (or 0% and 100%)');
  return value;
});

export const integer = argument((text) => {
  const value = number(text);
  if (!Number.isSafeInteger(value)) throw new Error('must be a whole number');
  return value;
});
