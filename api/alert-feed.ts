/**
 * New alerts from the TempRangeAlert topic, for the live event stream. Each server process reads with
 * a group of its own that never commits (every process sees every alert), from the topic's end as it
 * was at start: only alerts that arrive while it runs.
 */
import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { hostname } from 'node:os';
import type { Consumer, Kafka } from 'kafkajs';
import { alertDeserializer, errorMessage, type AvroRegistryClient, type Logger } from '../app/index.js';
import { TOPICS, type TempRangeAlert } from '../schemas/index.js';

export type AlertFeedState = 'off' | 'starting' | 'joined' | 'stopped';

export interface AlertFeedEvent {
  readonly alert: TempRangeAlert;
  readonly position: { readonly topic: string; readonly partition: number; readonly offset: string };
}

export interface AlertFeed {
  readonly state: AlertFeedState;
  /** Calls `listener` with each new alert; returns the unsubscribe. */
  subscribe(listener: (event: AlertFeedEvent) => void): () => void;
  start(): Promise<void>;
  stop(): Promise<void>;
}

export function kafkaAlertFeed(deps: { kafka: Kafka; registry: AvroRegistryClient; logger: Logger; groupPrefix: string; topic?: string }): AlertFeed {
  const topic = deps.topic ?? TOPICS.alerts;
  const serde = alertDeserializer(deps.registry);
  const emitter = new EventEmitter();
  emitter.setMaxListeners(0);
  let state: AlertFeedState = 'stopped';
  let consumer: Consumer | undefined;
  const startReading = async (): Promise<void> => {
    const admin = deps.kafka.admin();
    await admin.connect();
    let ends: { partition: number; high: string }[];
    try {
      // A topic created a moment ago has no leader yet for a few seconds: ask again meanwhile.
      for (let attempt = 1; ; attempt++) {
        try {
          ends = (await admin.fetchTopicOffsets(topic)).map((p) => ({ partition: p.partition, high: p.high }));
          break;
        } catch (err) {
          if (attempt >= 30) throw err;
          await new Promise((resolve) => setTimeout(resolve, 1000));
        }
      }
    } finally {
      await admin.disconnect();
    }
    const c = deps.kafka.consumer({ groupId: `${deps.groupPrefix}-api-${hostname()}-${process.pid}-${randomUUID().slice(0, 8)}`, maxWaitTimeInMs: 500 });
    consumer = c;
    c.on(c.events.GROUP_JOIN, () => {
      state = 'joined';
    });
    await c.connect();
    await c.subscribe({ topics: [topic], fromBeginning: false });
    await c.run({
      autoCommit: false,
      eachMessage: async ({ topic: t, partition, message }) => {
        try {
          const alert = await serde.deserialize(message.value, t);
          emitter.emit('alert', { alert, position: { topic: t, partition, offset: message.offset } } satisfies AlertFeedEvent);
        } catch (err) {
          // An undecodable alert is the alert consumer's to dead-letter; the live view skips it.
          deps.logger.warn({ partition, offset: message.offset, err: errorMessage(err) }, 'live alert feed: skipped an undecodable alert');
        }
      },
    });
    // From the end as it was before joining: nothing that arrives while joining is missed.
    for (const end of ends) c.seek({ topic, partition: end.partition, offset: end.high });
  };
  return {
    get state() {
      return state;
    },
    subscribe(listener) {
      emitter.on('alert', listener);
      return () => emitter.off('alert', listener);
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

/** For a server without Kafka (tests of the read API). */
export const noAlertFeed: AlertFeed = {
  state: 'off',
  subscribe: () => () => undefined,
  start: () => Promise.resolve(),
  stop: () => Promise.resolve(),
};
