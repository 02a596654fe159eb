/** Builds the Kafka and schema-registry clients from the validated configuration. */
import { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import { Kafka, logLevel as kafkaLogLevel, type LogEntry, type SASLOptions } from 'kafkajs';
import type { Logger } from 'pino';
import type { AppConfig } from './config.js';

export function createKafka(config: AppConfig, logger: Logger, clientIdSuffix = ''): Kafka {
  const { kafka } = config;
  const sasl: SASLOptions | undefined = kafka.sasl
    ? { mechanism: kafka.sasl.mechanism, username: kafka.sasl.username, password: kafka.sasl.password }
    : undefined;
  const log = logger.child({ component: 'kafkajs' });
  return new Kafka({
    clientId: `${kafka.clientId}${clientIdSuffix}`,
    brokers: kafka.brokers,
    ssl: kafka.ssl === false ? undefined : { ca: kafka.ssl.ca ? [kafka.ssl.ca] : undefined, rejectUnauthorized: kafka.ssl.rejectUnauthorized },
    sasl,
    logLevel: kafkaLogLevel.WARN,
    // KafkaJS logs through pino, so its lines share our format and redaction.
    logCreator:
      () =>
      ({ level, log: entry }: LogEntry) => {
        const { message, ...rest } = entry;
        const fields = { ...rest, namespace: undefined };
        // "Response X" errors are a broker's answer that KafkaJS retries (coordinator loading, leader
        // moving); a failure that survives the retries reaches the caller as an exception anyway.
        if (level <= kafkaLogLevel.ERROR && message.startsWith('Response ')) log.warn(fields, message);
        else if (level <= kafkaLogLevel.ERROR) log.error(fields, message);
        else if (level === kafkaLogLevel.WARN) log.warn(fields, message);
        else log.debug(fields, message);
      },
  });
}

export function createRegistry(config: AppConfig): SchemaRegistry {
  return new SchemaRegistry({ host: config.schemaRegistry.url, auth: config.schemaRegistry.auth });
}
