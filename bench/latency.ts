/**
 * Phase 3: alert latency at a fixed offered load. The topology child starts caught up (its group is
 * set to the end of the input first), is warmed up with live traffic, then a paced producer offers
 * `rate` readings/s whose readingTime is their send time; a probe consumer on TempRangeAlert takes
 * alert-available time minus readingTime. Same reading mix as the backlog (5 % raise an alert).
 */
import type avro from 'avsc';
import { CompressionTypes, Partitioners, type Consumer, type Message, type Producer } from 'kafkajs';
import { TOPICS, tempRangeAlertSchema, type TempRangeAlert } from '../schemas/index.js';
import { avroRegistrySerde } from '../topology/index.js';
import { endOffsets, sleep, type BenchContext } from './context.js';
import { deviceIdOf, kindOf, readingEncoder, temperatureOf } from './data.js';
import { childConfig } from './end-to-end.js';
import { percentile, sortedCopy } from './stats.js';
import { describeLoopAndGc, TopologyProcess, type LoopAndGc } from './topology-process.js';

export interface LatencyResult {
  readonly offeredRate: number;
  readonly achievedRate: number;
  readonly sent: number;
  readonly alertsExpected: number;
  readonly alertsReceived: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
  readonly peakRssKb: number;
  readonly loopAndGc: LoopAndGc;
  /** The child's pid: its --cpu-prof file carries it. */
  readonly pid: number;
  /** Mean time per write during the live window, per sink: where an alert's time goes. */
  readonly writeMs: Readonly<Record<string, { readonly batches: number; readonly msPerBatch: number }>>;
}

const WARMUP_SECONDS = 5;
const TICK_MS = 5;
/** Live readings use their own index range so their mix is independent of the backlog's. */
const LIVE_INDEX_BASE = 1_000_000_000;

