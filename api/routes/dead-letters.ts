/** /api/dead-letters: list, show, and re-drive (token required) the pipeline's dead letters. */
import type { FastifyInstance } from 'fastify';
import type { DeadLetterFilter, DeadLetterTools, DeadLetterView, RedriveResult } from '../../app/index.js';
import { DLQ_TOPICS } from '../../app/index.js';
import type { DeadLetterPosition } from '../../sinks/index.js';
import { requireToken, type TokenSettings } from '../auth.js';
import { ApiError, ParameterError } from '../errors.js';
import { pageLinks } from '../links.js';
import { knownParameters, parseCollectionQuery, type CollectionSpec, type PlannedFilter, type RawQuery } from '../query/collection-query.js';
import { querySchema } from '../resources/collection-route.js';
import { collectionSchema, errorSchema, nullableString, resourceSchema } from '../resources/json-api.js';

export const DEAD_LETTERS: CollectionSpec = {
  type: 'dead-letters',
  filters: {
    topic: { kind: 'enum', column: 'topic', op: 'eq', description: 'one DLQ topic only', values: DLQ_TOPICS },
    rule: { kind: 'text', column: 'rule', op: 'eq', description: 'the rule that refused the record (dlq.error.rule)', maxLength: 256 },
    errorClass: {
      kind: 'text',
      column: 'errorClass',
      op: 'eq',
      description: 'the error class (dlq.error.class): deserialization, validation, processing, sink, production',
      maxLength: 64,
    },
    from: { kind: 'time', column: 'from', op: 'gte', description: 'failed at or after (ISO-8601 with a zone, or epoch ms)' },
    to: { kind: 'time', column: 'to', op: 'lte', description: 'failed at or before' },
    sourceTopic: { kind: 'text', column: 'sourceTopic', op: 'eq', description: 'the topic the record came from', maxLength: 249 },
    sourcePartition: { kind: 'number', column: 'sourcePartition', op: 'eq', description: 'its partition there' },
    minSourceOffset: { kind: 'text', column: 'minSourceOffset', op: 'gte', description: 'its offset there, at least', maxLength: 20 },
    maxSourceOffset: { kind: 'text', column: 'maxSourceOffset', op: 'lte', description: 'its offset there, at most', maxLength: 20 },
  },
  sort: { failedAt: 'failedAt' },
  defaultSort: ['failedAt'],
  tiebreakColumn: 'failedAt',
  attributes: ['topic', 'partition', 'offset', 'timestamp', 'reason', 'headers', 'key', 'valueBase64', 'valueSize', 'decoded', 'redrive'],
};

/** The filter[...] parameters as the tools' filter; throws ParameterError naming a bad one. */
export function deadLetterFilterOf(filters: readonly PlannedFilter[]): { filter: DeadLetterFilter; topic?: string } {
  const filter: Record<string, string | number> = {};
  let topic: string | undefined;
  for (const f of filters) {
    const parameter = `filter[${f.name}]`;
    if (f.name === 'topic') topic = String(f.value);
    else if (f.name === 'sourcePartition' && !(Number.isInteger(f.value) && Number(f.value) >= 0))
      throw new ParameterError(parameter, 'expected a partition number (0 or more)');
    else if ((f.name === 'minSourceOffset' || f.name === 'maxSourceOffset') && !/^\d+$/.test(String(f.value)))
      throw new ParameterError(parameter, 'expected an offset (a whole number)');
    if (f.name !== 'topic') filter[f.name] = f.value;
  }
  return { filter: filter, ...(topic === undefined ? {} : { topic }) };
}

export interface DeadLetterAttributes {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  readonly timestamp: string;
  readonly reason: DeadLetterView['reason'];
  readonly headers: Readonly<Record<string, string>>;
  readonly key: string | null;
  readonly valueBase64: string | null;
  readonly valueSize: number;
  readonly decoded: { ok: boolean; value?: unknown; error?: string } | null;
  readonly redrive: { by: string; redrivenAt: string; producedAt: string | null; sourceTopic: string } | null;
}

export const positionId = (p: DeadLetterPosition): string => `${p.topic}/${p.partition}/${p.offset}`;

export function deadLetterResource(letter: DeadLetterView): { type: 'dead-letters'; id: string; attributes: DeadLetterAttributes } {
  return {
    type: 'dead-letters',
    id: positionId(letter.position),
    attributes: {
      topic: letter.position.topic,
      partition: letter.position.partition,
      offset: letter.position.offset,
      timestamp: new Date(letter.timestamp).toISOString(),
      reason: letter.reason,
      headers: letter.headers,
      key: letter.key === null ? null : letter.key.toString('utf8'),
      valueBase64: letter.value === null ? null : letter.value.toString('base64'),
      valueSize: letter.value?.length ?? 0,
      decoded: letter.decoded ? { ...letter.decoded } : null,
      redrive: letter.redrive
        ? {
            by: letter.redrive.by,
            redrivenAt: letter.redrive.redrivenAt,
            producedAt: letter.redrive.producedAt ?? null,
            sourceTopic: letter.redrive.sourceTopic,
          }
        : null,
    },
  };
}

