/**
 * The MIN/MAX band a device's chart shows. The server's configured range when the API states it
 * (meta.limits of GET /api/devices); otherwise the range in force at the latest alert, which every
 * alert carries (minTemp, maxTemp). The view says which one it shows.
 */
import { getCollection } from './api.js';
import type { Alert, CollectionMeta, Device, RangeLimits } from './resources.js';

export interface KnownLimits {
  readonly limits: RangeLimits;
  readonly source: string;
}

const isLimits = (value: unknown): value is RangeLimits =>
  typeof value === 'object' && value !== null && typeof (value as RangeLimits).minTemp === 'number' && typeof (value as RangeLimits).maxTemp === 'number';

export async function limitsFor(deviceId: string, signal: AbortSignal): Promise<KnownLimits | undefined> {
  const devices = await getCollection<Device, CollectionMeta & { limits?: unknown }>('/api/devices', { 'page[limit]': 1 }, signal);
  if (isLimits(devices.meta.limits)) return { limits: devices.meta.limits, source: 'as the server is configured (MIN_TEMP, MAX_TEMP)' };
  for (const [query, source] of [
    [{ 'filter[device]': deviceId }, "in force at this device's latest alert"],
    [{}, 'in force at the latest alert'],
  ] as const) {
    const alerts = await getCollection<Alert>('/api/alerts', { ...query, sort: '-readingTime', 'page[limit]': 1 }, signal);
    const latest = alerts.data[0]?.attributes;
    if (latest) return { limits: { minTemp: latest.minTemp, maxTemp: latest.maxTemp }, source };
  }
  return undefined;
}
