/**
 * Devices at a glance: one row per device with its last reading and status, a page at a time, with a
 * search by id and a status filter, so that a fleet of thousands is as usable as the demo's ten.
 */
import { getCollection } from '../api.js';
import { h, replaceChildren } from '../dom.js';
import { ago, count, degrees, utc } from '../format.js';
import { pager } from '../pager.js';
import { every, REFRESH_MS } from '../refresh.js';
import type { Device, DeviceStatus } from '../resources.js';
import { errorBox, type View } from '../view.js';

export const PAGE_SIZE = 50;

const SORTS: readonly { value: string; label: string }[] = [
  { value: 'deviceId', label: 'Device id' },
  { value: '-lastReadingTime', label: 'Latest reading first' },
  { value: '-lastTemperatureF', label: 'Warmest first' },
  { value: 'lastTemperatureF', label: 'Coldest first' },
];

export function statusBadge(status: DeviceStatus): HTMLElement {
  return h('span', { class: `status status-${status}` }, status === 'in-range' ? 'In range' : 'Out of range');
}

/** The status badge, then an open episode and silence when the API reports them. */
export function deviceBadges(d: Device): HTMLElement {
  return h(
    'span',
    { class: 'badges' },
    statusBadge(d.status),
    d.openEpisode
      ? h(
          'span',
          { class: 'episode episode-open', title: `Open since ${utc(d.openEpisode.openedAt)}, peak ${degrees(d.openEpisode.peakTemperatureF)}` },
          `Open episode (${d.openEpisode.direction === 'HIGH' ? 'too warm' : 'too cold'})`,
        )
      : null,
    d.silent ? h('span', { class: 'silent', title: `Last heard ${utc(d.silentSince)}` }, 'Silent') : null,
  );
}

export const deviceHref = (deviceId: string): string => `#/devices/${encodeURIComponent(deviceId)}`;

export function devicesView(): View {
  const state = { search: '', status: '', sort: 'deviceId', offset: 0 };
  const errors = errorBox();
  const rows = h('tbody');
  const summary = h('p', { class: 'summary', role: 'status' });
  const pages = pager('Device pages', (offset) => {
    state.offset = offset;
    refresher.now();
  });

  let debounce: ReturnType<typeof setTimeout> | undefined;
  const search = h('input', {
    id: 'device-search',
    type: 'search',
    autocomplete: 'off',
    spellcheck: 'false',
    oninput: () => {
      clearTimeout(debounce);
      debounce = setTimeout(() => {
        state.search = search.value.trim();
        state.offset = 0;
        refresher.now();
      }, 250);
    },
  });
  const status = h(
    'select',
    {
      id: 'device-status',
      onchange: () => {
        state.status = status.value;
        state.offset = 0;
        refresher.now();
      },
    },
    h('option', { value: '' }, 'Any'),
    h('option', { value: 'in-range' }, 'In range'),
    h('option', { value: 'out-of-range' }, 'Out of range'),
  );
  const sort = h(
    'select',
    {
      id: 'device-sort',
      onchange: () => {
        state.sort = sort.value;
        state.offset = 0;
        refresher.now();
      },
    },
    ...SORTS.map((s) => h('option', { value: s.value }, s.label)),
  );

  const render = (devices: readonly Device[]): void => {
    const now = Date.now();
    replaceChildren(
      rows,
      ...devices.map((d) =>
        h(
          'tr',
          { 'data-device': d.deviceId },
          h('th', { scope: 'row' }, h('a', { href: deviceHref(d.deviceId) }, d.deviceId)),
          h('td', {}, deviceBadges(d)),
          h('td', { class: 'number' }, degrees(d.lastTemperatureF)),
          h('td', {}, h('time', { datetime: d.lastReadingTime, title: utc(d.lastReadingTime) }, ago(d.lastReadingTime, now))),
          h('td', { class: 'number' }, count(d.readingCount)),
        ),
      ),
    );
    if (devices.length === 0)
      rows.append(h('tr', {}, h('td', { colspan: 5, class: 'empty' }, state.search || state.status ? 'No device matches.' : 'No readings stored yet.')));
  };

  const refresher = every(
    REFRESH_MS,
    async (signal) => {
      const page = await getCollection<Device>(
        '/api/devices',
        { 'filter[search]': state.search, 'filter[status]': state.status, sort: state.sort, 'page[offset]': state.offset, 'page[limit]': PAGE_SIZE },
        signal,
      );
      errors.clear();
      render(page.data.map((r) => r.attributes));
      pages.show(page.meta);
      summary.textContent = `${count(page.meta.total)} device${page.meta.total === 1 ? '' : 's'}${state.search ? ` matching “${state.search}”` : ''}; updated ${utc(new Date().toISOString())}`;
    },
    (error) => errors.show(error),
  );

  const element = h(
    'section',
    { 'aria-labelledby': 'devices-heading' },
    h('h1', { id: 'devices-heading' }, 'Devices'),
    h(
      'form',
      { class: 'filters', role: 'search', onsubmit: (e: Event) => e.preventDefault() },
      h('label', { for: 'device-search' }, 'Search device id'),
      search,
      h('label', { for: 'device-status' }, 'Status'),
      status,
      h('label', { for: 'device-sort' }, 'Sort'),
      sort,
    ),
    errors.element,
    summary,
    h(
      'table',
      { class: 'data' },
      h(
        'caption',
        { class: 'visually-hidden' },
        'Devices with their latest reading; out of range means outside MIN..MAX; an open episode or silence shows beside the status',
      ),
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          h('th', { scope: 'col' }, 'Device'),
          h('th', { scope: 'col' }, 'Status'),
          h('th', { scope: 'col', class: 'number' }, 'Last reading'),
          h('th', { scope: 'col' }, 'When'),
          h('th', { scope: 'col', class: 'number' }, 'Readings'),
        ),
      ),
      rows,
    ),
    pages.element,
  );
  return {
    title: 'Devices',
    element,
    dispose: () => {
      clearTimeout(debounce);
      refresher.stop();
    },
  };
}
