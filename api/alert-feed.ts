/**
 * The live feed behind GET /api/events: new alerts (TempRangeAlert), episode events (TempAlertEpisode)
 * and silence events (DeviceSilence). Each server process reads with a group of its own that never
 * commits (every process sees every event), from each topic's end as it was at start: only events that
 * arrive while it runs. A topic missing at start (a pipeline that does not produce episodes yet) is
 * left out and logged; the others are read.
 */
import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { hostname } from 'node:os';
import type { Admin, Consumer, Kafka } from 'kafkajs';
import { alertDeserializer, episodeDeserializer, errorMessage, silenceDeserializer, type AvroRegistryClient, type Logger } from '../app/index.js';
import { TOPICS, type DeviceSilence, type TempAlertEpisode, type TempRangeAlert } from '../schemas/index.js';

export type AlertFeedState = 'off' | 'starting' | 'joined' | 'stopped';

export interface FeedPosition {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
}

export type AlertFeedEvent =
  | { readonly kind: 'alert'; readonly alert: TempRangeAlert; readonly position: FeedPosition }
  | { readonly kind: 'episode'; readonly episode: TempAlertEpisode; readonly position: FeedPosition }
  | { readonly kind: 'silence'; readonly silence: DeviceSilence; readonly position: FeedPosition };

export interface AlertFeed {
  readonly state: AlertFeedState;
  /** Calls `listener` with each new event; returns the unsubscribe. */
  subscribe(listener: (event: AlertFeedEvent) => void): () => void;
  start(): Promise<void>;
  stop(): Promise<void>;
}

export interface FeedTopics {
  readonly alerts: string;
  readonly episodes: string;
  readonly silence: string;
}

const EVENT = 'feed';

export function kafkaAlertFeed(deps: {
  kafka: Kafka;
  registry: AvroRegistryClient;
  logger: Logger;
  groupPrefix: string;
  topics?: Partial<FeedTopics>;
}): AlertFeed {
  const topics: FeedTopics = { alerts: TOPICS.alerts, episodes: TOPICS.episodes, silence: TOPICS.silence, ...deps.topics };
  const decoders = {
    alert: alertDeserializer(deps.registry),
    episode: episodeDeserializer(deps.registry),
    silence: silenceDeserializer(deps.registry),
  };
  const decode = async (topic: string, value: Buffer | null, position: FeedPosition): Promise<AlertFeedEvent> => {
    if (topic === topics.episodes) return { kind: 'episode', episode: await decoders.episode.deserialize(value, topic), position };
    if (topic === topics.silence) return { kind: 'silence', silence: await decoders.silence.deserialize(value, topic), position };
    return { kind: 'alert', alert: await decoders.alert.deserialize(value, topic), position };
  };
  const emitter = new EventEmitter();
  emitter.setMaxListeners(0);
  let state: AlertFeedState = 'stopped';
  let consumer: Consumer | undefined;
  const startReading = async (): Promise<void> => {
    const admin = deps.kafka.admin();
    await admin.connect();
    let ends: { topic: string; partition: number; high: string }[];
    let read: string[];
    try {
      const existing = new Set(await admin.listTopics());
      // The alert topic is always read (waited for, as before); the others only when they exist.
      read = [topics.alerts, ...[topics.episodes, topics.silence].filter((t) => existing.has(t))];
      const missing = [topics.episodes, topics.silence].filter((t) => !existing.has(t));
      if (missing.length > 0) deps.logger.warn({ missing }, 'live feed: these topics do not exist yet; their events stay off until the server restarts');
      ends = [];
      for (const topic of read) ends.push(...(await endsOf(admin, topic)));
    } finally {
      await admin.disconnect();
    }
    const c = deps.kafka.consumer({ groupId: `${deps.groupPrefix}-api-${hostname()}-${process.pid}-${randomUUID().slice(0, 8)}`, maxWaitTimeInMs: 500 });
    consumer = c;
    c.on(c.events.GROUP_JOIN, () => {
      state = 'joined';
    });
    await c.connect();
    await c.subscribe({ topics: read, fromBeginning: false });
    await c.run({
      autoCommit: false,
      eachMessage: async ({ topic, partition, message }) => {
        try {
          emitter.emit(EVENT, await decode(topic, message.value, { topic, partition, offset: message.offset }));
        } catch (err) {
          // An undecodable record is its consumer's to dead-letter; the live view skips it.
          deps.logger.warn({ topic, partition, offset: message.offset, err: errorMessage(err) }, 'live feed: skipped an undecodable record');
        }
      },
    });
    // From the end as it was before joining: nothing that arrives while joining is missed.
    for (const end of ends) c.seek({ topic: end.topic, partition: end.partition, offset: end.high });
  };
  return {
    get state() {
      return state;
    },
    subscribe(listener) {
      emitter.on(EVENT, listener);
      return () => emitter.off(EVENT, listener);
    },
    async start() {
      state = 'starting';
      try {
        await startReading();
      } catch (err) {
        state = 'stopped';
        await consumer?.disconnect().catch(() => undefined);
        throw err;
      }
    },
    async stop() {
      state = 'stopped';
      emitter.removeAllListeners();
      await consumer?.disconnect().catch(() => undefined);
    },
  };
}

/** Each partition's end; a topic created a moment ago has no leader for a few seconds, so ask again meanwhile. */
async function endsOf(admin: Admin, topic: string): Promise<{ topic: string; partition: number; high: string }[]> {
  for (let attempt = 1; ; attempt++) {
    try {
      return (await admin.fetchTopicOffsets(topic)).map((p) => ({ topic, partition: p.partition, high: p.high }));
    } catch (err) {
      if (attempt >= 30) throw err;
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  }
}

/** For a server without Kafka (tests of the read API). */
export const noAlertFeed: AlertFeed = {
  state: 'off',
  subscribe: () => () => undefined,
  start: () => Promise.resolve(),
  stop: () => Promise.resolve(),
};
