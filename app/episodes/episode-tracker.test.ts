import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { TempAlertEpisode } from '../../schemas/index.js';
import { crossing } from '../rules/index.js';
import { checkEpisodeSettings, isBackInside, trackEpisode, type EpisodeSettings, type OpenEpisode } from './episode-tracker.js';

const SETTINGS: EpisodeSettings = { minTemp: 40, maxTemp: 120, hysteresis: 2 };
const T0 = Date.UTC(2026, 2, 1, 8);

/** Runs the tracker over temperatures one minute apart; returns every event and the final state. */
function run(temperatures: readonly number[], settings = SETTINGS, deviceId = 'oven-7') {
  let open: OpenEpisode | undefined;
  const events: TempAlertEpisode[] = [];
  temperatures.forEach((fahrenheit, i) => {
    const step = trackEpisode(open, { deviceId, readingTime: T0 + i * 60_000, fahrenheit }, settings);
    open = step.open;
    events.push(...step.events);
  });
  return { open, events };
}
const summary = (events: readonly TempAlertEpisode[]) => events.map((e) => `${e.event} ${e.direction}`);

describe('trackEpisode', () => {
  it('opens with the first reading above MAX_TEMP and resolves with the first back inside by the margin', () => {
    const { open, events } = run([100, 125, 130, 127, 119, 118]);
    expect(open).toBeUndefined();
    expect(events).toEqual([
      {
        episodeId: `oven-7/${T0 + 60_000}/HIGH`,
        deviceId: 'oven-7',
        event: 'OPENED',
        direction: 'HIGH',
        openedAt: T0 + 60_000,
        resolvedAt: null,
        firstTemperatureF: 125,
        peakTemperatureF: 125,
        lastTemperatureF: 125,
        readings: 1,
        durationMs: 0,
        minTemp: 40,
        maxTemp: 120,
        hysteresis: 2,
      },
      {
        episodeId: `oven-7/${T0 + 60_000}/HIGH`,
        deviceId: 'oven-7',
        event: 'RESOLVED',
        direction: 'HIGH',
        openedAt: T0 + 60_000,
        resolvedAt: T0 + 5 * 60_000,
        firstTemperatureF: 125,
        peakTemperatureF: 130,
        lastTemperatureF: 118,
        // 125, 130, 127, 119 (inside the limit, not by the margin) and 118, which resolves it.
        readings: 5,
        durationMs: 4 * 60_000,
        minTemp: 40,
        maxTemp: 120,
        hysteresis: 2,
      },
    ]);
  });

  it('resolves exactly at the margin: 118°F for MAX_TEMP 120°F, 42°F for MIN_TEMP 40°F', () => {
    expect(summary(run([121, 118.0001]).events)).toEqual(['OPENED HIGH']);
    expect(summary(run([121, 118]).events)).toEqual(['OPENED HIGH', 'RESOLVED HIGH']);
    expect(summary(run([39, 41.9999]).events)).toEqual(['OPENED LOW']);
    expect(summary(run([39, 42]).events)).toEqual(['OPENED LOW', 'RESOLVED LOW']);
  });

  it('keeps the lowest reading as the peak of a LOW episode', () => {
    const { events } = run([35, 33, 38, 45]);
    expect(events.at(-1)).toMatchObject({
      event: 'RESOLVED',
      direction: 'LOW',
      firstTemperatureF: 35,
      peakTemperatureF: 33,
      lastTemperatureF: 45,
      readings: 4,
    });
  });

  it('does not flap for a value hovering at the limit', () => {
    expect(summary(run([120.5, 119.5, 120.5, 119.5, 120.5, 119.5]).events)).toEqual(['OPENED HIGH']);
  });

  it('resolves a HIGH episode and opens a LOW one when a reading crosses straight from above to below', () => {
    const { open, events } = run([125, 35]);
    expect(summary(events)).toEqual(['OPENED HIGH', 'RESOLVED HIGH', 'OPENED LOW']);
    expect(events[1]).toMatchObject({ lastTemperatureF: 35, resolvedAt: T0 + 60_000 });
    expect(events[2]).toMatchObject({ episodeId: `oven-7/${T0 + 60_000}/LOW`, firstTemperatureF: 35, readings: 1 });
    expect(open).toMatchObject({ direction: 'LOW', openedAt: T0 + 60_000 });
  });

  it('with no margin, resolves at the limit itself (a reading at a limit is inside)', () => {
    expect(summary(run([121, 120], { ...SETTINGS, hysteresis: 0 }).events)).toEqual(['OPENED HIGH', 'RESOLVED HIGH']);
  });

  it('ignores temperatures that are not numbers', () => {
    expect(run([Number.NaN, 125, Number.NaN, Number.POSITIVE_INFINITY]).open).toMatchObject({ readings: 1, peakTemperatureF: 125 });
  });

  it('never reports a negative duration when a reading arrives out of time order', () => {
    const opened = trackEpisode(undefined, { deviceId: 'd', readingTime: T0, fahrenheit: 125 }, SETTINGS);
    const resolved = trackEpisode(opened.open, { deviceId: 'd', readingTime: T0 - 60_000, fahrenheit: 100 }, SETTINGS);
    expect(resolved.events[0]).toMatchObject({ event: 'RESOLVED', durationMs: 0, resolvedAt: T0 - 60_000 });
  });
});

