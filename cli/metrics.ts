/** Prometheus metrics for a running topology, fed by the runtime's observer hooks. */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { AlertCounters } from '../app/index.js';
import type { ReadingsSinkCounters } from '../sinks/index.js';
import type { RuntimeObserver } from '../topology/index.js';

export interface TopologyMetrics {
  readonly registry: Registry;
  readonly observer: RuntimeObserver;
  /** Called at scrape time for gauges that are cheap to read then (in-flight records). */
  setInFlight(read: () => number): void;
  /** Called at scrape time for consumer lag per partition. */
  setLag(read: () => Promise<{ topic: string; partition: number; lag: number }[]>): void;
  /** Called at scrape time for what the readings sink stored, found present, refused and committed. */
  setReadingsSink(read: () => ReadingsSinkCounters): void;
  /** Called at scrape time for what the alert consumer notified, recorded as failed, and retried. */
  setAlertWriter(read: () => AlertCounters): void;
  /** Called at scrape time for what the alert consumer notified about one kind of event (`episode`, `silence`). */
  setEventWriter(kind: string, read: () => AlertCounters): void;
}

const ROW_OUTCOMES = { stored: 'stored', alreadyPresent: 'already_present', conflicting: 'conflicting', rejected: 'rejected' } as const;

export function createTopologyMetrics(prefix = 'tempstream_'): TopologyMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix });
  const received = new Counter({
    name: `${prefix}records_received_total`,
    help: 'Records read from input topics',
    labelNames: ['topic'],
    registers: [registry],
  });
  const handled = new Counter({
    name: `${prefix}records_handled_total`,
    help: 'Input records fully handled (stored, produced or dead-lettered)',
    labelNames: ['topic'],
    registers: [registry],
  });
  const produced = new Counter({
    name: `${prefix}records_produced_total`,
    help: 'Records produced to output topics',
    labelNames: ['topic'],
    registers: [registry],
  });
  const dead = new Counter({ name: `${prefix}dead_letters_total`, help: 'Records sent to a DLQ', labelNames: ['error_class', 'node'], registers: [registry] });
  const batchSize = new Histogram({
    name: `${prefix}sink_batch_records`,
    help: 'Records per sink flush',
    labelNames: ['sink'],
    buckets: [1, 10, 50, 100, 250, 500, 1000, 2500, 5000],
    registers: [registry],
  });
  const flushSeconds = new Histogram({
    name: `${prefix}sink_flush_seconds`,
    help: 'Time to write one batch, retries included',
    labelNames: ['sink'],
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10],
    registers: [registry],
  });
  const retries = new Counter({ name: `${prefix}sink_retries_total`, help: 'Transient sink failures retried', labelNames: ['sink'], registers: [registry] });
  const isolated = new Counter({
    name: `${prefix}sink_isolated_total`,
    help: 'Records a sink refused for good after its batch was split',
    labelNames: ['sink'],
    registers: [registry],
  });
  let readInFlight: () => number = () => 0;
  let readLag: () => Promise<{ topic: string; partition: number; lag: number }[]> = () => Promise.resolve([]);
  let readSink: () => ReadingsSinkCounters | undefined = () => undefined;
  // The sink keeps running totals; a Counter takes increments, so each scrape adds what is new.
  let sinkSeen: ReadingsSinkCounters = { stored: 0, alreadyPresent: 0, conflicting: 0, rejected: 0, batches: 0 };
  const catchUp = (): void => {
    const now = readSink();
    if (!now) return;
    for (const [field, outcome] of Object.entries(ROW_OUTCOMES) as [keyof typeof ROW_OUTCOMES, string][]) {
      if (now[field] > sinkSeen[field]) rows.inc({ outcome }, now[field] - sinkSeen[field]);
    }
    if (now.batches > sinkSeen.batches) transactions.inc(now.batches - sinkSeen.batches);
    sinkSeen = now;
  };
  const rows = new Counter({
    name: `${prefix}readings_rows_total`,
    help: 'Readings by what the table did with them: stored, already_present (a redelivery), conflicting (same device and time, other values: dead-lettered), rejected (cannot be stored)',
    labelNames: ['outcome'],
    registers: [registry],
    collect: catchUp,
  });
  const transactions = new Counter({
    name: `${prefix}readings_transactions_total`,
    help: 'Committed transactions of the readings sink',
    registers: [registry],
    collect: catchUp,
  });
  let readAlerts: () => AlertCounters | undefined = () => undefined;
  let alertsSeen: AlertCounters = { notified: 0, notifyFailures: 0, failedForGood: 0 };
  const catchUpAlerts = (): void => {
    const now = readAlerts();
    if (!now) return;
    if (now.notified > alertsSeen.notified) notifications.inc({ outcome: 'notified' }, now.notified - alertsSeen.notified);
    if (now.failedForGood > alertsSeen.failedForGood) notifications.inc({ outcome: 'failed' }, now.failedForGood - alertsSeen.failedForGood);
    if (now.notifyFailures > alertsSeen.notifyFailures) notifyFailures.inc(now.notifyFailures - alertsSeen.notifyFailures);
    alertsSeen = now;
  };
  const notifications = new Counter({
    name: `${prefix}alert_notifications_total`,
    help: 'Alerts by how notifying ended: notified, or failed (refused for good, or out of attempts; recorded on the row)',
    labelNames: ['outcome'],
    registers: [registry],
    collect: catchUpAlerts,
  });
  const notifyFailures = new Counter({
    name: `${prefix}alert_notify_failures_total`,
    help: 'Notification attempts that failed, retried ones included',
    registers: [registry],
    collect: catchUpAlerts,
  });
  const eventWriters = new Map<string, { read: () => AlertCounters; seen: AlertCounters }>();
  const catchUpEvents = (): void => {
    for (const [kind, writer] of eventWriters) {
      const now = writer.read();
      const seen = writer.seen;
      if (now.notified > seen.notified) eventNotifications.inc({ kind, outcome: 'notified' }, now.notified - seen.notified);
      if (now.failedForGood > seen.failedForGood) eventNotifications.inc({ kind, outcome: 'failed' }, now.failedForGood - seen.failedForGood);
      if (now.notifyFailures > seen.notifyFailures) eventNotifyFailures.inc({ kind }, now.notifyFailures - seen.notifyFailures);
      writer.seen = now;
    }
  };
  const eventNotifications = new Counter({
    name: `${prefix}event_notifications_total`,
    help: 'Episode and silence events by kind and how notifying ended: notified, or failed (recorded on the row)',
    labelNames: ['kind', 'outcome'],
    registers: [registry],
    collect: catchUpEvents,
  });
  const eventNotifyFailures = new Counter({
    name: `${prefix}event_notify_failures_total`,
    help: 'Notification attempts about episode and silence events that failed, retried ones included',
    labelNames: ['kind'],
    registers: [registry],
    collect: catchUpEvents,
  });
  new Gauge({
    name: `${prefix}records_in_flight`,
    help: 'Records read and not yet fully handled',
    registers: [registry],
    collect() {
      this.set(readInFlight());
    },
  });
  new Gauge({
    name: `${prefix}consumer_lag`,
    help: 'Records between the committed offset and the end of each input partition',
    labelNames: ['topic', 'partition'],
    registers: [registry],
    async collect() {
      this.reset();
      for (const { topic, partition, lag } of await readLag().catch(() => [])) this.set({ topic, partition: String(partition) }, lag);
    },
  });
  return {
    registry,
    observer: {
      received: (topic) => received.inc({ topic }),
      handled: (topic) => handled.inc({ topic }),
      produced: (topic, count) => produced.inc({ topic }, count),
      deadLettered: (errorClass, node) => dead.inc({ error_class: errorClass, node }),
      flushed: (sink, records, millis) => {
        batchSize.observe({ sink }, records);
        flushSeconds.observe({ sink }, millis / 1000);
      },
      retrying: (sink) => retries.inc({ sink }),
      isolated: (sink) => isolated.inc({ sink }),
    },
    setInFlight: (read) => {
      readInFlight = read;
    },
    setLag: (read) => {
      readLag = read;
    },
    setReadingsSink: (read) => {
      readSink = read;
    },
    setAlertWriter: (read) => {
      readAlerts = read;
    },
    setEventWriter: (kind, read) => {
      eventWriters.set(kind, { read, seen: { notified: 0, notifyFailures: 0, failedForGood: 0 } });
    },
  };
}
