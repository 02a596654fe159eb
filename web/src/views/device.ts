/**
 * One device: its readings as a chart with the MIN/MAX band and its per-minute rollups (mean, with
 * the minute's lowest to highest shaded), the latest readings as a table (the chart's accessible
 * twin), its episodes and its alerts. Refreshed every few seconds.
 */
import { ApiRequestError, getCollection } from '../api.js';
import { readingChart, type SeriesFill, type TimeSeries } from '../chart.js';
import { h, replaceChildren } from '../dom.js';
import { count, degrees, utc } from '../format.js';
import { limitsFor } from '../limits.js';
import { every, REFRESH_MS } from '../refresh.js';
import type { Alert, Collection, Device, Episode, Reading, Rollup } from '../resources.js';
import { errorBox, type View } from '../view.js';
import { deviceBadges } from './devices.js';
import { episodeHead, episodeRow } from './episodes.js';

/** Readings the chart shows: the latest this many. */
export const CHART_READINGS = 500;
const TABLE_READINGS = 20;
/** Minutes the chart shows at most (a day's worth is 1,440). */
export const CHART_MINUTES = 1000;
const EPISODES_SHOWN = 10;

const ROLLUP_FILL: SeriesFill = { upper: 'Minute max (°F)', lower: 'Minute min (°F)', fill: 'rgba(123, 31, 162, 0.10)' };

/** The rollups as three series on the chart, each point at the middle of its minute. */
function rollupSeries(oldestFirst: readonly Rollup[]): TimeSeries[] {
  const times = oldestFirst.map((r) => (Date.parse(r.windowStart) + Date.parse(r.windowEnd)) / 2000);
  return [
    { label: 'Minute mean (°F)', color: '#7b1fa2', times, values: oldestFirst.map((r) => r.meanF), dash: [4, 3] },
    { label: ROLLUP_FILL.upper, color: 'rgba(123, 31, 162, 0.55)', times, values: oldestFirst.map((r) => r.maxF), dash: [2, 3] },
    { label: ROLLUP_FILL.lower, color: 'rgba(123, 31, 162, 0.55)', times, values: oldestFirst.map((r) => r.minF), dash: [2, 3] },
  ];
}

/** A collection that may not be there yet (503: its table is not created): empty instead of a failure. */
async function optional<A>(load: Promise<Collection<A>>): Promise<Collection<A> | undefined> {
  try {
    return await load;
  } catch (error) {
    if (error instanceof ApiRequestError && (error.status === 503 || error.status === 404)) return undefined;
    throw error;
  }
}

