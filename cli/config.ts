/**
 * The one typed configuration: environment variables, overridable by flags, validated at start with
 * a message that names every bad setting. Secrets stay inside; `describeConfig` shows the rest.
 */
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { z } from 'zod';
import { LEGAL_MAX_F, LEGAL_MIN_F, type ReadingWindow } from '../app/rules/index.js';
import { ERROR_CLASSES, type ErrorPolicies } from '../topology/index.js';

const bool = z.enum(['true', 'false', '1', '0', 'yes', 'no']).transform((v) => v === 'true' || v === '1' || v === 'yes');
/**
 * Numbers are read strictly: a plain decimal, spaces around it allowed. Coercion would take " " as 0
 * and "0x50" as 80, and a typo would become a setting nobody chose.
 */
const DECIMAL = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)$/;
const WHOLE = /^\d+$/;
const int = (min: number, max: number) =>
  z
    .string()
    .trim()
    .regex(WHOLE, `must be a whole number from ${min} to ${max}`)
    .transform(Number)
    .pipe(z.number().min(min, `must be a whole number from ${min} to ${max}`).max(max, `must be a whole number from ${min} to ${max}`));
/** A °F alert limit: inside the legal range, or no reading that gets through could ever cross it. */
const limit = z
  .string()
  .trim()
  .regex(DECIMAL, `must be a number of °F from ${LEGAL_MIN_F} to ${LEGAL_MAX_F}`)
  .transform(Number)
  .pipe(
    z
      .number()
      .min(LEGAL_MIN_F, `must be from ${LEGAL_MIN_F} to ${LEGAL_MAX_F} °F, the legal range: outside it no valid reading can cross it`)
      .max(LEGAL_MAX_F, `must be from ${LEGAL_MIN_F} to ${LEGAL_MAX_F} °F, the legal range: outside it no valid reading can cross it`),
  );
const DAY_MS = 86_400_000;
/** A margin in °F: a plain decimal, 0 or more (its upper bound depends on the limits: see superRefine). */
const margin = z
  .string()
  .trim()
  .regex(DECIMAL, 'must be a number of °F, 0 or more')
  .transform(Number)
  .pipe(z.number().min(0, 'must be a number of °F, 0 or more'));
const policy = z.enum(['dlq', 'fail']).default('dlq');

function decodesAsUrl(value: string): boolean {
  try {
    const url = new URL(value);
    decodeURIComponent(url.username);
    decodeURIComponent(url.password);
    decodeURIComponent(url.pathname);
    return true;
  } catch {
    return false;
  }
}

// --- `tempstream serve` (api/): its own block, kept apart from the pipeline's settings. ---
const apiSettings = {
  /** Loopback by default: anything else needs API_TOKEN (checked when the server starts). */
  API_HOST: z.string().min(1).default('127.0.0.1'),
  API_PORT: int(0, 65535).default(8080),
  /** Bearer token for writes (re-drive), and for every route when API_HOST is beyond localhost. */
  API_TOKEN: z.string().min(16, 'at least 16 characters').optional(),
  /** Recorded as who re-drove a dead letter with the token. */
  API_TOKEN_NAME: z.string().min(1).max(128).default('api'),
  /** One origin allowed to call from a browser; unset: no CORS. */
  API_CORS_ORIGIN: z.url().optional(),
};

