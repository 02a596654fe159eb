/**
 * The dashboard's entry: a hash router (#/devices, #/devices/<id>, #/episodes, #/alerts,
 * #/dead-letters) so that the server needs no route of its own for the views, and one live
 * connection for all of them. A server that needs a login shows the login form first.
 */
import { getSession, logOut } from './api.js';
import { LiveAlerts } from './live-alerts.js';
import type { View } from './view.js';
import { alertsView } from './views/alerts.js';
import { deadLettersView } from './views/dead-letters.js';
import { deviceView } from './views/device.js';
import { devicesView } from './views/devices.js';
import { episodesView } from './views/episodes.js';
import { loginView } from './views/login.js';
import './style.css';

function required(id: string): HTMLElement {
  const element = document.getElementById(id);
  if (!element) throw new Error(`index.html lacks #${id}`);
  return element;
}
const main = required('main');
const liveStatus = required('live-status');
const badge = required('new-alerts');
const logout = required('log-out') as HTMLButtonElement;

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
  if (path.startsWith('/episodes')) return episodesView(live);
  return devicesView();
}

let current: View | undefined;
function show(view: View): void {
  current?.dispose();
  current = view;
  main.replaceChildren(current.element);
  document.title = `${current.title} · tempstream`;
  for (const link of document.querySelectorAll<HTMLAnchorElement>('nav a')) {
    const active = location.hash.startsWith(link.hash) || (link.hash === '#/devices' && (location.hash === '' || location.hash === '#/'));
    if (active) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
}
const route = (): void => show(viewFor(location.hash));

let started = false;
function start(): void {
  if (started) return;
  started = true;
  live.connect();
  window.addEventListener('hashchange', () => {
    route();
    // Move focus to the new view so keyboard and screen-reader users start there.
    main.focus();
  });
  route();
}

logout.addEventListener('click', () => {
  void logOut().finally(() => location.reload());
});

getSession()
  .then((session) => {
    logout.hidden = !(session.tokenRequired && session.authenticated);
    if (!session.tokenRequired || session.authenticated) return start();
    liveStatus.textContent = 'Live alerts: log in first';
    show(
      loginView(() => {
        logout.hidden = false;
        start();
      }),
    );
  })
  // A server older than /api/session: no login to offer.
  .catch(() => start());
