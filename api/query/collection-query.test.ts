import { describe, expect, it } from 'vitest';
import { ParameterError } from '../errors.js';
import { READINGS } from '../resources/readings.js';
import { DEFAULT_PAGE_LIMIT, parseCollectionQuery, type RawQuery } from './collection-query.js';

const plan = (query: RawQuery) => parseCollectionQuery(READINGS, query);

/** The parameter a rejected query names. */
function rejected(query: RawQuery): { parameter: string; message: string } {
  try {
    plan(query);
  } catch (err) {
    if (err instanceof ParameterError) return { parameter: err.parameter, message: err.message };
    throw err;
  }
  throw new Error(`accepted ${JSON.stringify(query)}`);
}

describe('parseCollectionQuery (JSON:API query → plan)', () => {
  it('defaults: newest first, id as the tie-break, the first page of 100', () => {
    expect(plan({})).toEqual({
      filters: [],
      sort: [
        { column: 'reading_time', descending: true },
        { column: 'id', descending: true },
      ],
      page: { offset: 0, limit: DEFAULT_PAGE_LIMIT },
    });
  });

  it('maps filters onto whitelisted columns with typed values', () => {
    const p = plan({
      'filter[device]': 'oven-1',
      'filter[from]': '2026-05-01T08:00:00Z',
      'filter[to]': '1777622400000',
      'filter[minTemperature]': '-4.5',
      'filter[unit]': 'CELSIUS',
    });
    expect(p.filters).toEqual([
      { name: 'device', column: 'device_id', op: 'eq', value: 'oven-1', kind: 'text' },
      { name: 'from', column: 'reading_time', op: 'gte', value: Date.UTC(2026, 4, 1, 8), kind: 'time' },
      { name: 'to', column: 'reading_time', op: 'lte', value: 1777622400000, kind: 'time' },
      { name: 'minTemperature', column: 'temperature', op: 'gte', value: -4.5, kind: 'number' },
      { name: 'unit', column: 'unit', op: 'eq', value: 'CELSIUS', kind: 'enum' },
    ]);
  });

  it('keeps SQL metacharacters in a filter value as plain text', () => {
    expect(plan({ 'filter[device]': "' OR 1=1 --\\" }).filters[0]?.value).toBe("' OR 1=1 --\\");
  });

  it('sorts by a comma list, - for descending, only whitelisted names', () => {
    expect(plan({ sort: 'deviceId,-temperature' }).sort).toEqual([
      { column: 'device_id', descending: false },
      { column: 'temperature', descending: true },
      { column: 'id', descending: false },
    ]);
    expect(rejected({ sort: 'device_id; DROP TABLE temperature' })).toMatchObject({ parameter: 'sort' });
    expect(rejected({ sort: 'deviceId,deviceId' }).parameter).toBe('sort');
  });

  it('pages with page[offset] and page[limit], the limit capped at 1000', () => {
    expect(plan({ 'page[offset]': '20', 'page[limit]': '10' }).page).toEqual({ offset: 20, limit: 10 });
    expect(rejected({ 'page[limit]': '1001' }).parameter).toBe('page[limit]');
    expect(rejected({ 'page[limit]': '0' }).parameter).toBe('page[limit]');
    expect(rejected({ 'page[offset]': '-1' }).parameter).toBe('page[offset]');
    expect(rejected({ 'page[offset]': '1e3' }).parameter).toBe('page[offset]');
  });

  it('takes sparse fieldsets for its own type and known attributes only', () => {
    expect(plan({ 'fields[readings]': 'deviceId,temperature' }).fields).toEqual(['deviceId', 'temperature']);
    expect(rejected({ 'fields[readings]': 'password' }).parameter).toBe('fields[readings]');
    expect(rejected({ 'fields[alerts]': 'rule' }).parameter).toBe('fields[alerts]');
  });

  it.each([
    [{ 'filter[nope]': 'x' }, 'filter[nope]'],
    [{ 'filter[from]': 'yesterday' }, 'filter[from]'],
    [{ 'filter[from]': '2026-05-01T08:00:00' }, 'filter[from]'],
    [{ 'filter[minTemperature]': '12abc' }, 'filter[minTemperature]'],
    [{ 'filter[minTemperature]': 'Infinity' }, 'filter[minTemperature]'],
    [{ 'filter[unit]': 'KELVIN' }, 'filter[unit]'],
    [{ 'filter[device]': '' }, 'filter[device]'],
    [{ 'filter[device]': 'x'.repeat(65) }, 'filter[device]'],
    [{ 'filter[device]': ['a', 'b'] }, 'filter[device]'],
    [{ limit: '5' }, 'limit'],
    [{ 'filter[__proto__]': 'x' }, 'filter[__proto__]'],
  ])('rejects %j naming %s', (query, parameter) => {
    const r = rejected(query);
    expect(r.parameter).toBe(parameter);
    expect(r.message.startsWith(`${parameter}: `)).toBe(true);
  });
});
