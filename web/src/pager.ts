/** Previous/next paging over a JSON:API collection (page[offset], page[limit]) with "1–50 of 3,214". */
import { h, replaceChildren } from './dom.js';
import { count } from './format.js';
import type { CollectionMeta } from './resources.js';

export interface Pager {
  readonly element: HTMLElement;
  show(meta: CollectionMeta): void;
}

export function pager(label: string, go: (offset: number) => void): Pager {
  let meta: CollectionMeta = { total: 0, offset: 0, limit: 1 };
  const range = h('span', { class: 'pager-range', 'aria-live': 'polite' });
  const previous = h('button', { type: 'button', onclick: () => go(Math.max(0, meta.offset - meta.limit)) }, 'Previous');
  const next = h('button', { type: 'button', onclick: () => go(meta.offset + meta.limit) }, 'Next');
  const element = h('nav', { class: 'pager', 'aria-label': label }, previous, range, next);
  return {
    element,
    show(m) {
      meta = m;
      const last = Math.min(m.offset + m.limit, m.total);
      replaceChildren(range, m.total === 0 ? 'none' : `${count(m.offset + 1)}–${count(last)} of ${count(m.total)}`);
      previous.disabled = m.offset === 0;
      next.disabled = last >= m.total;
    },
  };
}
