import { describe, expect, it } from 'vitest';
import { sseMessage } from './events.js';

const position = { topic: 't', partition: 2, offset: '41' };

describe('SSE messages of the live feed', () => {
  it('an episode event is `event: episode` with its episodes resource, status from the event', () => {
    const opened = Date.UTC(2026, 4, 1, 8, 0, 0);
    const text = sseMessage({
      kind: 'episode',
      position,
      episode: {
        episodeId: `d1/${opened}/HIGH`,
        deviceId: 'd1',
        event: 'RESOLVED',
        direction: 'HIGH',
        openedAt: opened,
        resolvedAt: opened + 60_000,
        firstTemperatureF: 111,
        peakTemperatureF: 115,
        lastTemperatureF: 100,
        readings: 6,
        durationMs: 60_000,
        minTemp: 45,
        maxTemp: 110,
        hysteresis: 2,
      },
    });
    const [event, id, data] = text.trimEnd().split('\n');
    expect(event).toBe('event: episode');
    expect(id).toBe('id: t/2/41');
    expect(JSON.parse(data?.replace(/^data: /, '') ?? '')).toMatchObject({
      data: {
        type: 'episodes',
        id: `d1/${opened}/HIGH`,
        attributes: {
          status: 'RESOLVED',
          openedAt: '2026-05-01T08:00:00.000Z',
          resolvedAt: '2026-05-01T08:01:00.000Z',
          peakTemperatureF: 115,
          updatedAt: null,
        },
      },
    });
    expect(text.endsWith('\n\n')).toBe(true);
  });

  it('a silence event is `event: silence` with the device and when it was last heard', () => {
    const text = sseMessage({
      kind: 'silence',
      position,
      silence: { deviceId: 'd2', event: 'SILENT', lastSeenAt: 0, detectedAt: 120_000, silenceMs: 120_000 },
    });
    expect(text.split('\n')[0]).toBe('event: silence');
    expect(text).toContain('"lastSeenAt":"1970-01-01T00:00:00.000Z"');
    expect(text).toContain('"event":"SILENT"');
  });
});
