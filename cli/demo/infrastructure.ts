/**
 * Where the demo runs: the Kafka, registry and MySQL the configuration names when all three are
 * given, or a throwaway stack in containers otherwise (stack/harness.ts, needs Docker and the
 * testcontainers dev dependency, loaded only here).
 */
import type { RawConfig } from '../config.js';

type Endpoints = Pick<Record<keyof RawConfig, string>, 'KAFKA_BROKERS' | 'SCHEMA_REGISTRY_URL' | 'MYSQL_URL'>;
const ENDPOINT_KEYS = ['KAFKA_BROKERS', 'SCHEMA_REGISTRY_URL', 'MYSQL_URL'] as const;

export interface Infrastructure {
  /** Configuration overrides pointing at the stack; empty when the configuration's own endpoints are used. */
  readonly endpoints: Partial<Endpoints>;
  /** Stops what the demo started; nothing for endpoints it was given. */
  stop(): Promise<void>;
}

/** Which of the three endpoints are set, by environment variable or flag. */
export function endpointsGiven(env: NodeJS.ProcessEnv, overrides: Partial<Record<keyof RawConfig, string>>): (keyof Endpoints)[] {
  return ENDPOINT_KEYS.filter((key) => Boolean(overrides[key] ?? env[key]));
}

export const givenInfrastructure: Infrastructure = { endpoints: {}, stop: () => Promise.resolve() };

export async function startThrowawayStack(print: (line: string) => void): Promise<Infrastructure> {
  const { startStack, imagesFromEnv, prepareStackEnvironment } = await import('../../stack/harness.js');
  print('Preparing Docker and the stack images (stack/prepare.sh; the first time on a machine without a registry, a few minutes)...');
  // Sets KAFKA_IMAGE etc. in the environment when it chose the offline stand-ins; startStack reads them.
  prepareStackEnvironment();
  const images = imagesFromEnv();
  print('Starting a throwaway stack in Docker:');
  print(`  kafka            ${images.kafka}`);
  print(`  schema registry  ${images.schemaRegistry}`);
  print(`  mysql            ${images.mysql}`);
  const stack = await startStack({ log: (line) => print(`  ${line}`) });
  print(
    `Stack ready in ${stack.startupSeconds.total.toFixed(1)} s: Kafka ${stack.settings.kafkaBrokers.join(',')}, registry ${stack.settings.schemaRegistryUrl}`,
  );
  return {
    endpoints: {
      KAFKA_BROKERS: stack.settings.kafkaBrokers.join(','),
      SCHEMA_REGISTRY_URL: stack.settings.schemaRegistryUrl,
      MYSQL_URL: stack.settings.mysqlUrl,
    },
    stop: async () => {
      const started = Date.now();
      await stack.stop();
      print(`Stack stopped and removed in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    },
  };
}
