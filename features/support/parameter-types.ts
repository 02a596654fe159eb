import { defineParameterType } from '@cucumber/cucumber';
import type { TemperatureUnit } from '../../schemas/index.js';

export interface Temperature {
  readonly value: number;
  readonly unit: TemperatureUnit;
}

/** `140.2°F`, `-3°C` */
defineParameterType({
  name: 'temperature',
  regexp: /-?\d+(?:\.\d+)?°[FC]/,
  transformer: (text: string): Temperature => ({ value: Number(text.slice(0, -2)), unit: text.endsWith('C') ? 'CELSIUS' : 'FAHRENHEIT' }),
});

/** `2026-03-01 10:00:00`, UTC */
defineParameterType({
  name: 'time',
  regexp: /\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}/,
  transformer: (text: string): number => Date.parse(`${text.replace(' ', 'T')}Z`),
});

/** `121°F, 125°F, 130°F`: two or more temperatures, in the order a device reports them. */
defineParameterType({
  name: 'temperatures',
  regexp: /-?\d+(?:\.\d+)?°[FC](?:, -?\d+(?:\.\d+)?°[FC])+/,
  transformer: (text: string): Temperature[] =>
    text.split(', ').map((t) => ({ value: Number(t.slice(0, -2)), unit: t.endsWith('C') ? 'CELSIUS' : 'FAHRENHEIT' }) satisfies Temperature),
});
