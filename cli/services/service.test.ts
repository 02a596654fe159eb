import type { Kafka } from 'kafkajs';
import { describe, expect, it, vi } from 'vitest';
import type { KafkaTopologyRunner } from '../../topology/index.js';
import { ExitError, failureOf } from '../exit.js';
import { createLogger } from '../logger.js';
import { createTopologyMetrics } from '../metrics.js';
import { runService } from './service.js';

/** A runner that starts and ends as told; the ops endpoints are off (port 0), so no Kafka is reached. */
function fakeRunner(behaviour: { start?: () => Promise<void>; done?: () => Promise<void> }) {
  const runner = {
    state: 'created',
    start: vi.fn(behaviour.start ?? (() => Promise.resolve())),
    stop: vi.fn(() => Promise.resolve()),
    done: vi.fn(behaviour.done ?? (() => Promise.resolve())),
  };
  return { runner, asRunner: runner as unknown as KafkaTopologyRunner };
}

const run = (runner: KafkaTopologyRunner) =>
  runService({
    name: 'alert consumer',
    where: 'on Kafka at b:9092 (KAFKA_BROKERS)',
    runner,
    kafka: {} as Kafka,
    groupId: 'g',
    metrics: createTopologyMetrics(),
    opsPort: 0,
    opsPortSetting: 'ALERTS_METRICS_PORT',
    logger: createLogger('silent'),
  });

describe('runService (the lifecycle of start and alerts)', () => {
  it('resolves when the runner stops, and leaves no signal handler behind', async () => {
    const before = process.listenerCount('SIGTERM');
    const { runner, asRunner } = fakeRunner({});
    await run(asRunner);
    expect(runner.start).toHaveBeenCalledOnce();
    expect(process.listenerCount('SIGTERM')).toBe(before);
  });

  it('turns a failure of the running topology into exit 1 naming the service', async () => {
    const { asRunner } = fakeRunner({ done: () => Promise.reject(new Error('boom')) });
    const error: unknown = await run(asRunner).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ExitError);
    expect(failureOf(error)).toEqual({ exitCode: 1, message: 'the alert consumer failed: boom' });
  });

  it('stops a runner whose start failed, and says what was being started where', async () => {
    const { runner, asRunner } = fakeRunner({ start: () => Promise.reject(new Error('no broker')) });
    const error: unknown = await run(asRunner).catch((e: unknown) => e);
    expect(runner.stop).toHaveBeenCalled();
    expect(runner.done).not.toHaveBeenCalled();
    expect(failureOf(error).message).toBe('starting the alert consumer on Kafka at b:9092 (KAFKA_BROKERS): no broker');
  });
});
