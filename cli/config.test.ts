import { describe, expect, it } from 'vitest';
import { ConfigError, describeConfig, loadConfig, redactUrl } from './config.js';
import { loadCliConfig, overridesFrom } from './global-flags.js';

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
  ])('names the setting for %o', (env, setting) => {
    const problems = problemsOf(() => loadConfig(env));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(new RegExp(`^${setting.replace(/[()]/g, '\\$&')}: `));
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

describe('redactUrl', () => {
  it('masks every password in a text, and nothing else', () => {
    expect(redactUrl('connect mysql://a:b@h/d failed; also http://c:d@e/')).toBe('connect mysql://a:***@h/d failed; also http://c:***@e/');
    expect(redactUrl('http://host:8081/path')).toBe('http://host:8081/path');
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
