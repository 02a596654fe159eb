import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { TemperatureReading } from '../../schemas/index.js';
import {
  alertRulesOf,
  celsiusToFahrenheit,
  checkRuleList,
  constraintsOf,
  defaultRules,
  deviceIdWellFormed,
  deviceLimits,
  factsOf,
  findViolation,
  legalRange,
  raiseAlerts,
  raisesAlert,
  readingTimePlausible,
  readingTimeStorable,
  tempRange,
  type Rule,
} from './index.js';

const T0 = Date.UTC(2026, 0, 1);
const reading = (temperature: number, unit: TemperatureReading['unit'] = 'FAHRENHEIT', deviceId = 'dev-1'): TemperatureReading => ({
  deviceId,
  readingTime: T0,
  temperature,
  unit,
});
const violates = (rule: ReturnType<typeof legalRange>, r: TemperatureReading) => !rule.holds(factsOf(r));
const alertsFor = (rules: readonly Rule[], r: TemperatureReading) => raiseAlerts(alertRulesOf(rules), factsOf(r));

describe('legal-range', () => {
  const rule = legalRange();

  it.each([32, 32.0001, 80, 131.9999, 132])('accepts %s°F, inside or on the bounds', (t) => {
    expect(violates(rule, reading(t))).toBe(false);
  });

  it.each([31.9999, 132.0001, -40, 1000, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY])('refuses %s°F', (t) => {
    expect(violates(rule, reading(t))).toBe(true);
  });

  it('converts Celsius first: 0°C and 55°C are legal, -0.1°C and 56°C are not', () => {
    expect(violates(rule, reading(0, 'CELSIUS'))).toBe(false);
    expect(violates(rule, reading(55, 'CELSIUS'))).toBe(false); // 131 °F
    expect(violates(rule, reading(-0.1, 'CELSIUS'))).toBe(true);
    expect(violates(rule, reading(56, 'CELSIUS'))).toBe(true); // 132.8 °F
  });

  it('explains itself in words a person can act on', () => {
    expect(rule.explain(factsOf(reading(140)))).toBe('temperature 140°F is outside the legal range 32°F to 132°F');
    expect(rule.explain(factsOf(reading(60, 'CELSIUS')))).toBe('temperature 60°C (140°F) is outside the legal range 32°F to 132°F');
    expect(rule.explain(factsOf(reading(Number.NaN)))).toMatch(/NaN is not a number a sensor can report/);
  });
});

describe('Celsius conversion', () => {
  it('is exact at the fixed points', () => {
    expect(celsiusToFahrenheit(0)).toBe(32);
    expect(celsiusToFahrenheit(100)).toBe(212);
    expect(celsiusToFahrenheit(-40)).toBe(-40);
    expect(celsiusToFahrenheit(50)).toBe(122);
  });
});

describe('temp-range (strict limits)', () => {
  const rules = [tempRange({ minTemp: 40, maxTemp: 120 })];

  it.each([
    [120.0001, 'HIGH', 120],
    [39.9999, 'LOW', 40],
  ] as const)('alerts for %s°F: %s, bound %s', (t, direction, bound) => {
    expect(alertsFor(rules, reading(t))).toEqual([{ rule: 'temp-range', direction, bound, minTemp: 40, maxTemp: 120 }]);
  });

  it.each([120, 40, 80])('does not alert at or between the limits: %s°F', (t) => {
    expect(alertsFor(rules, reading(t))).toEqual([]);
  });

  it('compares Celsius readings in Fahrenheit', () => {
    expect(alertsFor(rules, reading(49, 'CELSIUS'))).toMatchObject([{ direction: 'HIGH' }]); // 120.2 °F
    expect(alertsFor(rules, reading(48.8, 'CELSIUS'))).toEqual([]); // 119.84 °F
  });

  it('refuses limits the wrong way round or not finite', () => {
    expect(() => tempRange({ minTemp: 50, maxTemp: 40 })).toThrow(RangeError);
    expect(() => tempRange({ minTemp: Number.NaN, maxTemp: 40 })).toThrow(RangeError);
  });
});

describe('device-limit (an extra rule kind)', () => {
  const rule = deviceLimits({ freezer: { minTemp: 32, maxTemp: 45 } });

  it('alerts only for the devices it lists', () => {
    expect(rule.findings(factsOf(reading(50, 'FAHRENHEIT', 'freezer')))).toEqual([{ direction: 'HIGH', bound: 45, minTemp: 32, maxTemp: 45 }]);
    expect(rule.findings(factsOf(reading(50, 'FAHRENHEIT', 'oven')))).toEqual([]);
  });

  it('adds its alerts beside the fleet-wide ones, sorted by rule name', () => {
    const rules = [tempRange({ minTemp: 40, maxTemp: 120 }), rule];
    expect(alertsFor(rules, reading(31.5, 'FAHRENHEIT', 'freezer')).map((a) => a.rule)).toEqual(['device-limit', 'temp-range']);
  });
});

describe('device-id and reading-time', () => {
  it('refuses empty, padded and over-long device ids', () => {
    const rule = deviceIdWellFormed();
    const holds = (deviceId: string) => rule.holds(factsOf(reading(70, 'FAHRENHEIT', deviceId)));
    expect([holds('a'), holds('x'.repeat(64))]).toEqual([true, true]);
    expect([holds(''), holds(' a'), holds('a '), holds('x'.repeat(65))]).toEqual([false, false, false, false]);
  });

  it('refuses times the table cannot store', () => {
    const rule = readingTimeStorable();
    const holds = (readingTime: number) => rule.holds(factsOf({ ...reading(70), readingTime }));
    expect([holds(0), holds(T0), holds(Date.UTC(9999, 11, 31, 23, 59, 59, 999))]).toEqual([true, true, true]);
    expect([holds(-1), holds(Date.UTC(10000, 0, 1)), holds(1.5)]).toEqual([false, false, false]);
  });
});