export function deviceView(deviceId: string): View {
  const errors = errorBox();
  const status = h('p', { class: 'device-status' });
  const chartBox = h('div', { class: 'chart', role: 'img', 'aria-label': `Temperature of ${deviceId} over time` });
  const bandNote = h('p', { class: 'band-note' });
  const readingRows = h('tbody');
  const alertRows = h('tbody');
  const episodeRows = h('tbody');
  const rollupNote = h('p', { class: 'band-note rollup-note' });
  const chart = readingChart(chartBox);

  const refresher = every(
    REFRESH_MS,
    async (signal) => {
      const [readings, alerts, devices, limits, episodes] = await Promise.all([
        getCollection<Reading>('/api/readings', { 'filter[device]': deviceId, sort: '-readingTime', 'page[limit]': CHART_READINGS }, signal),
        getCollection<Alert>('/api/alerts', { 'filter[device]': deviceId, sort: '-readingTime', 'page[limit]': 10 }, signal),
        getCollection<Device>('/api/devices', { 'filter[device]': deviceId, 'page[limit]': 1 }, signal),
        limitsFor(deviceId, signal),
        optional(getCollection<Episode>('/api/episodes', { 'filter[device]': deviceId, sort: '-openedAt', 'page[limit]': EPISODES_SHOWN }, signal)),
      ]);
      const latestFirst = readings.data.map((r) => r.attributes);
      const oldestFirst = [...latestFirst].reverse();
      // The minutes the readings on the chart span, so both share the time axis.
      const oldest = oldestFirst[0];
      const rollups = oldest
        ? await optional(
            getCollection<Rollup>(
              '/api/rollups',
              { 'filter[device]': deviceId, 'filter[from]': Date.parse(oldest.readingTime) - 60_000, sort: '-windowStart', 'page[limit]': CHART_MINUTES },
              signal,
            ),
          )
        : undefined;
      errors.clear();
      const minutes = [...(rollups?.data.map((r) => r.attributes) ?? [])].reverse();
      const series: TimeSeries[] = [
        {
          label: 'Reading (°F)',
          color: '#1565c0',
          times: oldestFirst.map((r) => Date.parse(r.readingTime) / 1000),
          values: oldestFirst.map((r) => r.temperatureF),
        },
      ];
      if (minutes.length > 0) series.push(...rollupSeries(minutes));
      chart.update(series, limits?.limits, minutes.length > 0 ? [ROLLUP_FILL] : []);
      rollupNote.textContent = rollups
        ? `Purple: per-minute rollups (table temperature_minute), ${count(minutes.length)} minute${minutes.length === 1 ? '' : 's'}: the dashed line the mean, the shade from the minute's lowest to its highest reading.`
        : 'No per-minute rollups: this server has no temperature_minute table yet.';
      chartBox.setAttribute(
        'aria-label',
        `Temperature of ${deviceId}: ${count(latestFirst.length)} readings` +
          (latestFirst[0] ? `, the latest ${degrees(latestFirst[0].temperatureF)} at ${utc(latestFirst[0].readingTime)}` : ''),
      );
      bandNote.textContent = limits
        ? `Shaded: the MIN/MAX band ${degrees(limits.limits.minTemp)} to ${degrees(limits.limits.maxTemp)}, ${limits.source}. Showing the latest ${count(latestFirst.length)} of ${count(readings.meta.total)} readings.`
        : `No MIN/MAX band: the API states no range and no alert carries one yet. Showing the latest ${count(latestFirst.length)} of ${count(readings.meta.total)} readings.`;

      const device = devices.data.find((d) => d.id === deviceId)?.attributes;
      replaceChildren(
        status,
        device ? deviceBadges(device) : 'No reading stored yet.',
        device ? ` last ${degrees(device.lastTemperatureF)} at ${utc(device.lastReadingTime)}` : '',
      );
      replaceChildren(
        readingRows,
        ...latestFirst
          .slice(0, TABLE_READINGS)
          .map((r) =>
            h(
              'tr',
              {},
              h('td', {}, utc(r.readingTime)),
              h('td', { class: 'number' }, `${r.temperature} ${r.unit === 'CELSIUS' ? '°C' : '°F'}`),
              h('td', { class: 'number' }, degrees(r.temperatureF)),
              h('td', { class: 'mono' }, `${r.sourceTopic}/${r.sourcePartition}/${r.sourceOffset}`),
            ),
          ),
      );
      replaceChildren(
        alertRows,
        ...alerts.data.map(({ attributes: a }) =>
          h(
            'tr',
            {},
            h('td', {}, utc(a.readingTime)),
            h('td', {}, a.direction),
            h('td', { class: 'number' }, degrees(a.temperatureF)),
            h('td', { class: 'number' }, degrees(a.bound)),
            h('td', {}, a.rule),
          ),
        ),
      );
      const now = Date.now();
      replaceChildren(episodeRows, ...(episodes?.data ?? []).map((e) => episodeRow(e.attributes, now, false)));
      if (!episodes?.data.length)
        episodeRows.append(
          h('tr', {}, h('td', { colspan: 8, class: 'empty' }, episodes ? 'No episode for this device.' : 'This server has no episodes table yet.')),
        );
      if (alerts.data.length === 0) alertRows.append(h('tr', {}, h('td', { colspan: 5, class: 'empty' }, 'No alert for this device.')));
    },
    (error) => errors.show(error),
  );

  const element = h(
    'section',
    { 'aria-labelledby': 'device-heading' },
    h('p', {}, h('a', { href: '#/devices' }, '← All devices')),
    h('h1', { id: 'device-heading' }, 'Device ', h('span', { class: 'mono' }, deviceId)),
    status,
    errors.element,
    h('h2', {}, 'Readings'),
    chartBox,
    bandNote,
    rollupNote,
    h(
      'table',
      { class: 'data' },
      h('caption', {}, `The latest ${TABLE_READINGS} readings`),
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          h('th', { scope: 'col' }, 'Reading time'),
          h('th', { scope: 'col', class: 'number' }, 'As sent'),
          h('th', { scope: 'col', class: 'number' }, 'In °F'),
          h('th', { scope: 'col' }, 'Source (topic/partition/offset)'),
        ),
      ),
      readingRows,
    ),
    h('h2', {}, 'Episodes'),
    h(
      'table',
      { class: 'data', id: 'device-episodes' },
      h('caption', { class: 'visually-hidden' }, `The latest episodes of ${deviceId}`),
      episodeHead(false),
      episodeRows,
    ),
    h('h2', {}, 'Alerts'),
    h(
      'table',
      { class: 'data' },
      h('caption', { class: 'visually-hidden' }, `The latest alerts of ${deviceId}`),
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          h('th', { scope: 'col' }, 'Reading time'),
          h('th', { scope: 'col' }, 'Direction'),
          h('th', { scope: 'col', class: 'number' }, 'Temperature'),
          h('th', { scope: 'col', class: 'number' }, 'Bound'),
          h('th', { scope: 'col' }, 'Rule'),
        ),
      ),
      alertRows,
    ),
  );
  return {
    title: `Device ${deviceId}`,
    element,
    dispose: () => {
      refresher.stop();
      chart.destroy();
    },
  };
}
