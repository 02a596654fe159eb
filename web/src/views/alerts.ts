/**
 * Recent alerts: the latest stored ones, and above them each new alert as the live stream brings it
 * (no reload). A live alert that the alert consumer then stores is not shown twice.
 */
import { getCollection } from '../api.js';
import { h } from '../dom.js';
import { degrees, utc } from '../format.js';
import { alertKey, type LiveAlerts } from '../live-alerts.js';
import type { Alert, Resource } from '../resources.js';
import { errorBox, type View } from '../view.js';
import { deviceHref } from './devices.js';

const STORED = 50;
const SHOWN = 200;

function alertRow(a: Alert, live: boolean): HTMLTableRowElement {
  return h(
    'tr',
    { 'data-alert': alertKey(a), class: live ? 'live' : undefined },
    h('td', {}, live ? h('span', { class: 'tag-live' }, 'new') : 'stored'),
    h('td', {}, utc(a.readingTime)),
    h('th', { scope: 'row' }, h('a', { href: deviceHref(a.deviceId) }, a.deviceId)),
    h('td', {}, h('span', { class: `direction direction-${a.direction.toLowerCase()}` }, a.direction === 'HIGH' ? 'Too warm' : 'Too cold')),
    h('td', { class: 'number' }, degrees(a.temperatureF)),
    h('td', { class: 'number' }, `${degrees(a.minTemp)} – ${degrees(a.maxTemp)}`),
    h('td', {}, a.rule),
  );
}

export function alertsView(live: LiveAlerts): View {
  const errors = errorBox();
  const rows = h('tbody', { 'aria-live': 'polite', 'aria-relevant': 'additions' });
  const shown = new Set<string>();
  const add = (alert: Resource<Alert>, isLive: boolean, atTop: boolean): void => {
    const key = alertKey(alert.attributes);
    if (shown.has(key)) return;
    shown.add(key);
    const row = alertRow(alert.attributes, isLive);
    if (atTop) rows.prepend(row);
    else rows.append(row);
    while (rows.rows.length > SHOWN) rows.lastElementChild?.remove();
  };
  // Live ones first (they are the newest), then the stored ones below them.
  for (const alert of live.received) add(alert, true, false);
  const unsubscribe = live.subscribe((alert) => add(alert, true, true));
  const controller = new AbortController();
  getCollection<Alert>('/api/alerts', { sort: '-createdAt', 'page[limit]': STORED }, controller.signal)
    .then((stored) => {
      for (const alert of stored.data) add(alert, false, false);
    })
    .catch((error: unknown) => {
      if (!controller.signal.aborted) errors.show(error);
    });

  const element = h(
    'section',
    { 'aria-labelledby': 'alerts-heading' },
    h('h1', { id: 'alerts-heading' }, 'Alerts'),
    h('p', {}, `New alerts appear at the top as the pipeline raises them; below them the latest ${STORED} stored.`),
    errors.element,
    h(
      'table',
      { class: 'data', id: 'alerts-table' },
      h('caption', { class: 'visually-hidden' }, 'Recent alerts, newest first'),
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          h('th', { scope: 'col' }, ''),
          h('th', { scope: 'col' }, 'Reading time'),
          h('th', { scope: 'col' }, 'Device'),
          h('th', { scope: 'col' }, 'Direction'),
          h('th', { scope: 'col', class: 'number' }, 'Temperature'),
          h('th', { scope: 'col', class: 'number' }, 'Range then'),
          h('th', { scope: 'col' }, 'Rule'),
        ),
      ),
      rows,
    ),
  );
  return {
    title: 'Alerts',
    element,
    dispose: () => {
      unsubscribe();
      controller.abort();
    },
  };
}