const reasonSchema = {
  type: 'object',
  description: 'from the dlq.* headers',
  properties: {
    sourceTopic: { type: 'string' },
    sourcePartition: { type: 'integer' },
    sourceOffset: { type: 'string' },
    errorClass: { type: 'string' },
    errorMessage: { type: 'string' },
    rule: { type: 'string' },
    node: { type: 'string' },
    schemaId: { type: 'integer' },
    failedAt: { type: 'string', format: 'date-time' },
    valueOmitted: { type: 'boolean' },
  },
};

const deadLetterSchema = resourceSchema(
  'dead-letters',
  {
    topic: { type: 'string' },
    partition: { type: 'integer' },
    offset: { type: 'string' },
    timestamp: { type: 'string', format: 'date-time' },
    reason: reasonSchema,
    headers: { type: 'object', additionalProperties: { type: 'string' }, description: "the original record's headers (no dlq.* header)" },
    key: { ...nullableString, description: 'the key as UTF-8 text' },
    valueBase64: { ...nullableString, description: 'the original value bytes' },
    valueSize: { type: 'integer' },
    decoded: {
      type: ['object', 'null'],
      description: "the value decoded as its source topic's format; null when not decodable by format",
      properties: { ok: { type: 'boolean' }, value: {}, error: { type: 'string' } },
    },
    redrive: {
      type: ['object', 'null'],
      description: 'set once re-driven',
      properties: {
        by: { type: 'string' },
        redrivenAt: { type: 'string', format: 'date-time' },
        producedAt: { ...nullableString, format: 'date-time' },
        sourceTopic: { type: 'string' },
      },
    },
  },
  'A record that was dead-lettered, id topic/partition/offset',
);

const positionSchema = {
  type: 'object',
  required: ['topic', 'partition', 'offset'],
  additionalProperties: false,
  properties: { topic: { type: 'string', enum: DLQ_TOPICS }, partition: { type: 'integer', minimum: 0 }, offset: { type: 'string', pattern: '^[0-9]{1,19}$' } },
};

const redriveFilterSchema = {
  type: 'object',
  additionalProperties: false,
  description: 'the same filters as GET /api/dead-letters, without the filter[] brackets',
  properties: Object.fromEntries(Object.entries(DEAD_LETTERS.filters).map(([name, f]) => [name, { type: 'string', description: f.description }])),
};

export interface RedriveBody {
  readonly deadLetters?: DeadLetterPosition[];
  readonly filter?: Record<string, string>;
}

