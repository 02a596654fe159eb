/** The JSON:API document shapes the read API answers with, and their JSON schemas for OpenAPI. */
import type { PageLinks } from '../links.js';

export interface Resource<A> {
  readonly type: string;
  readonly id: string;
  readonly attributes: A;
  readonly links?: Readonly<Record<string, string>>;
}

export interface CollectionDocument<A> {
  readonly data: readonly Resource<A>[];
  readonly meta: { readonly total: number; readonly offset: number; readonly limit: number };
  readonly links: PageLinks;
}

type JsonSchema = Record<string, unknown>;

export const nullableString = { type: ['string', 'null'] } as const;

export function resourceSchema(type: string, attributes: JsonSchema, description: string): JsonSchema {
  return {
    type: 'object',
    description,
    required: ['type', 'id', 'attributes'],
    properties: {
      type: { type: 'string', enum: [type] },
      id: { type: 'string' },
      // Not all required: fields[type] may leave any out.
      attributes: { type: 'object', properties: attributes },
      links: { type: 'object', additionalProperties: { type: 'string' } },
    },
  };
}

export const pageLinksSchema: JsonSchema = {
  type: 'object',
  required: ['self', 'first', 'last', 'prev', 'next'],
  properties: {
    self: { type: 'string' },
    first: { type: 'string' },
    last: { type: 'string' },
    prev: { ...nullableString, description: 'null on the first page' },
    next: { ...nullableString, description: 'null on the last page' },
  },
};

export function collectionSchema(resource: JsonSchema): JsonSchema {
  return {
    type: 'object',
    required: ['data', 'meta', 'links'],
    properties: {
      data: { type: 'array', items: resource },
      meta: {
        type: 'object',
        required: ['total', 'offset', 'limit'],
        properties: { total: { type: 'integer', description: 'matching resources in all pages' }, offset: { type: 'integer' }, limit: { type: 'integer' } },
      },
      links: pageLinksSchema,
    },
  };
}

export const errorSchema: JsonSchema = {
  type: 'object',
  description: 'JSON:API errors',
  required: ['errors'],
  properties: {
    errors: {
      type: 'array',
      items: {
        type: 'object',
        required: ['status', 'title'],
        properties: {
          status: { type: 'string' },
          title: { type: 'string' },
          detail: { type: 'string' },
          source: { type: 'object', properties: { parameter: { type: 'string', description: 'the query parameter at fault' }, pointer: { type: 'string' } } },
        },
      },
    },
  },
};
