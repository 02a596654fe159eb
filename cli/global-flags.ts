/**
 * Flags every command accepts, each standing in for one configuration variable. A flag wins over
 * the environment; a bad value is reported under the variable's name and the flag's.
 */
import { Option, type Command } from 'commander';
import { ConfigError, loadConfig, type AppConfig, type RawConfig } from './config.js';

type ConfigKey = keyof RawConfig;

interface GlobalFlag {
  /** Commander's flag syntax. */
  readonly flags: string;
  readonly key: ConfigKey;
  readonly description: string;
  /** What a flag without an argument stands for; default 'true'. */
  readonly value?: string;
}

export const GLOBAL_FLAGS: readonly GlobalFlag[] = [
  { flags: '--brokers <host:port,...>', key: 'KAFKA_BROKERS', description: 'Kafka bootstrap brokers' },
  { flags: '--registry-url <url>', key: 'SCHEMA_REGISTRY_URL', description: 'Confluent-compatible schema registry base URL' },
  // Command lines are visible to other users (ps): the environment is the better place for a password.
  { flags: '--mysql-url <url>', key: 'MYSQL_URL', description: 'mysql://user:password@host:port/database (prefer the env var for the password)' },
  { flags: '--group-id <id>', key: 'KAFKA_GROUP_ID', description: 'consumer group of the temperature topology' },
  { flags: '--log-level <level>', key: 'LOG_LEVEL', description: 'trace, debug, info, warn, error, fatal or silent' },
  { flags: '--metrics-port <port>', key: 'METRICS_PORT', description: 'port of /healthz, /readyz and /metrics; 0 turns them off' },
  { flags: '--min-temp <F>', key: 'MIN_TEMP', description: 'a reading below raises a LOW alert (°F)' },
  { flags: '--max-temp <F>', key: 'MAX_TEMP', description: 'a reading above raises a HIGH alert (°F)' },
  { flags: '--partitions <n>', key: 'INPUT_PARTITIONS', description: 'partitions of topics the CLI creates' },
  { flags: '--json-input', key: 'JSON_INPUT', description: 'also read temperature-readings-json' },
  { flags: '--stateless', key: 'STATEFUL', value: 'false', description: 'no alert episodes, silent devices or rollups: the stateless topology' },
];

/** Adds the global flags to the program; the help shows the variable each one overrides. */
export function addGlobalFlags(program: Command): Command {
  for (const flag of GLOBAL_FLAGS) {
    program.addOption(new Option(flag.flags, `${flag.description} (env ${flag.key})`).helpGroup('Global options (override environment variables):'));
  }
  return program;
}

const attributeOf = (flag: GlobalFlag): string => new Option(flag.flags).attributeName();
const flagNameOf = (flag: GlobalFlag): string => flag.flags.split(' ')[0] ?? flag.flags;

/** The configuration overrides the parsed flags stand for. */
export function overridesFrom(options: Readonly<Record<string, unknown>>): Partial<Record<ConfigKey, string>> {
  const overrides: Partial<Record<ConfigKey, string>> = {};
  for (const flag of GLOBAL_FLAGS) {
    const value = options[attributeOf(flag)];
    if (typeof value === 'string') overrides[flag.key] = value;
    else if (value === true) overrides[flag.key] = flag.value ?? 'true';
  }
  return overrides;
}

/**
 * loadConfig with the flags on top. Problems with a setting that came from a flag name the flag
 * too, so the person knows which of the two to fix.
 */
export function loadCliConfig(env: NodeJS.ProcessEnv, options: Readonly<Record<string, unknown>>, extra: Partial<Record<ConfigKey, string>> = {}): AppConfig {
  const overrides = { ...overridesFrom(options), ...extra };
  try {
    return loadConfig(env, overrides);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    throw new ConfigError(err.problems.map((problem) => withFlagName(problem, overrides)));
  }
}

function withFlagName(problem: string, overrides: Partial<Record<ConfigKey, string>>): string {
  for (const flag of GLOBAL_FLAGS) {
    if (overrides[flag.key] !== undefined && (problem.startsWith(`${flag.key}:`) || problem.startsWith(`${flag.key} `))) {
      return problem.replace(flag.key, `${flag.key} (${flagNameOf(flag)})`);
    }
  }
  return problem;
}