export async function runLatency(
  ctx: BenchContext,
  options: { rate: number; seconds: number; run: number; cpuProfDir?: string },
  log: (line: string) => void,
): Promise<LatencyResult> {
  // Each run its own database and groups: the issue asks for five runs in one bench.
  const mysqlUrl = await ctx.freshDatabase(`bench_latency_${options.run}`);
  const groupId = ctx.freshGroup(`latency-${options.run}`);
  // Caught up from the first moment: the new group starts at the end of the backlog.
  const ends = await endOffsets(ctx.admin, TOPICS.readings);
  await ctx.admin.setOffsets({ groupId, topic: TOPICS.readings, partitions: [...ends].map(([partition, offset]) => ({ partition, offset: String(offset) })) });

  const probe = await startProbe(ctx, options.run);
  const producer = ctx.kafka.producer({ allowAutoTopicCreation: false, createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  const child = await TopologyProcess.spawn(childConfig(ctx, { mysqlUrl, groupId, slowSinkMs: 0 }), ctx.childRuntime, { cpuProfDir: options.cpuProfDir });
  try {
    const limits = { minTemp: ctx.defaults.minTemp, maxTemp: ctx.defaults.maxTemp };
    const encode = readingEncoder(ctx.readingSchemaId);
    let index = LIVE_INDEX_BASE;
    const offer = async (prefix: string, seconds: number): Promise<{ sent: number; alerts: number; seconds: number }> => {
      const started = performance.now();
      let sent = 0;
      let alerts = 0;
      for (;;) {
        const elapsed = (performance.now() - started) / 1000;
        if (elapsed >= seconds) break;
        const due = Math.floor(options.rate * elapsed) - sent;
        if (due > 0) {
          const now = Date.now();
          const messages: Message[] = [];
          for (let j = 0; j < due; j++, index++) {
            const kind = kindOf(index);
            if (kind === 'alert') alerts++;
            const deviceId = deviceIdOf(index, prefix);
            messages.push({
              key: deviceId,
              value: encode({ deviceId, readingTime: now, temperature: temperatureOf(index, kind, limits), unit: 'FAHRENHEIT' }),
            });
          }
          await send(producer, messages);
          sent += due;
        }
        await sleep(TICK_MS);
      }
      return { sent, alerts, seconds: (performance.now() - started) / 1000 };
    };

    // Warm-up: proves the child has joined and is producing alerts, and lets the JIT settle.
    const warm = await offer('warm', WARMUP_SECONDS);
    const warmDeadline = Date.now() + 60_000;
    while (probe.count('warm') < warm.alerts) {
      if (child.failure) throw new Error(`topology failed: ${child.failure}`);
      if (Date.now() > warmDeadline) throw new Error(`warm-up: ${probe.count('warm')} of ${warm.alerts} alerts arrived in 60 s`);
      await sleep(50);
    }
    log(`  latency: warmed up (${warm.sent} readings, ${warm.alerts} alerts); offering ${options.rate}/s for ${options.seconds} s`);

    const flushesBefore = child.childSamples.at(-1)?.flushes ?? {};
    const liveFrom = Date.now();
    const live = await offer('live', options.seconds);
    const flushesAfter = child.childSamples.at(-1)?.flushes ?? {};
    const writeMs = Object.fromEntries(
      Object.entries(flushesAfter).map(([name, after]) => {
        const before = flushesBefore[name] ?? { batches: 0, ms: 0 };
        const batches = after.batches - before.batches;
        return [name, { batches, msPerBatch: batches > 0 ? (after.ms - before.ms) / batches : NaN }];
      }),
    );
    const drainDeadline = Date.now() + 10_000;
    while (probe.count('live') < live.alerts && Date.now() < drainDeadline) await sleep(50);
    const latencies = sortedCopy(probe.latencies('live'));
    const result: LatencyResult = {
      offeredRate: options.rate,
      achievedRate: live.sent / live.seconds,
      sent: live.sent,
      alertsExpected: live.alerts,
      alertsReceived: latencies.length,
      p50Ms: percentile(latencies, 50),
      p99Ms: percentile(latencies, 99),
      maxMs: latencies.at(-1) ?? NaN,
      peakRssKb: child.procStatus()?.hwmKb ?? NaN,
      writeMs,
      loopAndGc: child.loopAndGc(liveFrom, liveFrom + live.seconds * 1000),
      pid: child.pid,
    };
    log(
      `latency: ${Math.round(result.achievedRate)}/s offered for ${live.seconds.toFixed(1)} s; ${result.alertsReceived}/${result.alertsExpected} alerts; ` +
        `p50 ${result.p50Ms} ms, p99 ${result.p99Ms} ms, max ${result.maxMs} ms`,
    );
    log(`  topology child: ${describeLoopAndGc(result.loopAndGc)}`);
    for (const [name, w] of Object.entries(writeMs)) log(`  ${name}: ${w.batches} writes in the live window, ${w.msPerBatch.toFixed(1)} ms each`);
    return result;
  } finally {
    await child.stop().catch((err: unknown) => log(`  latency: stopping the topology: ${String(err)}`));
    await producer.disconnect();
    await probe.consumer.disconnect();
  }
}

async function send(producer: Producer, messages: Message[]): Promise<void> {
  await producer.send({ topic: TOPICS.readings, acks: -1, compression: CompressionTypes.None, messages });
}

interface Probe {
  readonly consumer: Consumer;
  count(prefix: string): number;
  latencies(prefix: string): number[];
}

/** A consumer on TempRangeAlert from its current end, noting when each alert became available. */
async function startProbe(ctx: BenchContext, run: number): Promise<Probe> {
  const serde = avroRegistrySerde<TempRangeAlert>({ registry: ctx.registry, schema: tempRangeAlertSchema as avro.Schema });
  const groupId = ctx.freshGroup(`latency-probe-${run}`);
  const ends = await endOffsets(ctx.admin, TOPICS.alerts);
  await ctx.admin.setOffsets({ groupId, topic: TOPICS.alerts, partitions: [...ends].map(([partition, offset]) => ({ partition, offset: String(offset) })) });
  const byPrefix = new Map<string, number[]>();
  const consumer = ctx.kafka.consumer({ groupId });
  await consumer.connect();
  await consumer.subscribe({ topic: TOPICS.alerts });
  const joined = new Promise<void>((resolve) => consumer.on(consumer.events.GROUP_JOIN, () => resolve()));
  await consumer.run({
    eachBatch: async ({ batch }) => {
      // One clock reading per fetched batch: the moment these alerts became available to a reader.
      const at = Date.now();
      for (const message of batch.messages) {
        const alert = await serde.deserialize(message.value, batch.topic);
        const prefix = alert.reading.deviceId.split('-')[0]!;
        const list = byPrefix.get(prefix) ?? [];
        list.push(at - alert.reading.readingTime);
        byPrefix.set(prefix, list);
      }
    },
  });
  await joined;
  return { consumer, count: (p) => byPrefix.get(p)?.length ?? 0, latencies: (p) => byPrefix.get(p) ?? [] };
}
