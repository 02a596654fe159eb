import { describe, expect, it } from 'vitest';
import type { PacingClock } from '../replay/rate-limiter.js';
import { SimulatedFleet } from './fleet.js';
import { seededRandom } from './random.js';
import { recordsDue, Simulator, type SimulatedMessage } from './simulator.js';

function fakeClock(): PacingClock {
  let now = 0;
  return {
    now: () => now,
    sleep: (ms) => {
      now += ms;
      return Promise.resolve();
    },
  };
}

const fleet = () =>
  new SimulatedFleet({ devices: 4, anomalyRate: 0.1, illegalRate: 0.05, limits: { minTemp: 45, maxTemp: 110 }, random: seededRandom(9), now: () => 0 });
const encode = (reading: { deviceId: string }) => Promise.resolve(Buffer.from(reading.deviceId));

describe('recordsDue', () => {
  it('is what the rate allows so far, minus what was sent', () => {
    expect(recordsDue(0, 10, 0)).toBe(0);
    expect(recordsDue(950, 10, 0)).toBe(9);
    expect(recordsDue(1000, 10, 4)).toBe(6);
    expect(recordsDue(1000, 10, 12)).toBe(0);
  });
});

describe('Simulator', () => {
  it('sends rate × duration readings in batches, keyed by device', async () => {
    const batches: (readonly SimulatedMessage[])[] = [];
    const simulator = new Simulator({
      fleet: fleet(),
      encode,
      send: (b) => Promise.resolve(void batches.push(b)),
      rate: 200,
      durationMs: 3000,
      clock: fakeClock(),
      tickMs: 50,
    });
    const stats = await simulator.run();
    expect(stats.sent).toBe(600);
    expect(stats.normal + stats.anomalies + stats.illegal).toBe(600);
    expect(stats.anomalies).toBeGreaterThan(0);
    expect(stats.illegal).toBeGreaterThan(0);
    expect(stats.elapsedMs).toBe(3000);
    expect(batches.length).toBeGreaterThan(50);
    expect(Math.max(...batches.map((b) => b.length))).toBeLessThanOrEqual(10);
    expect(batches[0]![0]!.key).toBe('sensor-001');
  });

  it('catches up in bounded batches when sending is slow', async () => {
    const clock = fakeClock();
    const sizes: number[] = [];
    const slowSend = async (b: readonly SimulatedMessage[]) => {
      sizes.push(b.length);
      await clock.sleep(500);
    };
    const stats = await new Simulator({ fleet: fleet(), encode, send: slowSend, rate: 1000, durationMs: 2000, clock, maxBatch: 300 }).run();
    expect(stats.sent).toBe(2000);
    expect(Math.max(...sizes)).toBe(300);
  });

  it('stops when the signal aborts', async () => {
    const controller = new AbortController();
    const sizes: number[] = [];
    const send = (b: readonly SimulatedMessage[]) => {
      sizes.push(b.length);
      if (sizes.length === 3) controller.abort();
      return Promise.resolve();
    };
    const stats = await new Simulator({ fleet: fleet(), encode, send, rate: 100, clock: fakeClock(), signal: controller.signal }).run();
    expect(sizes).toHaveLength(3);
    expect(stats.sent).toBe(sizes.reduce((a, b) => a + b, 0));
    const never = await new Simulator({ fleet: fleet(), encode, send, rate: 100, clock: fakeClock(), signal: AbortSignal.abort() }).run();
    expect(never.sent).toBe(0);
  });

  it('counts only what the brokers acknowledged, and fails with the send', async () => {
    let sends = 0;
    const send = () => (++sends === 3 ? Promise.reject(new Error('broker gone')) : Promise.resolve());
    const simulator = new Simulator({ fleet: fleet(), encode, send, rate: 100, clock: fakeClock(), tickMs: 100 });
    await expect(simulator.run()).rejects.toThrow('broker gone');
    expect(simulator.stats.sent).toBe(20);
  });
});