const schema = z
  .object({
    KAFKA_BROKERS: z
      .string()
      .default('localhost:9092')
      .transform((v) =>
        v
          .split(',')
          .map((b) => b.trim())
          .filter(Boolean),
      )
      .pipe(z.array(z.string().regex(/^[^:\s]+:\d+$/, 'each broker is host:port')).min(1)),
    KAFKA_CLIENT_ID: z.string().min(1).default('tempstream'),
    KAFKA_GROUP_ID: z.string().min(1).default('tempstream-topology'),
    KAFKA_SASL_MECHANISM: z.enum(['plain', 'scram-sha-256', 'scram-sha-512']).optional(),
    KAFKA_SASL_USERNAME: z.string().optional(),
    KAFKA_SASL_PASSWORD: z.string().optional(),
    KAFKA_SSL: bool.default(false),
    KAFKA_SSL_CA_FILE: z.string().optional(),
    KAFKA_SSL_REJECT_UNAUTHORIZED: bool.default(true),
    SCHEMA_REGISTRY_URL: z.url().default('http://localhost:8081'),
    SCHEMA_REGISTRY_USERNAME: z.string().optional(),
    SCHEMA_REGISTRY_PASSWORD: z.string().optional(),
    MYSQL_URL: z
      .string()
      .default('mysql://root@localhost:3306/tempstream')
      .refine((v) => /^mysql:\/\/[^/]+\/[A-Za-z0-9_$]+/.test(v), 'must look like mysql://user:password@host:port/database')
      // Checked here, not when connecting, so the message names the setting (and never its value).
      .refine(decodesAsUrl, 'is not a valid URL (percent-encode special characters in the user and password, e.g. %40 for @)'),
    MYSQL_SSL: bool.default(false),
    MYSQL_SSL_CA_FILE: z.string().optional(),
    MIN_TEMP: limit.default(45),
    MAX_TEMP: limit.default(110),
    SINK_BATCH_SIZE: int(1, 100_000).default(1000),
    SINK_LINGER_MS: int(0, 60_000).default(100),
    SINK_CONCURRENCY: int(1, 16).default(2),
    MAX_IN_FLIGHT_PER_PARTITION: int(1, 1_000_000).default(2000),
    PROCESSING_GUARANTEE: z.enum(['at_least_once', 'exactly_once']).default('at_least_once'),
    // exactly_once: the broker aborts a transaction open longer (its transaction.max.timeout.ms is 15 min by default).
    TRANSACTION_TIMEOUT_MS: int(1_000, 900_000).default(10_000),
    ERROR_POLICY_DESERIALIZATION: policy,
    ERROR_POLICY_VALIDATION: policy,
    ERROR_POLICY_PROCESSING: policy,
    ERROR_POLICY_SINK: policy,
    ERROR_POLICY_PRODUCTION: policy,
    JSON_INPUT: bool.default(false),
    INPUT_PARTITIONS: int(1, 1000).default(6),
    LOG_LEVEL: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info'),
    METRICS_PORT: int(0, 65535).default(9464),
    // Its own port, so `start` and `alerts` on one host do not collide with the defaults.
    ALERTS_METRICS_PORT: int(0, 65535).default(9465),
    SHUTDOWN_TIMEOUT_MS: int(0, 600_000).default(30_000),
    INSTANCE_ID: z
      .string()
      .regex(/^[A-Za-z0-9._-]{1,200}$/, 'letters, digits, ".", "_" and "-" only')
      .optional(),
    // How far a reading's time may lie before / after the moment its record was sent (docs: README).
    READING_MAX_AGE_MS: int(0, 3650 * DAY_MS).default(7 * DAY_MS),
    READING_MAX_FUTURE_MS: int(0, 3650 * DAY_MS).default(300_000),
    // The stateful part of the topology (issue 13): alert episodes, silent devices, per-minute rollups.
    STATEFUL: bool.default(true),
    ALERT_HYSTERESIS_F: margin.default(2),
    DEVICE_SILENCE_MS: int(1_000, 7 * DAY_MS).default(60_000),
    ROLLUP_GRACE_MS: int(0, 3_600_000).default(5_000),
    ...apiSettings,
  })
  .superRefine((c, ctx) => {
    // Refinements run even when a field failed, with its raw text: compare only numbers that parsed.
    if (Number.isFinite(c.MIN_TEMP) && Number.isFinite(c.MAX_TEMP) && c.MIN_TEMP >= c.MAX_TEMP)
      ctx.addIssue({ code: 'custom', path: ['MIN_TEMP'], message: `must be below MAX_TEMP (${c.MAX_TEMP})` });
    if (
      Number.isFinite(c.MIN_TEMP) &&
      Number.isFinite(c.MAX_TEMP) &&
      Number.isFinite(c.ALERT_HYSTERESIS_F) &&
      c.MIN_TEMP < c.MAX_TEMP &&
      c.ALERT_HYSTERESIS_F > (c.MAX_TEMP - c.MIN_TEMP) / 2
    )
      ctx.addIssue({
        code: 'custom',
        path: ['ALERT_HYSTERESIS_F'],
        message: `must be at most half the gap between MIN_TEMP and MAX_TEMP (${(c.MAX_TEMP - c.MIN_TEMP) / 2} °F), or a reading could resolve one limit's episode while crossing the other`,
      });
    if (c.KAFKA_SASL_MECHANISM && (!c.KAFKA_SASL_USERNAME || !c.KAFKA_SASL_PASSWORD)) {
      ctx.addIssue({
        code: 'custom',
        path: ['KAFKA_SASL_USERNAME'],
        message: 'KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD are required with KAFKA_SASL_MECHANISM',
      });
    }
    if (Boolean(c.SCHEMA_REGISTRY_USERNAME) !== Boolean(c.SCHEMA_REGISTRY_PASSWORD)) {
      ctx.addIssue({
        code: 'custom',
        path: ['SCHEMA_REGISTRY_PASSWORD'],
        message: 'give both SCHEMA_REGISTRY_USERNAME and SCHEMA_REGISTRY_PASSWORD, or neither',
      });
    }
  });