export function registerDeadLetters(app: FastifyInstance, tools: DeadLetterTools, auth: TokenSettings, options: { maxRecords: number }): void {
  app.get(
    '/api/dead-letters',
    {
      schema: {
        summary: 'Dead letters of the pipeline',
        description:
          `Reads the DLQ topics (${DLQ_TOPICS.join(', ')}) from their beginning to their end as it was when the request came, at most ${options.maxRecords} records (meta.complete is false when the limit or 30 s stopped the read), filters, then pages. ` +
          `Parameters: ${knownParameters(DEAD_LETTERS).join(', ')}.`,
        tags: ['dead-letters'],
        querystring: querySchema(DEAD_LETTERS),
        response: { 200: withScanMeta(collectionSchema(deadLetterSchema)), 400: errorSchema },
      },
    },
    async (request) => {
      const query = request.query as RawQuery;
      const plan = parseCollectionQuery(DEAD_LETTERS, query);
      const { filter, topic } = deadLetterFilterOf(plan.filters);
      const listed = await tools.list(filter, { maxRecords: options.maxRecords, ...(topic ? { topics: [topic] } : {}) });
      const letters = plan.sort[0]?.descending ? [...listed.letters].reverse() : listed.letters;
      const page = letters.slice(plan.page.offset, plan.page.offset + plan.page.limit).map(deadLetterResource);
      const data = plan.fields
        ? page.map((r) => ({ ...r, attributes: Object.fromEntries(Object.entries(r.attributes).filter(([k]) => plan.fields?.includes(k))) }))
        : page;
      return {
        data,
        meta: { total: letters.length, offset: plan.page.offset, limit: plan.page.limit, scanned: listed.scanned, complete: listed.complete },
        links: pageLinks(request.url.split('?')[0] ?? '/api/dead-letters', query, plan.page, letters.length),
      };
    },
  );

  app.get(
    '/api/dead-letters/:topic/:partition/:offset',
    {
      schema: {
        summary: 'One dead letter',
        tags: ['dead-letters'],
        params: positionSchema,
        response: { 200: { type: 'object', required: ['data'], properties: { data: deadLetterSchema } }, 400: errorSchema, 404: errorSchema },
      },
    },
    async (request) => {
      const position = request.params as DeadLetterPosition;
      const letter = await tools.show(position);
      if (!letter) throw new ApiError(404, 'Not Found', `no dead letter at ${positionId(position)}`);
      return { data: deadLetterResource(letter) };
    },
  );

  app.post(
    '/api/dead-letters/redrive',
    {
      schema: {
        summary: 'Re-drive dead letters to their source topic (token required)',
        description:
          "Copies each chosen dead letter's original key, value and headers (without the dlq.* headers) back to the topic it came from, and records the re-drive (table dead_letter_redrive: position, source, by whom, when). " +
          'A dead letter re-driven before is not sent again: its outcome is already-redriven. Give either `deadLetters` (positions) or `filter` (every match). Needs Authorization: Bearer <API_TOKEN>.',
        tags: ['dead-letters'],
        security: [{ bearerAuth: [] }],
        body: {
          type: 'object',
          additionalProperties: false,
          minProperties: 1,
          maxProperties: 1,
          properties: { deadLetters: { type: 'array', minItems: 1, maxItems: 1000, items: positionSchema }, filter: redriveFilterSchema },
        },
        response: { 200: redriveResponseSchema, 400: errorSchema, 401: errorSchema, 403: errorSchema },
      },
    },
    async (request) => {
      const by = requireToken(auth, request.headers.authorization);
      const body = request.body as RedriveBody;
      let results: RedriveResult[];
      if (body.deadLetters) {
        results = await tools.redrive({ positions: body.deadLetters, by });
      } else {
        const raw = Object.fromEntries(Object.entries(body.filter ?? {}).map(([k, v]) => [`filter[${k}]`, v]));
        const plan = parseCollectionQuery(DEAD_LETTERS, raw);
        const { filter, topic } = deadLetterFilterOf(plan.filters);
        const positions = topic ? (await tools.list(filter, { topics: [topic], maxRecords: options.maxRecords })).letters.map((l) => l.position) : undefined;
        results = await tools.redrive(positions ? { positions, by } : { filter, by });
      }
      const counts: Record<string, number> = { redriven: 0, 'already-redriven': 0, 'not-found': 0, refused: 0, failed: 0 };
      for (const r of results) counts[r.outcome] = (counts[r.outcome] ?? 0) + 1;
      return {
        data: results.map((r) => ({
          type: 'redrives',
          id: positionId(r.position),
          attributes: {
            topic: r.position.topic,
            partition: r.position.partition,
            offset: r.position.offset,
            outcome: r.outcome,
            sourceTopic: r.sourceTopic ?? null,
            detail: r.detail ?? null,
            previous: r.previous ? { by: r.previous.by, redrivenAt: r.previous.redrivenAt } : null,
          },
        })),
        meta: counts,
      };
    },
  );
}

function withScanMeta(schema: Record<string, unknown>): Record<string, unknown> {
  const properties = schema.properties as Record<string, Record<string, unknown>>;
  const meta = properties.meta as { properties: Record<string, unknown> };
  return {
    ...schema,
    properties: {
      ...properties,
      meta: {
        ...meta,
        properties: {
          ...meta.properties,
          scanned: { type: 'integer', description: 'dead letters read' },
          complete: { type: 'boolean', description: 'false: the read stopped at its limit' },
        },
      },
    },
  };
}

const redriveResponseSchema = {
  type: 'object',
  required: ['data', 'meta'],
  properties: {
    data: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          type: { type: 'string', enum: ['redrives'] },
          id: { type: 'string' },
          attributes: {
            type: 'object',
            properties: {
              topic: { type: 'string' },
              partition: { type: 'integer' },
              offset: { type: 'string' },
              outcome: { type: 'string', enum: ['redriven', 'already-redriven', 'not-found', 'refused', 'failed'] },
              sourceTopic: nullableString,
              detail: nullableString,
              previous: { type: ['object', 'null'], properties: { by: { type: 'string' }, redrivenAt: { type: 'string' } } },
            },
          },
        },
      },
    },
    meta: {
      type: 'object',
      description: 'how many of each outcome',
      properties: Object.fromEntries(['redriven', 'already-redriven', 'not-found', 'refused', 'failed'].map((k) => [k, { type: 'integer' }])),
    },
  },
};
