/**
 * GET /api/events: server-sent events. `event: alert` with `{data: <alerts resource>}` for each alert
 * produced to TempRangeAlert while the stream is open; a comment every 15 s keeps proxies from
 * closing a quiet stream. The server ends every stream when it closes.
 */
import type { FastifyInstance } from 'fastify';
import type { AlertFeed } from '../alert-feed.js';
import { liveAlertResource } from '../resources/alerts.js';

export const HEARTBEAT_MS = 15_000;

export function registerEvents(app: FastifyInstance, feed: AlertFeed, heartbeatMs = HEARTBEAT_MS): void {
  const open = new Set<() => void>();
  app.addHook('preClose', (done) => {
    for (const end of [...open]) end();
    done();
  });
  app.get(
    '/api/events',
    {
      schema: {
        summary: 'Live alerts as server-sent events',
        description:
          'A text/event-stream. Each alert produced to the TempRangeAlert topic while the stream is open arrives as `event: alert` whose data is `{"data": <alerts resource>}`: ' +
          'the attributes of GET /api/alerts, with createdAt and notifiedAt null (the alert consumer may not have stored it yet) and, as id, its natural key deviceId|readingTime|rule|direction. ' +
          'The SSE id is the alert\'s Kafka position (topic/partition/offset). A comment line (": heartbeat") comes every 15 s. Only alerts after the connection are sent (no replay): read GET /api/alerts for the past.',
        tags: ['events'],
        produces: ['text/event-stream'],
        response: { 200: { description: 'the event stream', content: { 'text/event-stream': { schema: { type: 'string' } } } } },
      },
    },
    (request, reply) => {
      // Headers set by hooks (CORS) go out with the stream too.
      const headers = {
        ...reply.getHeaders(),
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache, no-transform',
        connection: 'keep-alive',
        'x-accel-buffering': 'no',
      };
      reply.hijack();
      const res = reply.raw;
      res.writeHead(200, headers as Record<string, string>);
      res.write(`retry: 5000\n: connected, alert feed ${feed.state}\n\n`);
      const unsubscribe = feed.subscribe(({ alert, position }) => {
        res.write(
          `event: alert\nid: ${position.topic}/${position.partition}/${position.offset}\ndata: ${JSON.stringify({ data: liveAlertResource(alert) })}\n\n`,
        );
      });
      const heartbeat = setInterval(() => res.write(': heartbeat\n\n'), heartbeatMs);
      let ended = false;
      const end = () => {
        if (ended) return;
        ended = true;
        clearInterval(heartbeat);
        unsubscribe();
        open.delete(end);
        res.end();
      };
      open.add(end);
      request.raw.on('close', end);
    },
  );
}
