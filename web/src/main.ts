/**
 * The dashboard's entry: a hash router (#/devices, #/devices/<id>, #/alerts, #/dead-letters) so that
 * the server needs no route of its own for the views, and one live alert connection for all of them.
 */
import { LiveAlerts } from './live-alerts.js';
import type { View } from './view.js';
import { alertsView } from './views/alerts.js';
import { deadLettersView } from './views/dead-letters.js';
import { deviceView } from './views/device.js';
import { devicesView } from './views/devices.js';
import './style.css';

function required(id: string): HTMLElement {
  const element = document.getElementById(id);
  if (!element) throw new Error(`index.html lacks #${id}`);
  return element;
}
const main = required('main');
const liveStatus = required('live-status');
const badge = required('new-alerts');

const live = new LiveAlerts();
const LIVE_TEXT = { connecting: 'Live alerts: connecting…', connected: 'Live alerts: connected', reconnecting: 'Live alerts: reconnecting…' } as const;
live.onState((state) => {
  liveStatus.textContent = LIVE_TEXT[state];
  liveStatus.dataset.state = state;
});
let unseen = 0;
live.subscribe(() => {
  if (location.hash.startsWith('#/alerts')) return;
  unseen += 1;
  badge.textContent = `${unseen} new`;
  badge.hidden = false;
});
live.connect();

function viewFor(hash: string): View {
  const path = hash.replace(/^#/, '') || '/devices';
  const device = /^\/devices\/(.+)$/.exec(path);
  if (device?.[1]) return deviceView(decodeURIComponent(device[1]));
  if (path.startsWith('/alerts')) {
    unseen = 0;
    badge.hidden = true;
    return alertsView(live);
  }
  if (path.startsWith('/dead-letters')) return deadLettersView();
  return devicesView();
}

let current: View | undefined;
function route(): void {
  current?.dispose();
  current = viewFor(location.hash);
  main.replaceChildren(current.element);
  document.title = `${current.title} · tempstream`;
  for (const link of document.querySelectorAll<HTMLAnchorElement>('nav a')) {
    const active = location.hash.startsWith(link.hash) || (link.hash === '#/devices' && (location.hash === '' || location.hash === '#/'));
    if (active) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
}
window.addEventListener('hashchange', () => {
  route();
  // Move focus to the new view so keyboard and screen-reader users start there.
  main.focus();
});
route();
