#!/usr/bin/env node
// The README's test command (`npm test`): every check the project has, in order, then one summary line.
// Stages: type-check, lint, unit tests, features on the in-memory driver, then against real
// containers: integration tests, the reduced reliability (fault) suite and the features again.
// `--skip-integration` leaves out the container stages (a quick loop without Docker); CI never does.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, existsSync, rmSync } from 'node:fs';

const skipIntegration = process.argv.includes('--skip-integration');
mkdirSync('reports', { recursive: true });

/** @type {{ stage: string, passed: number, failed: number, skipped: number, seconds: number }[]} */
const results = [];

function run(stage, command, args, count, env = {}) {
  console.log(`\n=== ${stage}: ${[command, ...args].join(' ')}`);
  const started = Date.now();
  const r = spawnSync(command, args, { stdio: 'inherit', env: { ...process.env, ...env } });
  const seconds = (Date.now() - started) / 1000;
  const ok = r.status === 0;
  let counts = count ? count() : undefined;
  if (!counts) counts = { passed: ok ? 1 : 0, failed: ok ? 0 : 1, skipped: 0 };
  // A runner that failed before reporting still counts as a failure.
  if (!ok && counts.failed === 0) counts.failed = 1;
  results.push({ stage, ...counts, seconds });
  console.log(`=== ${stage}: ${ok ? 'ok' : 'FAILED'} (${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped, ${seconds.toFixed(1)} s)`);
}

function vitestCounts(file) {
  return () => {
    if (!existsSync(file)) return undefined;
    const j = JSON.parse(readFileSync(file, 'utf8'));
    return { passed: j.numPassedTests, failed: j.numFailedTests + (j.numRuntimeErrorTestSuites ?? 0), skipped: j.numPendingTests + j.numTodoTests };
  };
}

function cucumberCounts(file) {
  return () => {
    if (!existsSync(file)) return undefined;
    const features = JSON.parse(readFileSync(file, 'utf8'));
    let passed = 0,
      failed = 0,
      skipped = 0;
    for (const f of features)
      for (const s of f.elements ?? []) {
        if (s.type !== 'scenario') continue;
        const statuses = (s.steps ?? []).map((st) => st.result?.status);
        if (statuses.some((x) => x === 'failed' || x === 'undefined' || x === 'ambiguous' || x === 'pending')) failed++;
        else if (statuses.every((x) => x === 'passed')) passed++;
        else skipped++;
      }
    return { passed, failed, skipped };
  };
}

const fresh = (file) => {
  rmSync(file, { force: true });
  return file;
};
const npx = 'npx';
const cucumberEnv = { NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --import tsx`.trim() };

run('typecheck', 'npm', ['run', 'typecheck']);
// The dashboard's bundle (web/dist): the integration stage's browser test opens what the API serves from it.
run('web build', 'npm', ['run', 'build:web']);
run('lint', 'npm', ['run', 'lint']);
run('format', 'npm', ['run', 'format:check']);
run(
  'unit',
  npx,
  ['vitest', 'run', '--project', 'unit', '--reporter=default', '--reporter=json', `--outputFile.json=${fresh('reports/unit.json')}`],
  vitestCounts('reports/unit.json'),
);
run(
  'features',
  npx,
  ['cucumber-js', '--format', 'summary', '--format', `json:${fresh('reports/features.json')}`],
  cucumberCounts('reports/features.json'),
  cucumberEnv,
);
if (!skipIntegration) {
  // Docker and images, once for both integration stages (stack/prepare.sh prints NAME=value lines).
  if (process.env.TEMPSTREAM_STACK_PREPARED !== '1') {
    console.log('\n=== preparing the container stack: bash stack/prepare.sh');
    const prep = spawnSync('bash', ['stack/prepare.sh'], { stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8' });
    if (prep.status !== 0) console.log('=== stack/prepare.sh failed: the integration stages will fail');
    for (const line of (prep.stdout ?? '').split('\n')) {
      const m = /^([A-Z_]+)=(.*)$/.exec(line.trim());
      if (m) process.env[m[1]] = m[2];
    }
  }
  // Debian's Chromium for the browser test (test/integration/dashboard.test.ts); no browser download.
  console.log('\n=== browser for the dashboard test: bash stack/ensure-chromium.sh');
  if (spawnSync('bash', ['stack/ensure-chromium.sh'], { stdio: 'inherit' }).status !== 0)
    console.log('=== stack/ensure-chromium.sh failed: the dashboard test will fail');
  run(
    'integration',
    npx,
    ['vitest', 'run', '--project', 'integration', '--reporter=default', '--reporter=json', `--outputFile.json=${fresh('reports/integration.json')}`],
    vitestCounts('reports/integration.json'),
  );
  // The fault suite in its reduced form (RELIABILITY_MODE=full for the whole one: docs/reliability.md).
  run(
    'reliability (reduced)',
    npx,
    ['vitest', 'run', '--project', 'reliability', '--reporter=default', '--reporter=json', `--outputFile.json=${fresh('reports/reliability.json')}`],
    vitestCounts('reports/reliability.json'),
  );
  run(
    'features @integration',
    npx,
    ['cucumber-js', '--profile', 'integration', '--format', 'summary', '--format', `json:${fresh('reports/features-integration.json')}`],
    cucumberCounts('reports/features-integration.json'),
    cucumberEnv,
  );
}

const total = results.reduce((a, r) => ({ passed: a.passed + r.passed, failed: a.failed + r.failed, skipped: a.skipped + r.skipped }), {
  passed: 0,
  failed: 0,
  skipped: 0,
});
console.log('\nstage                      passed  failed  skipped  seconds');
for (const r of results)
  console.log(
    `${r.stage.padEnd(26)} ${String(r.passed).padStart(6)} ${String(r.failed).padStart(7)} ${String(r.skipped).padStart(8)} ${r.seconds.toFixed(1).padStart(8)}`,
  );
if (process.env.CI && total.skipped > 0) {
  console.log(`${total.skipped} skipped test(s): CI allows none`);
  total.failed += total.skipped;
}
console.log(`${total.passed} passed, ${total.failed} failed`);
process.exit(total.failed > 0 ? 1 : 0);
