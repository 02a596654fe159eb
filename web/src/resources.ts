/**
 * The resources of the tempstream API as the dashboard reads them. Most mirror the OpenAPI document
 * (/openapi.json) by hand: web/ is a browser room and imports nothing from the server's rooms. The
 * episode is the API's own type, from a types-only file in schemas/ (the one room web/ may import).
 */
export interface Resource<A> {
  readonly type: string;
  readonly id: string;
  readonly attributes: A;
  readonly links?: Readonly<Record<string, string>>;
}

export interface CollectionMeta {
  readonly total: number;
  readonly offset: number;
  readonly limit: number;
}

export interface Collection<A, M extends CollectionMeta = CollectionMeta> {
  readonly data: readonly Resource<A>[];
  readonly meta: M;
}

export type DeviceStatus = 'in-range' | 'out-of-range';

export interface Device {
  readonly deviceId: string;
  readonly lastReadingTime: string;
  readonly lastTemperature: number;
  readonly lastUnit: string;
  readonly lastTemperatureF: number;
  readonly status: DeviceStatus;
  readonly readingCount: number;
  /** Absent from a server older than the episodes. */
  readonly openEpisode?: OpenEpisode | null;
  readonly silent?: boolean;
  readonly silentSince?: string | null;
}

export interface OpenEpisode {
  readonly episodeId: string;
  readonly direction: string;
  readonly openedAt: string;
  readonly peakTemperatureF: number;
}

/** The API's own type (schemas/ holds it for both): the one resource shared rather than mirrored. */
export type { EpisodeAttributes as Episode, EpisodeStatus } from '../../schemas/episode-resource.js';

/** One device's readings over one minute (table temperature_minute). */
export interface Rollup {
  readonly deviceId: string;
  readonly windowStart: string;
  readonly windowEnd: string;
  readonly readings: number;
  readonly minF: number;
  readonly maxF: number;
  readonly meanF: number;
}

export interface Silence {
  readonly deviceId: string;
  readonly event: 'SILENT' | 'BACK';
  readonly lastSeenAt: string;
  readonly detectedAt: string;
  readonly silenceMs: number;
}

export interface SessionState {
  readonly tokenRequired: boolean;
  readonly authenticated: boolean;
}

export interface Reading {
  readonly deviceId: string;
  readonly readingTime: string;
  readonly temperature: number;
  readonly unit: string;
  readonly temperatureF: number;
  readonly sourceTopic: string;
  readonly sourcePartition: number;
  readonly sourceOffset: string;
}

export interface Alert {
  readonly deviceId: string;
  readonly readingTime: string;
  readonly rule: string;
  readonly direction: string;
  readonly temperatureF: number;
  readonly bound: number;
  readonly minTemp: number;
  readonly maxTemp: number;
  readonly createdAt: string | null;
}

export interface DeadLetterReason {
  readonly sourceTopic?: string;
  readonly sourcePartition?: number;
  readonly sourceOffset?: string;
  readonly errorClass?: string;
  readonly errorMessage?: string;
  readonly rule?: string;
  readonly failedAt?: string;
  readonly valueOmitted?: boolean;
}

export interface DeadLetter {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  readonly timestamp: string;
  readonly reason: DeadLetterReason;
  readonly key: string | null;
  readonly valueSize: number;
  readonly decoded: { readonly ok: boolean; readonly value?: unknown; readonly error?: string } | null;
  readonly redrive: { readonly by: string; readonly redrivenAt: string; readonly sourceTopic: string } | null;
}

export interface DeadLetterMeta extends CollectionMeta {
  readonly scanned: number;
  readonly complete: boolean;
}

export type RedriveOutcome = 'redriven' | 'already-redriven' | 'not-found' | 'refused' | 'failed';

export interface Redrive {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  readonly outcome: RedriveOutcome;
  readonly detail: string | null;
}

/** The MIN/MAX range in °F that alerts are raised outside of. */
export interface RangeLimits {
  readonly minTemp: number;
  readonly maxTemp: number;
}
