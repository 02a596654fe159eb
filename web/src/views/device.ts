/**
 * One device: its readings as a chart with the MIN/MAX band, the latest readings as a table (the
 * chart's accessible twin), and its alerts. Refreshed every few seconds.
 */
import { getCollection } from '../api.js';
import { readingChart, type TimeSeries } from '../chart.js';
import { h, replaceChildren } from '../dom.js';
import { count, degrees, utc } from '../format.js';
import { limitsFor } from '../limits.js';
import { every, REFRESH_MS } from '../refresh.js';
import type { Alert, Device, Reading } from '../resources.js';
import { errorBox, type View } from '../view.js';
import { statusBadge } from './devices.js';

/** Readings the chart shows: the latest this many. */
export const CHART_READINGS = 500;
const TABLE_READINGS = 20;

export function deviceView(deviceId: string): View {
  const errors = errorBox();
  const status = h('p', { class: 'device-status' });
  const chartBox = h('div', { class: 'chart', role: 'img', 'aria-label': `Temperature of ${deviceId} over time` });
  const bandNote = h('p', { class: 'band-note' });
  const readingRows = h('tbody');
  const alertRows = h('tbody');
  const chart = readingChart(chartBox);

  const refresher = every(
    REFRESH_MS,
    async (signal) => {
      const [readings, alerts, devices, limits] = await Promise.all([
        getCollection<Reading>('/api/readings', { 'filter[device]': deviceId, sort: '-readingTime', 'page[limit]': CHART_READINGS }, signal),
        getCollection<Alert>('/api/alerts', { 'filter[device]': deviceId, sort: '-readingTime', 'page[limit]': 10 }, signal),
        getCollection<Device>('/api/devices', { 'filter[search]': deviceId, 'page[limit]': 100 }, signal),
        limitsFor(deviceId, signal),
      ]);
      errors.clear();
      const latestFirst = readings.data.map((r) => r.attributes);
      const oldestFirst = [...latestFirst].reverse();
      const series: TimeSeries[] = [
        {
          label: 'Reading (°F)',
          color: '#1565c0',
          times: oldestFirst.map((r) => Date.parse(r.readingTime) / 1000),
          values: oldestFirst.map((r) => r.temperatureF),
        },
      ];
      chart.update(series, limits?.limits);
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
        device ? statusBadge(device.status) : 'No reading stored yet.',
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
