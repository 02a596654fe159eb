import { InvalidArgumentError } from 'commander';
import { describe, expect, it } from 'vitest';
import { fraction, integer, positiveInteger, positiveNumber } from './arguments.js';

describe('command arguments', () => {
  it.each([' ', '0x50', '5e1', 'Infinity', '50abc', '1_000'])('refuses %j as a number, like the settings do', (text) => {
    for (const parse of [positiveNumber, positiveInteger, integer, fraction]) expect(() => parse(text)).toThrow(InvalidArgumentError);
  });

  it('reads plain decimals, spaces around them allowed', () => {
    expect(positiveNumber(' 2.5 ')).toBe(2.5);
    expect(positiveInteger('20')).toBe(20);
    expect(integer('-3')).toBe(-3);
    expect(fraction('2%')).toBe(0.02);
    expect(fraction('.5')).toBe(0.5);
  });
});
