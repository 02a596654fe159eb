/**
 * `tempstream demo`: the pipeline end to end in one process, with a line of totals every second.
 * Uses KAFKA_BROKERS, SCHEMA_REGISTRY_URL and MYSQL_URL when all three are set; otherwise starts a
 * throwaway stack in Docker (and removes it at the end).
 */
import type { Command } from 'commander';
import { fraction, integer, positiveInteger, positiveNumber } from '../arguments.js';
import { contextFor, type CliDeps } from '../context.js';
import { ExitError } from '../exit.js';
import { overridesFrom } from '../global-flags.js';
import { stopSignal } from '../lifecycle.js';
import { endpointsGiven, givenInfrastructure, startThrowawayStack, type Infrastructure } from '../demo/infrastructure.js';
import { runDemo } from '../demo/demo.js';
import { fleetFor } from '../simulate/fleet-flags.js';
import { randomSeed } from '../simulate/random.js';

interface DemoFlags {
  duration?: number;
  devices: number;
  rate: number;
  anomalyRate: number;
  illegalRate: number;
  seed?: number;
}

export function registerDemoCommand(program: Command, deps: CliDeps): void {
  program
    .command('demo')
    .description('run everything in one process: (a throwaway stack,) topology, alert consumer and simulator')
    .option('--duration <s>', 'stop after this many seconds (default: until Ctrl-C)', positiveNumber)
    .option('--devices <n>', 'simulated devices', positiveInteger, 10)
    .option('--rate <r>', 'readings per second', positiveNumber, 20)
    .option('--anomaly-rate <p>', 'share of readings that raise an alert, 0..1 or a %', fraction, 0.05)
    .option('--illegal-rate <q>', 'share of illegal readings (dead letters), 0..1 or a %', fraction, 0.02)
    .option('--seed <s>', 'random seed for the simulator', integer)
    .addHelpText(
      'after',
      [
        '',
        'With KAFKA_BROKERS, SCHEMA_REGISTRY_URL and MYSQL_URL all set (or --brokers, --registry-url, --mysql-url),',
        'the demo uses them. Otherwise it starts Kafka, a schema registry and MySQL with testcontainers',
        '(Docker needed; images from KAFKA_IMAGE, SCHEMA_REGISTRY_IMAGE, MYSQL_IMAGE) and removes them at the end.',
        'Exit 1 if a stage fails or the final counts do not add up.',
      ].join('\n'),
    )
    .action(async (flags: DemoFlags, command: Command) => {
      const print = (line: string) => deps.io.out(`${line}\n`);
      // Validate everything before starting containers: a typo should not cost a minute of Docker.
      const first = contextFor(command, deps);
      const seed = flags.seed ?? randomSeed();
      fleetFor(flags, first.config, seed);
      const stop = stopSignal(first.logger);
      let infrastructure: Infrastructure = givenInfrastructure;
      try {
        const given = endpointsGiven(deps.io.env, overridesFrom(command.optsWithGlobals()));
        if (given.length < 3) {
          if (given.length > 0) print(`Only ${given.join(', ')} set: starting a throwaway stack for all three (set all three to use your own).`);
          infrastructure = await startThrowawayStack(print);
        } else {
          print('Using the configured Kafka, schema registry and MySQL.');
        }
        if (stop.signal.aborted) return;
        const { config, logger } = contextFor(command, deps, infrastructure.endpoints);
        const outcome = await runDemo({
          config,
          logger,
          print,
          fleet: fleetFor(flags, config, seed),
          rate: flags.rate,
          durationMs: flags.duration === undefined ? undefined : flags.duration * 1000,
          signal: stop.signal,
        });
        if (!outcome.consistent) throw new ExitError('the final counts do not add up (see the summary)');
      } finally {
        stop.dispose();
        await infrastructure.stop();
      }
    });
}
