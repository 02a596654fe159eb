/**
 * GET /api/events: server-sent events. `event: alert` with `{data: <alerts resource>}` for each alert
 * produced to TempRangeAlert while the stream is open, `event: episode` with `{data: <episodes
 * resource>}` for each episode event, `event: silence` with `{data: <silence event>}`; a comment every
 * 15 s keeps proxies from closing a quiet stream. The server ends every stream when it closes.
 */
import type { FastifyInstance } from 'fastify';
import type { AlertFeed, AlertFeedEvent } from '../alert-feed.js';
import { liveAlertResource } from '../resources/alerts.js';
import { liveEpisodeResource } from '../resources/episodes.js';

/** One feed event as an SSE message: its name and its JSON data. */
export function sseMessage(event: AlertFeedEvent): string {
  const { topic, partition, offset } = event.position;
  const data =
    event.kind === 'alert'
      ? liveAlertResource(event.alert)
      : event.kind === 'episode'
        ? liveEpisodeResource(event.episode)
        : {
            type: 'silence',
            id: `${event.silence.deviceId}/${event.silence.event}/${event.silence.lastSeenAt}`,
            attributes: {
              deviceId: event.silence.deviceId,
              event: event.silence.event,
              lastSeenAt: new Date(event.silence.lastSeenAt).toISOString(),
              detectedAt: new Date(event.silence.detectedAt).toISOString(),
              silenceMs: event.silence.silenceMs,
            },
          };
  return `event: ${event.kind}\nid: ${topic}/${partition}/${offset}\ndata: ${JSON.stringify({ data })}\n\n`;
}

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
        summary: 'Live alerts, episode and silence events as server-sent events',
        description:
          'A text/event-stream. Each alert produced to the TempRangeAlert topic while the stream is open arrives as `event: alert` whose data is `{"data": <alerts resource>}`: ' +
          'the attributes of GET /api/alerts, with createdAt and notifiedAt null (the alert consumer may not have stored it yet) and, as id, its natural key deviceId|readingTime|rule|direction. ' +
          '`event: episode` carries `{"data": <episodes resource>}` for each TempAlertEpisode event (status OPEN when it opened, RESOLVED when it resolved; updatedAt null). ' +
          '`event: silence` carries `{"data": {"type": "silence", "id", "attributes": {deviceId, event: SILENT|BACK, lastSeenAt, detectedAt, silenceMs}}}` for each DeviceSilence event. ' +
          'The SSE id is the record\'s Kafka position (topic/partition/offset). A comment line (": heartbeat") comes every 15 s. Only events after the connection are sent (no replay): read GET /api/alerts and GET /api/episodes for the past.',
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
      res.write(`retry: 5000\n: connected, live feed ${feed.state}\n\n`);
      const unsubscribe = feed.subscribe((event) => res.write(sseMessage(event)));
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