export type RawConfig = z.output<typeof schema>;
export const CONFIG_KEYS = Object.keys(schema.shape) as (keyof RawConfig)[];

export interface AppConfig {
  readonly kafka: {
    brokers: string[];
    clientId: string;
    groupId: string;
    sasl?: { mechanism: 'plain' | 'scram-sha-256' | 'scram-sha-512'; username: string; password: string };
    ssl: false | { ca?: string; rejectUnauthorized: boolean };
  };
  readonly schemaRegistry: { url: string; auth?: { username: string; password: string } };
  readonly mysql: { url: string; ssl: false | { ca?: string } };
  readonly rules: { minTemp: number; maxTemp: number };
  readonly readingWindow: ReadingWindow;
  readonly sink: { batchSize: number; lingerMs: number; concurrency: number };
  readonly maxInFlightPerPartition: number;
  readonly processingGuarantee: 'at_least_once' | 'exactly_once';
  /** exactly_once: how long a transaction may stay open before the broker aborts it. */
  readonly transactionTimeoutMs: number;
  readonly errorPolicies: ErrorPolicies;
  readonly jsonInput: boolean;
  readonly inputPartitions: number;
  readonly logLevel: RawConfig['LOG_LEVEL'];
  readonly metricsPort: number;
  readonly alertsMetricsPort: number;
  readonly shutdownTimeoutMs: number;
  /** Names this instance in its transactional ids (`<group>-<instanceId>`): stable across restarts, unique among live instances. */
  readonly instanceId: string;
  readonly api: { host: string; port: number; token?: string; tokenName: string; corsOrigin?: string };
  /** Alert episodes, silent devices and per-minute rollups; `enabled: false` runs the stateless topology. */
  readonly stateful: { enabled: boolean; hysteresisF: number; silenceMs: number; rollupGraceMs: number };
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Reads the configuration from `env` with `overrides` (flags) on top; throws ConfigError naming each bad setting. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, overrides: Partial<Record<keyof RawConfig, string>> = {}): AppConfig {
  const input: Record<string, string | undefined> = {};
  for (const key of CONFIG_KEYS) {
    const value = overrides[key] ?? env[key];
    input[key] = value === '' ? undefined : value;
  }
  const parsed = schema.safeParse(input);
  if (!parsed.success) {
    // Never echo the offending value: it may be a password.
    throw new ConfigError(parsed.error.issues.map((i) => `${settingOf(i.path)}: ${i.message}`));
  }
  const c = parsed.data;
  const readCa = (key: string, file: string | undefined) => {
    if (!file) return undefined;
    try {
      return readFileSync(file, 'utf8');
    } catch (err) {
      throw new ConfigError([`${key}: cannot read ${file}: ${(err as Error).message}`]);
    }
  };
  return {
    kafka: {
      brokers: c.KAFKA_BROKERS,
      clientId: c.KAFKA_CLIENT_ID,
      groupId: c.KAFKA_GROUP_ID,
      sasl: c.KAFKA_SASL_MECHANISM ? { mechanism: c.KAFKA_SASL_MECHANISM, username: c.KAFKA_SASL_USERNAME!, password: c.KAFKA_SASL_PASSWORD! } : undefined,
      ssl: c.KAFKA_SSL ? { ca: readCa('KAFKA_SSL_CA_FILE', c.KAFKA_SSL_CA_FILE), rejectUnauthorized: c.KAFKA_SSL_REJECT_UNAUTHORIZED } : false,
    },
    schemaRegistry: {
      url: c.SCHEMA_REGISTRY_URL,
      auth: c.SCHEMA_REGISTRY_USERNAME ? { username: c.SCHEMA_REGISTRY_USERNAME, password: c.SCHEMA_REGISTRY_PASSWORD! } : undefined,
    },
    mysql: { url: c.MYSQL_URL, ssl: c.MYSQL_SSL ? { ca: readCa('MYSQL_SSL_CA_FILE', c.MYSQL_SSL_CA_FILE) } : false },
    rules: { minTemp: c.MIN_TEMP, maxTemp: c.MAX_TEMP },
    readingWindow: { maxAgeMs: c.READING_MAX_AGE_MS, maxFutureMs: c.READING_MAX_FUTURE_MS },
    sink: { batchSize: c.SINK_BATCH_SIZE, lingerMs: c.SINK_LINGER_MS, concurrency: c.SINK_CONCURRENCY },
    maxInFlightPerPartition: c.MAX_IN_FLIGHT_PER_PARTITION,
    processingGuarantee: c.PROCESSING_GUARANTEE,
    transactionTimeoutMs: c.TRANSACTION_TIMEOUT_MS,
    errorPolicies: Object.fromEntries(ERROR_CLASSES.map((k) => [k, c[`ERROR_POLICY_${k.toUpperCase()}` as keyof RawConfig]])) as unknown as ErrorPolicies,
    jsonInput: c.JSON_INPUT,
    inputPartitions: c.INPUT_PARTITIONS,
    logLevel: c.LOG_LEVEL,
    metricsPort: c.METRICS_PORT,
    alertsMetricsPort: c.ALERTS_METRICS_PORT,
    shutdownTimeoutMs: c.SHUTDOWN_TIMEOUT_MS,
    instanceId: c.INSTANCE_ID ?? hostname(),
    api: { host: c.API_HOST, port: c.API_PORT, token: c.API_TOKEN, tokenName: c.API_TOKEN_NAME, corsOrigin: c.API_CORS_ORIGIN },
    stateful: { enabled: c.STATEFUL, hysteresisF: c.ALERT_HYSTERESIS_F, silenceMs: c.DEVICE_SILENCE_MS, rollupGraceMs: c.ROLLUP_GRACE_MS },
  };
}

