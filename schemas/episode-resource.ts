/**
 * The attributes of an `episodes` resource as GET /api/episodes and the live stream send them: the
 * API builds them (api/resources/episodes.ts) and the dashboard reads them (web/src/resources.ts),
 * so the two cannot drift apart. Types only, importing nothing: web/ compiles it for the browser.
 */

export type EpisodeStatus = 'OPEN' | 'RESOLVED';

export interface EpisodeAttributes {
  readonly episodeId: string;
  readonly deviceId: string;
  readonly direction: string;
  readonly status: EpisodeStatus;
  readonly openedAt: string;
  readonly resolvedAt: string | null;
  readonly firstTemperatureF: number;
  readonly peakTemperatureF: number;
  readonly lastTemperatureF: number;
  readonly readings: number;
  readonly durationMs: number;
  readonly minTemp: number;
  readonly maxTemp: number;
  readonly hysteresis: number;
  /** When stored or last changed; null for a live event. */
  readonly updatedAt: string | null;
  readonly notifiedOpenedAt: string | null;
  readonly notifiedResolvedAt: string | null;
}
