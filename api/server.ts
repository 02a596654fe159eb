/**
 * The HTTP server of `tempstream serve`: the read API over the tables, live alerts, the dead-letter
 * tools, the OpenAPI document (/openapi.json) and its interactive page (/docs), and the dashboard's
 * files from web/dist when they are there.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import cors from '@fastify/cors';
import rateLimit from '@fastify/rate-limit';
import fastifyStatic from '@fastify/static';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import Fastify, { type FastifyBaseLogger, type FastifyError, type FastifyInstance } from 'fastify';
import type { Knex } from 'knex';
import type { DeadLetterTools } from '../app/index.js';
import { noAlertFeed, type AlertFeed } from './alert-feed.js';
import { isLoopback, requireToken, type TokenSettings } from './auth.js';
import { ApiError, errorDocument } from './errors.js';
import { alertsRoute } from './resources/alerts.js';
import { registerCollection } from './resources/collection-route.js';
import { devicesRoute, type RangeLimits } from './resources/devices.js';
import { readingsRoute } from './resources/readings.js';
import { registerDeadLetters } from './routes/dead-letters.js';
import { episodesRoute } from './resources/episodes.js';
import { rollupsRoute } from './resources/rollups.js';
import { registerEvents } from './routes/events.js';
import { registerSession, sessionOf } from './routes/session.js';
import { SESSION_COOKIE, SessionStore } from './session.js';

export interface ApiSecurity {
  /** Where it listens; only a loopback address may go without a token. */
  readonly host: string;
  readonly token?: string;
  /** Recorded as who re-drove with the token. */
  readonly tokenName: string;
  /** An origin allowed to call from a browser; undefined: no CORS headers at all. */
  readonly corsOrigin?: string;
}

export interface ApiServerOptions {
  readonly knex: Knex;
  readonly limits: RangeLimits;
  readonly security: ApiSecurity;
  /** Undefined: no /api/dead-letters routes. */
  readonly deadLetters?: DeadLetterTools;
  readonly alertFeed?: AlertFeed;
  /** Most dead letters one request reads (default 10,000). */
  readonly maxDeadLetters?: number;
  /** A pino logger; undefined: no request log. */
  readonly logger?: FastifyBaseLogger;
  /** The dashboard's built files; default web/dist beside api/ when it exists. */
  readonly webRoot?: string;
  readonly heartbeatMs?: number;
  readonly version?: string;
}

/** Raised before anything listens: the message names the setting, never the token. */
export class ApiSecurityError extends Error {}

export function checkSecurity(security: ApiSecurity): void {
  if (!isLoopback(security.host) && !security.token) {
    throw new ApiSecurityError(`API_HOST ${security.host} is beyond this machine: set API_TOKEN (then every route needs it), or bind 127.0.0.1`);
  }
  if (security.token !== undefined && security.token.length < 16) throw new ApiSecurityError('API_TOKEN: at least 16 characters');
}

/** Routes open to anyone even when every other needs the token: they say nothing about the data. */
const OPEN_PATHS = new Set(['/healthz', '/api/session']);

/**
 * Whether a request may go without the token or a session where every route needs one: the open
 * routes, and the dashboard's own files (GET outside /api/, /docs and /openapi.json), which hold no
 * data and must load to show the login form.
 */
export function isOpenRequest(method: string, path: string): boolean {
  if (OPEN_PATHS.has(path)) return true;
  const reads = method === 'GET' || method === 'HEAD';
  return reads && !path.startsWith('/api/') && path !== '/api' && !path.startsWith('/docs') && path !== '/openapi.json';
}