/** The configuration with every secret masked, for logs and `--help` output. */
export function describeConfig(config: AppConfig): Record<string, unknown> {
  return {
    kafka: {
      ...config.kafka,
      sasl: config.kafka.sasl ? { mechanism: config.kafka.sasl.mechanism, username: config.kafka.sasl.username, password: '***' } : undefined,
      ssl: Boolean(config.kafka.ssl),
    },
    schemaRegistry: {
      url: redactUrl(config.schemaRegistry.url),
      auth: config.schemaRegistry.auth ? { username: config.schemaRegistry.auth.username, password: '***' } : undefined,
    },
    mysql: { url: redactUrl(config.mysql.url), ssl: Boolean(config.mysql.ssl) },
    rules: config.rules,
    readingWindow: config.readingWindow,
    sink: config.sink,
    maxInFlightPerPartition: config.maxInFlightPerPartition,
    processingGuarantee: config.processingGuarantee,
    errorPolicies: config.errorPolicies,
    stateful: config.stateful,
    metricsPort: config.metricsPort,
    alertsMetricsPort: config.alertsMetricsPort,
    api: { ...config.api, token: config.api.token === undefined ? undefined : '***' },
  };
}

/**
 * Masks the password of every URL in the text (mysql://user:secret@host → mysql://user:***@host).
 * The user may be empty and the password may hold spaces and unescaped `@`s (people paste them so):
 * the password runs to the `@` after which a host follows, and never past `/`, `?` or `#`, which end a
 * URL's credentials. Masking too much is the safe way to be wrong.
 */
const URL_PASSWORD = /(\b[a-z][a-z0-9+.-]*:\/\/[^:/?#@\s]*:)[^/?#\n]*?@(?=[^@\s/?#]*(?:[\s/?#'"),;]|$))/gi;
export function redactUrl(url: string): string {
  return url.replace(URL_PASSWORD, '$1***@');
}

/** `KAFKA_BROKERS` or, for one item of a list, `KAFKA_BROKERS (item 2)`. */
function settingOf(path: readonly PropertyKey[]): string {
  const [key, index] = path;
  if (key === undefined) return '(config)';
  return typeof index === 'number' ? `${String(key)} (item ${index + 1})` : String(key);
}
