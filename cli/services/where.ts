/** Short descriptions of where the CLI connects, for error messages: never a password. */
import { redactUrl, type AppConfig } from '../config.js';

export const kafkaAt = (config: AppConfig): string => `Kafka at ${config.kafka.brokers.join(',')} (KAFKA_BROKERS)`;
export const mysqlAt = (config: AppConfig): string => `MySQL at ${redactUrl(config.mysql.url)} (MYSQL_URL)`;
export const registryAt = (config: AppConfig): string => `the schema registry at ${redactUrl(config.schemaRegistry.url)} (SCHEMA_REGISTRY_URL)`;
