/**
 * `tempstream simulate`: a fleet of simulated sensors producing readings at a steady rate, with
 * anomalies (alerts) and illegal values (dead letters) at the given rates. Ctrl-C or --duration stops it.
 */
import type { Command } from 'commander';
import { TOPICS } from '../../app/index.js';
import { fraction, integer, positiveInteger, positiveNumber } from '../arguments.js';
import { createKafka, createRegistry } from '../clients.js';
import { contextFor, type CliDeps } from '../context.js';
import { during } from '../exit.js';
import { stopSignal } from '../lifecycle.js';
import { ensurePipelineTopics } from '../services/topics.js';
import { kafkaAt } from '../services/where.js';
import { readingEncoder } from '../simulate/encode.js';
import { fleetFor } from '../simulate/fleet-flags.js';
import { connectReadingProducer } from '../simulate/kafka-sender.js';
import { randomSeed } from '../simulate/random.js';
import { Simulator, type SimulationStats } from '../simulate/simulator.js';

interface SimulateFlags {
  devices: number;
  rate: number;
  duration?: number;
  anomalyRate: number;
  illegalRate: number;
  json?: boolean;
  seed?: number;
}

export function registerSimulateCommand(program: Command, deps: CliDeps): void {
  program
    .command('simulate')
    .description('produce simulated sensor readings (random walk per device) with anomalies and illegal values')
    .option('--devices <n>', 'number of devices', positiveInteger, 10)
    .option('--rate <r>', 'readings per second, all devices together', positiveNumber, 10)
    .option('--duration <s>', 'stop after this many seconds (default: until Ctrl-C)', positiveNumber)
    .option('--anomaly-rate <p>', 'share of readings outside MIN_TEMP..MAX_TEMP (alerts), 0..1 or a %', fraction, 0.02)
    .option('--illegal-rate <q>', 'share of readings below 32°F or above 132°F (dead letters), 0..1 or a %', fraction, 0.01)
    .option('--json', `send JSON to ${TOPICS.readingsJson} instead of Avro to ${TOPICS.readings}`)
    .option('--seed <s>', 'random seed, to repeat a run exactly (printed when not given)', integer)
    .addHelpText('after', '\nAvro needs the schemas registered (tempstream schemas register). JSON is read only when the topology runs with JSON_INPUT=true.')
    .action(async (flags: SimulateFlags, command: Command) => {
      const { config, logger, io } = contextFor(command, deps);
      const seed = flags.seed ?? randomSeed();
      const fleet = fleetFor(flags, config, seed);
      const topic = flags.json === true ? TOPICS.readingsJson : TOPICS.readings;
      const kafka = createKafka(config, logger);
      await during(`creating topics on ${kafkaAt(config)}`, () =>
        ensurePipelineTopics(kafka, config, logger, { jsonInput: flags.json === true || config.jsonInput }),
      );
      const producer = await during(`connecting to ${kafkaAt(config)}`, () => connectReadingProducer(kafka, topic));
      const stop = stopSignal(logger);
      io.err(
        `simulating ${flags.devices} device(s) at ${flags.rate} readings/s to ${topic} (${flags.json === true ? 'JSON' : 'Avro'}), seed ${seed}; ${flags.duration ? `for ${flags.duration} s` : 'Ctrl-C to stop'}\n`,
      );
      const simulator = new Simulator({
        fleet,
        encode: readingEncoder(flags.json === true ? 'json' : 'avro', topic, createRegistry(config)),
        send: (messages) => producer.send(messages),
        rate: flags.rate,
        durationMs: flags.duration === undefined ? undefined : flags.duration * 1000,
        signal: stop.signal,
      });
      const progress = setInterval(() => logger.info(simulator.stats, 'simulating'), 5000);
      try {
        const stats = await during(`sending readings to ${topic}`, () => simulator.run().catch(withRegistrationHint));
        io.out(formatSimulation(stats, topic, seed));
      } finally {
        clearInterval(progress);
        stop.dispose();
        await producer.disconnect().catch(() => undefined);
      }
    });
}

function withRegistrationHint(err: unknown): never {
  if (err instanceof Error && /not registered/.test(err.message)) throw new Error(`${err.message} (run \`tempstream schemas register\` first)`, { cause: err });
  throw err;
}

export function formatSimulation(stats: SimulationStats, topic: string, seed: number): string {
  const seconds = stats.elapsedMs / 1000;
  return [
    `Sent ${stats.sent} reading(s) to ${topic} in ${seconds.toFixed(1)} s (${seconds > 0 ? (stats.sent / seconds).toFixed(1) : '0'}/s), seed ${seed}`,
    `  normal     ${stats.normal}`,
    `  anomalies  ${stats.anomalies}  (outside MIN_TEMP..MAX_TEMP: expect as many alerts)`,
    `  illegal    ${stats.illegal}  (below 32°F or above 132°F: expect as many dead letters)`,
    '',
  ].join('\n');
}
