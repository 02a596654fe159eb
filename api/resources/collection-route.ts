/** A read-only JSON:API collection route: its query schema for OpenAPI, the plan, count and page. */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Knex } from 'knex';
import { pageLinks } from '../links.js';
import {
  knownParameters,
  MAX_PAGE_LIMIT,
  DEFAULT_PAGE_LIMIT,
  parseCollectionQuery,
  type CollectionSpec,
  type QueryPlan,
  type RawQuery,
} from '../query/collection-query.js';
import { collectionSchema, errorSchema, type CollectionDocument, type Resource } from './json-api.js';

export interface CollectionRoute<A> {
  readonly url: string;
  readonly spec: CollectionSpec;
  readonly summary: string;
  readonly description: string;
  readonly tag: string;
  readonly resourceSchema: Record<string, unknown>;
  /** The page's resources and the total, for a plan. */
  readonly fetch: (knex: Knex, plan: QueryPlan) => Promise<{ resources: Resource<A>[]; total: number }>;
}

/** The query string as OpenAPI shows it: every parameter the collection takes, as text. */
export function querySchema(spec: CollectionSpec): Record<string, unknown> {
  const properties: Record<string, unknown> = {};
  for (const [name, filter] of Object.entries(spec.filters)) {
    properties[`filter[${name}]`] = {
      type: 'string',
      description: filter.description + (filter.values ? ` (${filter.values.join(' or ')})` : ''),
      ...(filter.values ? { enum: filter.values } : {}),
    };
  }
  properties.sort = {
    type: 'string',
    description: `comma-separated; - before a name for descending. Sortable: ${Object.keys(spec.sort).join(', ')}. Default: ${spec.defaultSort.join(',')}`,
  };
  properties['page[offset]'] = { type: 'string', description: 'resources to skip (default 0)' };
  properties['page[limit]'] = { type: 'string', description: `resources per page, 1 to ${MAX_PAGE_LIMIT} (default ${DEFAULT_PAGE_LIMIT})` };
  properties[`fields[${spec.type}]`] = { type: 'string', description: `comma-separated attributes to return: ${spec.attributes.join(', ')}` };
  return { type: 'object', properties };
}

export function registerCollection<A extends object>(app: FastifyInstance, knex: Knex, route: CollectionRoute<A>): void {
  app.get(
    route.url,
    {
      schema: {
        summary: route.summary,
        description: `${route.description}\n\nParameters: ${knownParameters(route.spec).join(', ')}. A parameter it does not know, or a value it cannot read, is answered 400 naming the parameter in errors[].source.parameter.`,
        tags: [route.tag],
        querystring: querySchema(route.spec),
        response: { 200: collectionSchema(route.resourceSchema), 400: errorSchema },
      },
    },
    async (request: FastifyRequest) => {
      const query = request.query as RawQuery;
      const plan = parseCollectionQuery(route.spec, query);
      const { resources, total } = await route.fetch(knex, plan);
      const data = plan.fields ? resources.map((r) => ({ ...r, attributes: sparse(r.attributes, plan.fields) })) : resources;
      const document: CollectionDocument<Partial<A>> = {
        data,
        meta: { total, offset: plan.page.offset, limit: plan.page.limit },
        links: pageLinks(request.url.split('?')[0] ?? route.url, query, plan.page, total),
      };
      return document;
    },
  );
}

function sparse<A extends object>(attributes: A, fields: readonly string[] | undefined): Partial<A> {
  if (!fields) return attributes;
  return Object.fromEntries(Object.entries(attributes).filter(([k]) => fields.includes(k))) as Partial<A>;
}