describe('evaluating a rule list', () => {
  const rules = defaultRules({ minTemp: 40, maxTemp: 120 });

  it('finds no violation in a good reading', () => {
    expect(findViolation(constraintsOf(rules), factsOf(reading(70)))).toBeUndefined();
  });

  it('reports every broken constraint in one violation', () => {
    const v = findViolation(constraintsOf(rules), factsOf({ deviceId: '', readingTime: T0, temperature: 200, unit: 'FAHRENHEIT' }));
    expect(v?.rule).toBe('device-id,legal-range');
    expect(v?.message).toMatch(/^device-id: .*; legal-range: temperature 200°F/);
  });

  it('refuses two rules with one name', () => {
    expect(() => checkRuleList([legalRange(), legalRange()])).toThrow(/two rules are named legal-range/);
  });

  const anyReading = fc.record({
    deviceId: fc.oneof(fc.constantFrom('freezer', 'oven', '', ' x'), fc.string({ maxLength: 70 })),
    readingTime: fc.oneof(fc.integer({ min: -10, max: 2 ** 45 }), fc.constant(T0)),
    temperature: fc.oneof(fc.double(), fc.double({ min: 0, max: 150, noNaN: true })),
    unit: fc.constantFrom('FAHRENHEIT' as const, 'CELSIUS' as const),
  });
  const allRules = [...rules, deviceLimits({ freezer: { minTemp: 32, maxTemp: 45 } })];

  it('gives the same results whatever the order of the rules', () => {
    fc.assert(
      fc.property(anyReading, fc.shuffledSubarray(allRules, { minLength: allRules.length }), (r, shuffled) => {
        const facts = factsOf(r);
        expect(findViolation(constraintsOf(shuffled), facts)).toEqual(findViolation(constraintsOf(allRules), facts));
        expect(raiseAlerts(alertRulesOf(shuffled), facts)).toEqual(raiseAlerts(alertRulesOf(allRules), facts));
      }),
    );
  });

  it('alerts exactly when the Fahrenheit temperature lies strictly outside the limits', () => {
    fc.assert(
      fc.property(anyReading, (r) => {
        const facts = factsOf(r);
        const outside = facts.fahrenheit > 120 || facts.fahrenheit < 40;
        expect(raiseAlerts(alertRulesOf(rules), facts)).toHaveLength(outside ? 1 : 0);
      }),
    );
  });

  it('says a reading raises an alert exactly when raiseAlerts finds one', () => {
    fc.assert(
      fc.property(anyReading, fc.constantFrom('freezer', 'other'), (r, deviceId) => {
        const facts = factsOf({ ...r, deviceId });
        expect(raisesAlert(alertRulesOf(allRules), facts)).toBe(raiseAlerts(alertRulesOf(allRules), facts).length > 0);
      }),
    );
  });
});

describe('device ids are measured as the table counts them', () => {
  it('accepts 64 emoji, which VARCHAR(64) holds, and refuses 65', async () => {
    const { checkRuleList, constraintsOf, defaultRules, findViolation, factsOf } = await import('./index.js');
    const constraints = constraintsOf(checkRuleList(defaultRules({ minTemp: 40, maxTemp: 120 })));
    const reading = (deviceId: string) => factsOf({ deviceId, readingTime: Date.UTC(2026, 0, 1), temperature: 70, unit: 'FAHRENHEIT' });
    expect(findViolation(constraints, reading('🌡'.repeat(64)))).toBeUndefined();
    expect(findViolation(constraints, reading('🌡'.repeat(65)))?.rule).toBe('device-id');
  });
});

describe('reading-time-plausible', () => {
  const rule = readingTimePlausible({ maxAgeMs: 7 * 86_400_000, maxFutureMs: 300_000 });
  const at = (readingTime: number, sentAt: number | undefined) => rule.holds(factsOf({ ...reading(70), readingTime }, sentAt));

  it('accepts a reading up to 7 days before and 5 minutes after its record was sent, bounds included', () => {
    for (const t of [T0, T0 - 7 * 86_400_000, T0 + 300_000, T0 - 1]) expect(at(t, T0)).toBe(true);
  });

  it('refuses epoch seconds, a week and a millisecond ago, and beyond 5 minutes ahead', () => {
    for (const t of [Math.floor(T0 / 1000), T0 - 7 * 86_400_000 - 1, T0 + 300_001, 0]) expect(at(t, T0)).toBe(false);
  });

  it('holds when the sending time is unknown (a reading judged outside a topology)', () => {
    expect(at(0, undefined)).toBe(true);
  });

  it('says what is wrong, and that seconds look like the cause when they do', () => {
    const explained = rule.explain(factsOf({ ...reading(70), readingTime: Math.floor(T0 / 1000) }, T0));
    expect(explained).toContain('1970-01-21T');
    expect(explained).toContain('2026-01-01T00:00:00.000Z');
    expect(explained).toContain('7 days before and 5 minutes after');
    expect(explained).toContain('looks like seconds, not milliseconds');
    expect(rule.explain(factsOf({ ...reading(70), readingTime: T0 + 86_400_000 }, T0))).not.toContain('seconds');
  });

  it('is in the default rules only when a window is given', () => {
    expect(defaultRules({ minTemp: 40, maxTemp: 120 }).map((r) => r.name)).not.toContain('reading-time-plausible');
    expect(defaultRules({ minTemp: 40, maxTemp: 120 }, { maxAgeMs: 1, maxFutureMs: 1 }).map((r) => r.name)).toContain('reading-time-plausible');
  });
});