describe('checkEpisodeSettings', () => {
  it('accepts a margin from 0 to half the gap between the limits', () => {
    expect(checkEpisodeSettings({ minTemp: 40, maxTemp: 120, hysteresis: 0 }, 'x').hysteresis).toBe(0);
    expect(checkEpisodeSettings({ minTemp: 40, maxTemp: 120, hysteresis: 40 }, 'x').hysteresis).toBe(40);
  });

  it.each([-1, Number.NaN, 40.5])('refuses a margin of %s°F for limits 40..120', (hysteresis) => {
    expect(() => checkEpisodeSettings({ minTemp: 40, maxTemp: 120, hysteresis }, 'episodes')).toThrow(/^episodes: .*hysteresis/);
  });
});

describe('trackEpisode, for any readings', () => {
  const settingsArb = fc
    .record({ minTemp: fc.integer({ min: 32, max: 80 }), gap: fc.integer({ min: 0, max: 52 }), share: fc.double({ min: 0, max: 0.5, noNaN: true }) })
    .map(({ minTemp, gap, share }): EpisodeSettings => ({ minTemp, maxTemp: minTemp + gap, hysteresis: gap * share }));
  const temperaturesArb = fc.array(fc.oneof(fc.double({ min: 20, max: 140, noNaN: true }), fc.integer({ min: 30, max: 135 })), { maxLength: 60 });

  it('alternates OPENED and RESOLVED, each RESOLVED with the id of the OPENED before it, and counts the readings between them', () => {
    fc.assert(
      fc.property(settingsArb, temperaturesArb, (settings, temperatures) => {
        let open: OpenEpisode | undefined;
        let current: TempAlertEpisode | undefined;
        let readingsSinceOpened = 0;
        temperatures.forEach((fahrenheit, i) => {
          if (current) readingsSinceOpened++;
          const step = trackEpisode(open, { deviceId: 'd', readingTime: T0 + i * 1000, fahrenheit }, settings);
          for (const event of step.events) {
            if (event.event === 'OPENED') {
              expect(current, 'an OPENED while another episode is open').toBeUndefined();
              current = event;
              readingsSinceOpened = 1;
            } else {
              expect(event.episodeId).toBe(current?.episodeId);
              expect(event.readings).toBe(readingsSinceOpened);
              expect(isBackInside(event.direction, fahrenheit, settings)).toBe(true);
              current = undefined;
            }
          }
          open = step.open;
          expect(open === undefined).toBe(current === undefined);
        });
      }),
    );
  });

  it('is open, in the alert direction, after every reading that raises a TempRangeAlert', () => {
    fc.assert(
      fc.property(settingsArb, temperaturesArb, (settings, temperatures) => {
        let open: OpenEpisode | undefined;
        temperatures.forEach((fahrenheit, i) => {
          open = trackEpisode(open, { deviceId: 'd', readingTime: T0 + i * 1000, fahrenheit }, settings).open;
          const alert = crossing(fahrenheit, settings);
          if (alert) expect(open?.direction).toBe(alert.direction);
        });
      }),
    );
  });

  it('opens at most once while readings hover within the margin of MAX_TEMP', () => {
    fc.assert(
      fc.property(
        settingsArb.filter((s) => s.hysteresis > 0),
        fc.array(fc.double({ min: 0.000001, max: 1, noNaN: true }), { minLength: 1, maxLength: 60 }),
        (settings, shares) => {
          // Strictly above maxTemp - hysteresis, at most maxTemp + hysteresis: never back inside by the margin.
          const temperatures = shares
            .map((s) => settings.maxTemp - settings.hysteresis + s * 2 * settings.hysteresis)
            .filter((t) => !isBackInside('HIGH', t, settings)); // rounding may land one on the margin itself
          const events = run(temperatures, settings).events;
          expect(events.filter((e) => e.event === 'RESOLVED')).toEqual([]);
          expect(events.length).toBeLessThanOrEqual(1);
        },
      ),
    );
  });
});
