import { describe, expect, it } from 'vitest';
import { checkWindow, parseFrom, parseIsoTime, parseTo, PositionError } from './positions.js';

describe('--from', () => {
  it('takes earliest', () => {
    expect(parseFrom('earliest')).toEqual({ kind: 'earliest' });
  });

  it('takes an ISO time with a zone, or a date at midnight UTC', () => {
    expect(parseFrom('2025-01-31T08:00:00Z')).toEqual({ kind: 'time', at: Date.UTC(2025, 0, 31, 8) });
    expect(parseFrom('2025-01-31T08:00:00.250+02:00')).toEqual({ kind: 'time', at: Date.UTC(2025, 0, 31, 6, 0, 0, 250) });
    expect(parseFrom('2025-01-31T08:00Z')).toEqual({ kind: 'time', at: Date.UTC(2025, 0, 31, 8) });
    expect(parseFrom('2025-01-31')).toEqual({ kind: 'time', at: Date.UTC(2025, 0, 31) });
  });

  it('takes partition:offset pairs', () => {
    const from = parseFrom('0:100, 3:0,12:9007199254740993');
    expect(from).toEqual({
      kind: 'offsets',
      offsets: new Map([
        [0, 100n],
        [3, 0n],
        [12, 9007199254740993n],
      ]),
    });
  });

  it.each([
    ['yesterday', /not an ISO time/],
    ['2025-01-31T08:00:00', /with a zone/], // local time would depend on the machine
    ['2025-02-30', /not a calendar date/],
    ['2025-01-31T25:00:00Z', /not a time of day/],
    ['0:10,0:20', /partition 0 is given twice/],
    ['0:10,x', /not partition:offset/],
    ['0:-1', /not partition:offset/],
    ['1:99999999999999999999', /out of range/],
  ])('refuses %s', (text, message) => {
    expect(() => parseFrom(text)).toThrow(PositionError);
    expect(() => parseFrom(text)).toThrow(message);
  });
});

describe('--to', () => {
  it('takes now or an ISO time', () => {
    expect(parseTo('now')).toEqual({ kind: 'now' });
    expect(parseTo('2025-01-31T08:00:00Z')).toEqual({ kind: 'time', at: Date.UTC(2025, 0, 31, 8) });
  });

  it('refuses earliest and offsets: the end is a time', () => {
    expect(() => parseTo('earliest')).toThrow(PositionError);
    expect(() => parseTo('0:10')).toThrow(PositionError);
  });

  it('must come after --from', () => {
    const from = parseFrom('2025-01-02');
    expect(() => checkWindow(from, parseTo('2025-01-01'))).toThrow(/--to .* must be after --from/);
    expect(() => checkWindow(from, parseTo('2025-01-02'))).toThrow(PositionError);
    expect(() => checkWindow(from, parseTo('2025-01-03'))).not.toThrow();
    expect(() => checkWindow(parseFrom('earliest'), parseTo('2025-01-01'))).not.toThrow();
  });
});

describe('parseIsoTime', () => {
  it('agrees with Date for valid input', () => {
    expect(parseIsoTime('2024-02-29T23:59:59.999Z')).toBe(Date.parse('2024-02-29T23:59:59.999Z'));
  });
});
