import { describe, expect, it } from 'vitest';
import { ConfigError, describeConfig, loadConfig, redactUrl } from './config.js';
import { loadCliConfig, overridesFrom } from './global-flags.js';
import { pipelineSettings } from './services/pipeline-settings.js';

const problemsOf = (fn: () => unknown): string[] => {
  try {
    fn();
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  throw new Error('expected a ConfigError');
};

describe('loadConfig', () => {
  it('has working defaults', () => {
    const config = loadConfig({});
    expect(config.kafka.brokers).toEqual(['localhost:9092']);
    expect(config.rules).toEqual({ minTemp: 45, maxTemp: 110 });
    expect(config.metricsPort).toBe(9464);
  });

  it.each([
    [{ KAFKA_BROKERS: 'kafka-without-port' }, 'KAFKA_BROKERS (item 1)'],
    [{ SCHEMA_REGISTRY_URL: 'not a url' }, 'SCHEMA_REGISTRY_URL'],
    [{ MYSQL_URL: 'postgres://db/x' }, 'MYSQL_URL'],
    [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL'],
    [{ METRICS_PORT: '70000' }, 'METRICS_PORT'],
    [{ SINK_BATCH_SIZE: '0' }, 'SINK_BATCH_SIZE'],
    [{ MIN_TEMP: '90', MAX_TEMP: '80' }, 'MIN_TEMP'],
    [{ ERROR_POLICY_SINK: 'ignore' }, 'ERROR_POLICY_SINK'],
    [{ KAFKA_SSL: 'maybe' }, 'KAFKA_SSL'],
    [{ PROCESSING_GUARANTEE: 'exactly-once' }, 'PROCESSING_GUARANTEE'],
    [{ INSTANCE_ID: 'pod 1' }, 'INSTANCE_ID'],
  ])('names the setting for %o', (env, setting) => {
    const problems = problemsOf(() => loadConfig(env));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(new RegExp(`^${setting.replace(/[()]/g, '\\$&')}: `));
  });

  it("derives each group's transactional id from the group and INSTANCE_ID, stable across restarts of the instance", () => {
    const config = loadConfig({ KAFKA_GROUP_ID: 'grp', INSTANCE_ID: 'pod-1' });
    expect(pipelineSettings(config).transactionalId).toBe('grp-pod-1');
    expect(pipelineSettings(config, 'other').transactionalId).toBe('other-pod-1');
    expect(pipelineSettings(loadConfig({ KAFKA_GROUP_ID: 'grp' })).transactionalId).toBe(
      pipelineSettings(loadConfig({ KAFKA_GROUP_ID: 'grp' })).transactionalId,
    );
  });

  it.each([
    ['MIN_TEMP', '31.9'],
    ['MIN_TEMP', '-10'],
    ['MAX_TEMP', '132.5'],
    ['MAX_TEMP', '200'],
  ])('refuses %s=%s, outside the legal range 32..132 °F, where an alert could never fire', (key, value) => {
    const problems = problemsOf(() => loadConfig({ [key]: value }));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(new RegExp(`^${key}: .*32.*132`));
  });

  it('accepts limits on the legal bounds', () => {
    expect(loadConfig({ MIN_TEMP: '32', MAX_TEMP: '132' }).rules).toEqual({ minTemp: 32, maxTemp: 132 });
    expect(loadConfig({ MIN_TEMP: '40.5', MAX_TEMP: ' 100 ' }).rules).toEqual({ minTemp: 40.5, maxTemp: 100 });
  });

  const NUMERIC = [
    'MIN_TEMP',
    'MAX_TEMP',
    'SINK_BATCH_SIZE',
    'SINK_LINGER_MS',
    'SINK_CONCURRENCY',
    'MAX_IN_FLIGHT_PER_PARTITION',
    'INPUT_PARTITIONS',
    'METRICS_PORT',
    'ALERTS_METRICS_PORT',
    'SHUTDOWN_TIMEOUT_MS',
    'TRANSACTION_TIMEOUT_MS',
    'READING_MAX_AGE_MS',
    'READING_MAX_FUTURE_MS',
    'ALERT_HYSTERESIS_F',
    'DEVICE_SILENCE_MS',
    'ROLLUP_GRACE_MS',
  ];
  it.each(NUMERIC.flatMap((key) => [' ', '0x50', '5e1', '1_000', 'Infinity', '50abc', '+-5'].map((value) => [key, value])))(
    'refuses %s=%j: only a plain decimal number is a number',
    (key, value) => {
      const problems = problemsOf(() => loadConfig({ [key]: value }));
      expect(problems).toHaveLength(1);
      expect(problems[0]).toMatch(new RegExp(`^${key}: must be a`));
      expect(problems[0]).not.toContain(value.trim() === '' ? '<never>' : value);
    },
  );

  it('refuses a fraction where a whole number is needed', () => {
    expect(problemsOf(() => loadConfig({ SINK_BATCH_SIZE: '10.5' }))[0]).toMatch(/^SINK_BATCH_SIZE: must be a whole number/);
  });

  it('reads the reading-time window, 7 days back and 5 minutes ahead by default', () => {
    expect(loadConfig({}).readingWindow).toEqual({ maxAgeMs: 7 * 86_400_000, maxFutureMs: 300_000 });
    expect(loadConfig({ READING_MAX_AGE_MS: '3600000', READING_MAX_FUTURE_MS: '0' }).readingWindow).toEqual({ maxAgeMs: 3_600_000, maxFutureMs: 0 });
  });

  it('reports every bad setting at once', () => {
    expect(problemsOf(() => loadConfig({ LOG_LEVEL: 'x', METRICS_PORT: 'y' }))).toHaveLength(2);
  });

  it('never echoes a password, whatever is wrong', () => {
    const secret = 'hunter2-s3cret';
    const envs: NodeJS.ProcessEnv[] = [
      { MYSQL_URL: `mysql://root:${secret}@db` },
      { SCHEMA_REGISTRY_URL: `http://user:${secret}@` },
      { SCHEMA_REGISTRY_PASSWORD: secret },
      { KAFKA_SASL_MECHANISM: 'plain', KAFKA_SASL_PASSWORD: secret },
      { KAFKA_SASL_MECHANISM: 'md5', KAFKA_SASL_USERNAME: 'u', KAFKA_SASL_PASSWORD: secret },
      { KAFKA_BROKERS: secret },
    ];
    for (const env of envs) {
      const problems = problemsOf(() => loadConfig(env));
      expect(problems.join('\n')).not.toContain(secret);
    }
  });

  it('describes itself without secrets', () => {
    const config = loadConfig({ MYSQL_URL: 'mysql://root:pw-123@db:3306/t', SCHEMA_REGISTRY_USERNAME: 'u', SCHEMA_REGISTRY_PASSWORD: 'pw-456' });
    const text = JSON.stringify(describeConfig(config));
    expect(text).not.toContain('pw-123');
    expect(text).not.toContain('pw-456');
    expect(text).toContain('mysql://root:***@db:3306/t');
  });
});

describe('stateful settings (issue 13)', () => {
  it('default to on, a 2 °F margin, a minute of silence and 5 s of grace', () => {
    expect(loadConfig({}).stateful).toEqual({ enabled: true, hysteresisF: 2, silenceMs: 60_000, rollupGraceMs: 5_000 });
    expect(loadConfig({ STATEFUL: 'false', ALERT_HYSTERESIS_F: '0.5', DEVICE_SILENCE_MS: '5000', ROLLUP_GRACE_MS: '0' }).stateful).toEqual({
      enabled: false,
      hysteresisF: 0.5,
      silenceMs: 5_000,
      rollupGraceMs: 0,
    });
  });

  it.each([
    [{ ALERT_HYSTERESIS_F: '-1' }, /^ALERT_HYSTERESIS_F: must be a number of °F, 0 or more/],
    [{ MIN_TEMP: '50', MAX_TEMP: '60', ALERT_HYSTERESIS_F: '5.5' }, /^ALERT_HYSTERESIS_F: must be at most half the gap between MIN_TEMP and MAX_TEMP \(5 °F\)/],
    [{ DEVICE_SILENCE_MS: '999' }, /^DEVICE_SILENCE_MS: must be a whole number from 1000/],
    [{ ROLLUP_GRACE_MS: '-5' }, /^ROLLUP_GRACE_MS: /],
    [{ STATEFUL: 'off' }, /^STATEFUL: /],
  ])('stops at a bad one, naming it: %o', (env, message) => {
    const problems = problemsOf(() => loadConfig(env));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(message);
  });

  it('is turned off by --stateless, which wins over STATEFUL=true', () => {
    expect(loadCliConfig({ STATEFUL: 'true' }, { stateless: true }).stateful.enabled).toBe(false);
    expect(loadCliConfig({}, {}).stateful.enabled).toBe(true);
  });
});

describe('redactUrl', () => {
  it('masks every password in a text, and nothing else', () => {
    expect(redactUrl('connect mysql://a:b@h/d failed; also http://c:d@e/')).toBe('connect mysql://a:***@h/d failed; also http://c:***@e/');
    expect(redactUrl('http://host:8081/path')).toBe('http://host:8081/path');
  });

  it.each([
    ['an empty user', 'mysql://:pw-secret@db:3306/x', 'mysql://:***@db:3306/x'],
    ['an unescaped @ in the password', 'mysql://u:p@w-secret@db:3306/x', 'mysql://u:***@db:3306/x'],
    ['a space in the password', 'mysql://u:pw secret@db:3306/x', 'mysql://u:***@db:3306/x'],
    ['all three, quoted in an error', "connect to 'mysql://:a b@c@db/x' failed", "connect to 'mysql://:***@db/x' failed"],
    ['two URLs on one line', 'mysql://u:p@q@h/d then http://c:d e@r:1/', 'mysql://u:***@h/d then http://c:***@r:1/'],
  ])('masks a password with %s', (_, text, masked) => {
    expect(redactUrl(text)).toBe(masked);
    expect(redactUrl(text)).not.toMatch(/secret|p@q|a b|d e/);
  });

  it('leaves URLs without a password alone', () => {
    expect(redactUrl('mysql://root@localhost:3306/tempstream')).toBe('mysql://root@localhost:3306/tempstream');
    expect(redactUrl('http://host:8081/path, mail admin@example')).toBe('http://host:8081/path, mail admin@example');
  });
});

describe('global flags', () => {
  it('map to configuration keys', () => {
    expect(overridesFrom({ brokers: 'k:1', registryUrl: 'http://r', mysqlUrl: 'mysql://m/db', logLevel: 'debug', jsonInput: true, other: 'x' })).toEqual({
      KAFKA_BROKERS: 'k:1',
      SCHEMA_REGISTRY_URL: 'http://r',
      MYSQL_URL: 'mysql://m/db',
      LOG_LEVEL: 'debug',
      JSON_INPUT: 'true',
    });
  });

  it('win over the environment', () => {
    const config = loadCliConfig({ KAFKA_BROKERS: 'env:1', LOG_LEVEL: 'warn' }, { brokers: 'flag:2' });
    expect(config.kafka.brokers).toEqual(['flag:2']);
    expect(config.logLevel).toBe('warn');
  });

  it('are named next to the variable when their value is bad', () => {
    expect(problemsOf(() => loadCliConfig({}, { logLevel: 'loud' }))[0]).toMatch(/^LOG_LEVEL \(--log-level\): /);
    expect(problemsOf(() => loadCliConfig({ LOG_LEVEL: 'loud' }, {}))[0]).toMatch(/^LOG_LEVEL: /);
  });
});

describe('a MYSQL_URL that does not decode', () => {
  it('is refused at start, naming the setting and not the password', () => {
    let message = '';
    try {
      loadConfig({ MYSQL_URL: 'mysql://root:S3cret%zz@db:3306/tempstream' });
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toMatch(/MYSQL_URL: is not a valid URL/);
    expect(message).not.toContain('S3cret');
  });
});

describe('API settings (tempstream serve)', () => {
  it('default to loopback on 8080 with no token and no CORS', () => {
    expect(loadConfig({}).api).toEqual({ host: '127.0.0.1', port: 8080, token: undefined, tokenName: 'api', corsOrigin: undefined });
  });

  it('name a bad one and never show the token', () => {
    let message = '';
    try {
      loadConfig({ API_PORT: '70000', API_TOKEN: 'short-secret', API_CORS_ORIGIN: 'nope' });
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toMatch(/API_PORT/);
    expect(message).toMatch(/API_TOKEN: at least 16 characters/);
    expect(message).toMatch(/API_CORS_ORIGIN/);
    expect(message).not.toContain('short-secret');
  });

  it('mask the token when described', () => {
    const described = describeConfig(loadConfig({ API_TOKEN: 'a-long-enough-secret-token' }));
    expect(JSON.stringify(described)).not.toContain('a-long-enough-secret-token');
    expect(described.api).toMatchObject({ token: '***' });
  });
});
