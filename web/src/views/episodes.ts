/**
 * Episodes: the ones open now (devices out of range at this moment) and the recent ones, each a page
 * at a time. An episode event on the live stream reloads both at once; otherwise every few seconds.
 */
import { getCollection } from '../api.js';
import { h, replaceChildren } from '../dom.js';
import { count, degrees, duration, utc } from '../format.js';
import type { LiveAlerts } from '../live-alerts.js';
import { pager } from '../pager.js';
import { every, REFRESH_MS } from '../refresh.js';
import type { Episode } from '../resources.js';
import { errorBox, type View } from '../view.js';
import { deviceHref } from './devices.js';

export const EPISODE_PAGE = 25;

export function directionBadge(direction: string): HTMLElement {
  return h('span', { class: `direction direction-${direction.toLowerCase()}` }, direction === 'HIGH' ? 'Too warm' : 'Too cold');
}

/** How long it lasted, or has lasted until `now` while open. */
export const episodeLength = (e: Episode, now: number): string =>
  e.status === 'OPEN' ? `${duration(now - Date.parse(e.openedAt))} so far` : duration(e.durationMs);

export function episodeRow(e: Episode, now: number, withDevice = true): HTMLTableRowElement {
  return h(
    'tr',
    { 'data-episode': e.episodeId },
    withDevice ? h('th', { scope: 'row' }, h('a', { href: deviceHref(e.deviceId) }, e.deviceId)) : null,
    h('td', {}, directionBadge(e.direction)),
    h('td', {}, h('span', { class: `episode episode-${e.status.toLowerCase()}` }, e.status === 'OPEN' ? 'Open' : 'Resolved')),
    h('td', {}, utc(e.openedAt)),
    h('td', {}, e.resolvedAt ? utc(e.resolvedAt) : '—'),
    h('td', { class: 'number' }, episodeLength(e, now)),
    h('td', { class: 'number' }, degrees(e.peakTemperatureF)),
    h('td', { class: 'number' }, `${degrees(e.minTemp)} – ${degrees(e.maxTemp)}`),
    h('td', { class: 'number' }, count(e.readings)),
  );
}

export function episodeHead(withDevice = true): HTMLTableSectionElement {
  return h(
    'thead',
    {},
    h(
      'tr',
      {},
      withDevice ? h('th', { scope: 'col' }, 'Device') : null,
      h('th', { scope: 'col' }, 'Direction'),
      h('th', { scope: 'col' }, 'Status'),
      h('th', { scope: 'col' }, 'Opened'),
      h('th', { scope: 'col' }, 'Resolved'),
      h('th', { scope: 'col', class: 'number' }, 'Duration'),
      h('th', { scope: 'col', class: 'number' }, 'Peak'),
      h('th', { scope: 'col', class: 'number' }, 'Range then'),
      h('th', { scope: 'col', class: 'number' }, 'Readings'),
    ),
  );
}

/** One paged table of episodes for a query. */
function episodeTable(id: string, caption: string, empty: string, query: Record<string, string>) {
  let offset = 0;
  const rows = h('tbody');
  const pages = pager(`${caption} pages`, (next) => {
    offset = next;
    reload();
  });
  let reload = (): void => undefined;
  const element = h('div', {}, h('table', { class: 'data', id }, h('caption', { class: 'visually-hidden' }, caption), episodeHead(), rows), pages.element);
  return {
    element,
    onReload(fn: () => void) {
      reload = fn;
    },
    async load(signal: AbortSignal): Promise<number> {
      const page = await getCollection<Episode>('/api/episodes', { ...query, 'page[offset]': offset, 'page[limit]': EPISODE_PAGE }, signal);
      const now = Date.now();
      replaceChildren(rows, ...page.data.map((r) => episodeRow(r.attributes, now)));
      if (page.data.length === 0) rows.append(h('tr', {}, h('td', { colspan: 9, class: 'empty' }, empty)));
      pages.show(page.meta);
      return page.meta.total;
    },
  };
}

export function episodesView(live: LiveAlerts): View {
  const errors = errorBox();
  const openSummary = h('p', { class: 'summary', role: 'status' });
  const open = episodeTable('open-episodes', 'Open episodes, latest opened first', 'No device is out of range now.', {
    'filter[status]': 'OPEN',
    sort: '-openedAt',
  });
  const recent = episodeTable('recent-episodes', 'Recent episodes, latest opened first', 'No episode yet.', { sort: '-openedAt' });
  const refresher = every(
    REFRESH_MS,
    async (signal) => {
      const [openCount] = await Promise.all([open.load(signal), recent.load(signal)]);
      errors.clear();
      openSummary.textContent = `${count(openCount)} open episode${openCount === 1 ? '' : 's'}; updated ${utc(new Date().toISOString())}`;
    },
    (error) => errors.show(error),
  );
  open.onReload(() => refresher.now());
  recent.onReload(() => refresher.now());
  const unsubscribe = live.onEpisode(() => refresher.now());
  const element = h(
    'section',
    { 'aria-labelledby': 'episodes-heading' },
    h('h1', { id: 'episodes-heading' }, 'Episodes'),
    h(
      'p',
      {},
      'An episode runs from the first reading outside MIN..MAX until the device is back inside by the hysteresis. Episode events on the live stream update this page at once.',
    ),
    errors.element,
    h('h2', {}, 'Open now'),
    openSummary,
    open.element,
    h('h2', {}, 'Recent'),
    recent.element,
  );
  return {
    title: 'Episodes',
    element,
    dispose: () => {
      unsubscribe();
      refresher.stop();
    },
  };
}
