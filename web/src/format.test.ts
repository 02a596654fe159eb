import { describe, expect, it } from 'vitest';
import { urlOf } from './api.js';
import { ago, count, degrees, duration, utc } from './format.js';

describe('how the dashboard writes numbers, times and query strings', () => {
  it('writes times in UTC to the second, and says so', () => {
    expect(utc('2026-04-01T08:00:00.123Z')).toBe('2026-04-01 08:00:00 UTC');
    expect(utc(null)).toBe('—');
    expect(utc('not a time')).toBe('not a time');
  });

  it('says how long an episode lasted in the two largest units', () => {
    expect(duration(42_000)).toBe('42 s');
    expect(duration(4 * 60_000 + 10_000)).toBe('4 min 10 s');
    expect(duration(3 * 60_000)).toBe('3 min');
    expect(duration(2 * 3_600_000 + 5 * 60_000)).toBe('2 h 5 min');
    expect(duration(50 * 3_600_000)).toBe('2 d 2 h');
    expect(duration(-1)).toBe('—');
  });

  it('says how long ago in the unit a person reads at a glance', () => {
    const now = Date.parse('2026-04-01T12:00:00Z');
    expect(ago('2026-04-01T11:59:55Z', now)).toBe('5 s ago');
    expect(ago('2026-04-01T11:30:00Z', now)).toBe('30 min ago');
    expect(ago('2026-04-01T06:00:00Z', now)).toBe('6 h ago');
    expect(ago('2026-03-25T12:00:00Z', now)).toBe('7 d ago');
    expect(ago('2026-04-01T12:01:00Z', now)).toBe('in the future');
  });

  it('groups thousands and keeps one decimal of a temperature', () => {
    expect(count(3214)).toBe('3,214');
    expect(degrees(72.46)).toBe('72.5 °F');
  });

  it('leaves empty parameters out of a query and encodes the JSON:API brackets and the search text', () => {
    expect(urlOf('/api/devices', { 'filter[search]': 'a&b', 'filter[status]': '', 'page[limit]': 50, sort: undefined })).toBe(
      '/api/devices?filter%5Bsearch%5D=a%26b&page%5Blimit%5D=50',
    );
    expect(urlOf('/api/alerts')).toBe('/api/alerts');
  });
});