export async function buildApiServer(options: ApiServerOptions): Promise<FastifyInstance> {
  checkSecurity(options.security);
  const auth: TokenSettings = { token: options.security.token, name: options.security.tokenName };
  const tokenEverywhere = !isLoopback(options.security.host);
  const feed = options.alertFeed ?? noAlertFeed;
  const app = Fastify({
    ...(options.logger ? { loggerInstance: options.logger } : { logger: false }),
    // Query strings such as filter[device]=x stay flat keys; the API parses them itself.
    routerOptions: { maxParamLength: 300 },
    bodyLimit: 1024 * 1024,
    forceCloseConnections: 'idle',
  });

  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (error instanceof ApiError) return reply.status(error.status).send(error.toDocument());
    if (error.validation) {
      const first = error.validation[0];
      const where = error.validationContext ?? 'request';
      const property = first?.instancePath
        ? first.instancePath.replace(/^\//, '').split('/')[0]
        : (first?.params as { missingProperty?: string } | undefined)?.missingProperty;
      const parameter = where === 'querystring' || where === 'params' ? property : undefined;
      const detail = `${where}${first?.instancePath ?? ''} ${first?.message ?? 'is not valid'}`;
      return reply.status(400).send({
        errors: [
          {
            status: '400',
            title: where === 'body' ? 'Invalid request body' : 'Invalid parameter',
            detail,
            source: parameter ? { parameter } : { pointer: first?.instancePath || '/' },
          },
        ],
      });
    }
    const status = error.statusCode ?? 500;
    if (status >= 400 && status < 500) return reply.status(status).send(errorDocument(status, error.code ?? 'Bad Request', error.message));
    request.log.error({ err: error }, 'request failed');
    return reply.status(500).send(errorDocument(500, 'Internal Server Error', 'the server could not answer; its log says why'));
  });
  const webRoot = options.webRoot ?? defaultWebRoot();
  const serveWeb = webRoot !== undefined && existsSync(`${webRoot}/index.html`);
  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?')[0] ?? '';
    // A client-side route (/devices/x) loads the dashboard; unknown /api/ paths stay 404 JSON.
    if (serveWeb && request.method === 'GET' && !path.startsWith('/api/')) return reply.sendFile('index.html');
    return reply.status(404).send(errorDocument(404, 'Not Found', `no route ${request.method} ${path}`));
  });

  const sessions = new SessionStore();
  if (tokenEverywhere) {
    app.addHook('onRequest', (request, _reply, done) => {
      try {
        const path = request.url.split('?')[0] ?? '';
        // A session (the browser's cookie) lets a request read; writes check the token header again in their route.
        if (!isOpenRequest(request.method, path) && !sessions.isValid(sessionOf(request))) requireToken(auth, request.headers.authorization);
        done();
      } catch (err) {
        done(err as Error);
      }
    });
  }
  if (options.security.corsOrigin) await app.register(cors, { origin: options.security.corsOrigin, allowedHeaders: ['Authorization', 'Content-Type'] });

  // Only the routes that ask for it (the login, routes/session.ts) are limited.
  await app.register(rateLimit, { global: false });
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'tempstream API',
        version: options.version ?? '0',
        description:
          "Read API over the pipeline's tables in the JSON:API conventions (data/type/id/attributes, meta.total, links, errors[].source.parameter), live alerts as server-sent events, and the dead-letter tools. " +
          "Device status is derived from the tables the pipeline writes, not from state stores. Writes need Authorization: Bearer <API_TOKEN>; a server bound beyond localhost needs it (or, for reading, a session cookie from POST /api/session) on every route but /healthz, /api/session and the dashboard's own files.",
      },
      components: {
        securitySchemes: {
          bearerAuth: { type: 'http', scheme: 'bearer', description: 'API_TOKEN' },
          sessionCookie: { type: 'apiKey', in: 'cookie', name: SESSION_COOKIE, description: 'from POST /api/session; reads only' },
        },
      },
      ...(tokenEverywhere ? { security: [{ bearerAuth: [] }, { sessionCookie: [] }] } : {}),
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });

  app.get('/openapi.json', { schema: { hide: true } }, () => app.swagger());
  app.get(
    '/healthz',
    {
      schema: {
        summary: 'Liveness, and whether the live alert feed has joined',
        tags: ['ops'],
        response: {
          200: { type: 'object', properties: { status: { type: 'string' }, alertFeed: { type: 'string', enum: ['off', 'starting', 'joined', 'stopped'] } } },
        },
      },
    },
    () => ({ status: 'ok', alertFeed: feed.state }),
  );
  registerCollection(app, options.knex, readingsRoute);
  registerCollection(app, options.knex, alertsRoute);
  registerCollection(app, options.knex, devicesRoute(options.limits));
  registerCollection(app, options.knex, episodesRoute);
  registerCollection(app, options.knex, rollupsRoute);
  registerSession(app, sessions, auth, tokenEverywhere);
  registerEvents(app, feed, options.heartbeatMs);
  if (options.deadLetters) registerDeadLetters(app, options.deadLetters, auth, { maxRecords: options.maxDeadLetters ?? 10_000 });

  if (serveWeb) await app.register(fastifyStatic, { root: webRoot, prefix: '/', index: ['index.html'] });
  return app;
}

/** web/dist next to api/ under tsx, or two levels up from dist/api/ when built. */
function defaultWebRoot(): string | undefined {
  for (const relative of ['../web/dist', '../../web/dist']) {
    const path = fileURLToPath(new URL(relative, import.meta.url));
    if (existsSync(`${path}/index.html`)) return path;
  }
  return undefined;
}
