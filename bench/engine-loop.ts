/**
 * `npx tsx bench/engine-loop.ts [--stateful] [--records N] [--runs N] [--cpu-prof DIR] [--heap-prof DIR] [--alloc-prof DIR] [--child-node-args="FLAGS"]`:
 * CPU per reading of the pipeline's engine in process (bench/engine-loop-child.ts), no containers:
 * the stateless pipeline, or with `--stateful` the app's default (episodes, silence, rollups and
 * their changelog writes). Each run is a
 * fresh process on the compiled child (plain node, as deployed); the median says more than any one
 * run on a shared machine. A cheap, steadier A/B figure beside `npm run bench`'s end-to-end one,
 * which also counts the Kafka and MySQL clients' work. `--alloc-prof DIR` samples what the measured
 * pass allocates, garbage included (bench/allocation-sampling.ts), and prints it per reading: a
 * steadier figure than CPU on a shared machine when the change cuts objects.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { buildTopologyChild } from './build-child.js';
import type { EngineLoopResult } from './engine-loop-child.js';
import { deployedNodeOptions } from './options.js';

const { values } = parseArgs({
  options: {
    records: { type: 'string', default: '300000' },
    runs: { type: 'string', default: '5' },
    stateful: { type: 'boolean', default: false },
    'cpu-prof': { type: 'string' },
    'heap-prof': { type: 'string' },
    'alloc-prof': { type: 'string' },
    // Node flags of the runs; by default the Dockerfile's NODE_OPTIONS, as `npm run bench`'s child.
    'child-node-args': { type: 'string', default: deployedNodeOptions() },
  },
});
const records = Number(values.records);
if (values['alloc-prof']) mkdirSync(values['alloc-prof'], { recursive: true });
const runs = Number(values.runs);
const script = buildTopologyChild().replace(/topology-child\.js$/, 'engine-loop-child.js');
const load = () =>
  loadavg()
    .map((l) => l.toFixed(1))
    .join(' ');
const mode = values.stateful ? 'stateful' : 'stateless';
console.log(`engine loop (${mode}): ${records} readings per run, ${runs} runs of ${script}; load average ${load()}`);
const us: number[] = [];
for (let run = 1; run <= runs; run++) {
  const profile = [
    ...(values['cpu-prof'] ? ['--cpu-prof', '--cpu-prof-dir', values['cpu-prof']] : []),
    ...(values['heap-prof'] ? ['--heap-prof', '--heap-prof-dir', values['heap-prof']] : []),
  ];
  const child = spawnSync(process.execPath, [...values['child-node-args'].split(/\s+/).filter(Boolean), ...profile, script, String(records), mode], {
    encoding: 'utf8',
    env: values['alloc-prof'] ? { ...process.env, ENGINE_LOOP_ALLOC_PROF: values['alloc-prof'] } : process.env,
  });
  if (child.status !== 0) throw new Error(`run ${run} failed:\n${child.stdout}${child.stderr}`);
  const r = JSON.parse(child.stdout.trim().split('\n').pop()!) as EngineLoopResult;
  const perReading = (r.cpuSeconds * 1e6) / r.records;
  us.push(perReading);
  const allocated =
    r.allocatedBytes === undefined
      ? ''
      : `; sampled allocations ${(r.allocatedBytes / 1e6).toFixed(0)} MB, ${(r.allocatedBytes / r.records / 1024).toFixed(2)} KiB a reading`;
  console.log(
    `run ${run}: ${perReading.toFixed(2)} µs CPU per reading (${r.cpuSeconds.toFixed(2)} CPU s, ${r.wallSeconds.toFixed(2)} s wall, GC ${(r.gcMs / 1000).toFixed(2)} s); ${r.rows} rows, ${r.produced} produced (${r.changelogEntries} changelog entries of ${r.changelogChanges} changes in ${r.changelogBatches} batches), ${r.rollupRows} rollups${allocated}; load ${load()}`,
  );
}
const sorted = [...us].sort((a, b) => a - b);
console.log(
  `median ${sorted[Math.floor(sorted.length / 2)]!.toFixed(2)} µs CPU per reading (min ${sorted[0]!.toFixed(2)}, max ${sorted.at(-1)!.toFixed(2)}); load average ${load()}`,
);
