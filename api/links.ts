/** JSON:API paging links: the request's own query with page[offset] moved. */
import type { RawQuery } from './query/collection-query.js';

export interface PageLinks {
  readonly self: string;
  readonly first: string;
  readonly last: string;
  readonly prev: string | null;
  readonly next: string | null;
}

export function pageLinks(path: string, query: RawQuery, page: { offset: number; limit: number }, total: number): PageLinks {
  const at = (offset: number): string => {
    const params = new URLSearchParams();
    for (const [name, value] of Object.entries(query)) {
      if (typeof value === 'string' && name !== 'page[offset]' && name !== 'page[limit]') params.set(name, value);
    }
    params.set('page[offset]', String(offset));
    params.set('page[limit]', String(page.limit));
    return `${path}?${params.toString()}`;
  };
  const lastOffset = total === 0 ? 0 : Math.floor((total - 1) / page.limit) * page.limit;
  return {
    self: at(page.offset),
    first: at(0),
    last: at(lastOffset),
    prev: page.offset > 0 ? at(Math.max(0, page.offset - page.limit)) : null,
    next: page.offset + page.limit < total ? at(page.offset + page.limit) : null,
  };
}
