import { describe, expect, it } from 'vitest';
import { ValidationError } from '../topology/index.js';
import { createTopologyMetrics, type TopologyMetrics } from './metrics.js';

const valueOf = async (metrics: TopologyMetrics, name: string, labels: Record<string, string> = {}): Promise<number | undefined> => {
  const metric = await metrics.registry.getSingleMetric(`tempstream_${name}`)?.get();
  return metric?.values.find((v) => Object.entries(labels).every(([k, l]) => v.labels[k] === l))?.value;
};

describe('createTopologyMetrics', () => {
  it('counts what the observer hears, by label', async () => {
    const metrics = createTopologyMetrics();
    const { observer } = metrics;
    observer.received?.('temperature-readings');
    observer.received?.('temperature-readings');
    observer.handled?.('temperature-readings');
    observer.produced?.('TempRangeAlert', 3);
    observer.deadLettered?.('validation', 'check-constraints-avro');
    observer.retrying?.('mysql-temperature', 1, new Error('x'));
    observer.isolated?.('mysql-temperature', new ValidationError('bad', 'rule'));
    observer.flushed?.('mysql-temperature', 250, 40);
    expect(await valueOf(metrics, 'records_received_total', { topic: 'temperature-readings' })).toBe(2);
    expect(await valueOf(metrics, 'records_handled_total', { topic: 'temperature-readings' })).toBe(1);
    expect(await valueOf(metrics, 'records_produced_total', { topic: 'TempRangeAlert' })).toBe(3);
    expect(await valueOf(metrics, 'dead_letters_total', { error_class: 'validation', node: 'check-constraints-avro' })).toBe(1);
    expect(await valueOf(metrics, 'sink_retries_total', { sink: 'mysql-temperature' })).toBe(1);
    expect(await valueOf(metrics, 'sink_isolated_total', { sink: 'mysql-temperature' })).toBe(1);
    const text = await metrics.registry.metrics();
    expect(text).toContain('tempstream_sink_batch_records_sum{sink="mysql-temperature"} 250');
    expect(text).toContain('tempstream_sink_flush_seconds_sum{sink="mysql-temperature"} 0.04');
  });

  it('reads in-flight records and lag at scrape time', async () => {
    const metrics = createTopologyMetrics();
    let inFlight = 5;
    metrics.setInFlight(() => inFlight);
    metrics.setLag(() => Promise.resolve([{ topic: 't', partition: 2, lag: 40 }]));
    expect(await valueOf(metrics, 'records_in_flight')).toBe(5);
    inFlight = 0;
    expect(await valueOf(metrics, 'records_in_flight')).toBe(0);
    expect(await valueOf(metrics, 'consumer_lag', { topic: 't', partition: '2' })).toBe(40);
  });

  it('exports the readings sink totals at scrape time, adding only what is new', async () => {
    const metrics = createTopologyMetrics();
    let counters = { stored: 5, alreadyPresent: 2, conflicting: 4, rejected: 1, batches: 3 };
    metrics.setReadingsSink(() => counters);
    expect(await valueOf(metrics, 'readings_rows_total', { outcome: 'stored' })).toBe(5);
    expect(await valueOf(metrics, 'readings_rows_total', { outcome: 'already_present' })).toBe(2);
    expect(await valueOf(metrics, 'readings_rows_total', { outcome: 'conflicting' })).toBe(4);
    expect(await valueOf(metrics, 'readings_rows_total', { outcome: 'rejected' })).toBe(1);
    expect(await valueOf(metrics, 'readings_transactions_total')).toBe(3);
    counters = { stored: 12, alreadyPresent: 2, conflicting: 4, rejected: 1, batches: 5 };
    const text = await metrics.registry.metrics();
    expect(text).toContain('tempstream_readings_rows_total{outcome="stored"} 12');
    expect(text).toContain('tempstream_readings_transactions_total 5');
  });

  it('exports the alert notifications at scrape time: notified, failed for good, and failed attempts', async () => {
    const metrics = createTopologyMetrics();
    let counters = { notified: 4, notifyFailures: 3, failedForGood: 1 };
    metrics.setAlertWriter(() => counters);
    expect(await valueOf(metrics, 'alert_notifications_total', { outcome: 'notified' })).toBe(4);
    expect(await valueOf(metrics, 'alert_notifications_total', { outcome: 'failed' })).toBe(1);
    expect(await valueOf(metrics, 'alert_notify_failures_total')).toBe(3);
    counters = { notified: 6, notifyFailures: 5, failedForGood: 2 };
    const text = await metrics.registry.metrics();
    expect(text).toContain('tempstream_alert_notifications_total{outcome="failed"} 2');
    expect(text).toContain('tempstream_alert_notify_failures_total 5');
  });

  it('exports episode and silence notifications by kind at scrape time', async () => {
    const metrics = createTopologyMetrics();
    let episodes = { notified: 2, notifyFailures: 1, failedForGood: 1 };
    metrics.setEventWriter('episode', () => episodes);
    metrics.setEventWriter('silence', () => ({ notified: 1, notifyFailures: 0, failedForGood: 0 }));
    expect(await valueOf(metrics, 'event_notifications_total', { kind: 'episode', outcome: 'notified' })).toBe(2);
    expect(await valueOf(metrics, 'event_notifications_total', { kind: 'silence', outcome: 'notified' })).toBe(1);
    episodes = { notified: 5, notifyFailures: 1, failedForGood: 1 };
    const text = await metrics.registry.metrics();
    expect(text).toContain('tempstream_event_notifications_total{kind="episode",outcome="notified"} 5');
    expect(text).toContain('tempstream_event_notifications_total{kind="episode",outcome="failed"} 1');
    expect(text).toContain('tempstream_event_notify_failures_total{kind="episode"} 1');
  });

  it('shows no lag rather than failing the scrape when the brokers cannot be asked', async () => {
    const metrics = createTopologyMetrics();
    metrics.setLag(() => Promise.reject(new Error('broker away')));
    const text = await metrics.registry.metrics();
    expect(text).toContain('# TYPE tempstream_consumer_lag gauge');
    expect(text).not.toMatch(/tempstream_consumer_lag\{/);
  });
});
