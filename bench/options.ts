/** The bench's flags (node:util parseArgs): how much data, which phases, and how long each lasts. */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { DEFAULT_SQL_PATH, SQL_PATHS, type SqlPath } from '../sinks/index.js';

export const PHASES = ['topology', 'latency', 'seed', 'consume', 'sink', 'memory', 'scale', 'state'] as const;
export type Phase = (typeof PHASES)[number];

export interface BenchOptions {
  readonly records: number;
  readonly rate: number;
  readonly partitions: number;
  readonly latencySeconds: number;
  /** The latency phase is run this many times: its p99 moves from run to run. */
  readonly latencyRuns: number;
  readonly only: ReadonlySet<Phase>;
  /** The seed's way is so slow that it runs on a budget and is extrapolated. */
  readonly seedSeconds: number;
  readonly seedRecords: number;
  readonly memorySeconds: number;
  /** Added before every sink transaction in the memory phase: ~1,000 rows per (delay + write). */
  readonly slowSinkMs: number;
  /**
   * Profile into this folder: the topology children with node --cpu-prof, and the consume ceilings
   * (which run in the bench process) through the inspector, one file per client.
   */
  readonly cpuProfDir: string | undefined;
  /** Node flags for the topology child; by default the Dockerfile's NODE_OPTIONS (its V8 heap limit). */
  readonly childNodeArgs: readonly string[];
  /** Run the topology child under tsx instead of compiled on plain node (as deployed). */
  readonly tsxChild: boolean;
  /** The sink ceiling is measured once per SQL path listed. */
  readonly sqlPaths: readonly SqlPath[];
  /** The SQL path of the topology children's readings sink. */
  readonly pipelineSql: SqlPath;
  /** Scale-out: topology instances in one group, one run per count (phase `scale`, on when given). */
  readonly instances: readonly number[];
  /** State phase: changelog entries to restore (0: no restore jobs), input records of the CPU comparison, runs of each topology. */
  readonly stateEntries: number;
  readonly stateRecords: number;
  readonly stateRuns: number;
  /** Also write the figures as JSON here. */
  readonly json: string | undefined;
}

const USAGE = `npm run bench -- [--records N] [--rate R] [--partitions P] [--latency-seconds S] [--latency-runs N]
                     [--only ${PHASES.join(',')}] [--seed-seconds S] [--seed-records N]
                     [--memory-seconds S] [--slow-sink-ms MS] [--cpu-prof DIR] [--json FILE] [--tsx-child]
                     [--child-node-args="FLAGS"] [--sql ${SQL_PATHS.join(',')}]
                     [--pipeline-sql PATH] [--instances 1,2,3]
                     [--state-entries N] [--state-records N] [--state-runs N]`;

export function parseOptions(argv: readonly string[]): BenchOptions {
  const { values } = parseArgs({
    args: [...argv],
    strict: true,
    options: {
      records: { type: 'string', default: '1000000' },
      rate: { type: 'string', default: '5000' },
      partitions: { type: 'string', default: '6' },
      'latency-seconds': { type: 'string', default: '20' },
      'latency-runs': { type: 'string', default: '5' },
      only: { type: 'string' },
      'seed-seconds': { type: 'string', default: '30' },
      'seed-records': { type: 'string', default: '20000' },
      'memory-seconds': { type: 'string', default: '60' },
      'slow-sink-ms': { type: 'string', default: '500' },
      'cpu-prof': { type: 'string' },
      json: { type: 'string' },
      'tsx-child': { type: 'boolean', default: false },
      'child-node-args': { type: 'string', default: deployedNodeOptions() },
      sql: { type: 'string', default: SQL_PATHS.join(',') },
      'pipeline-sql': { type: 'string', default: DEFAULT_SQL_PATH },
      instances: { type: 'string' },
      'state-entries': { type: 'string', default: '1000000' },
      'state-records': { type: 'string', default: '300000' },
      'state-runs': { type: 'string', default: '1' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const instances = values.instances === undefined ? [] : values.instances.split(',').map((n) => positiveInt('instances', n.trim()));
  // Scale-out runs the topology several times over: only when asked for.
  const only =
    values.only === undefined
      ? new Set<Phase>(PHASES.filter((p) => p !== 'scale' || instances.length > 0))
      : new Set(values.only.split(',').map((p) => phase(p.trim())));
  if (only.has('scale') && instances.length === 0) throw new Error(`--only scale needs --instances, e.g. --instances 1,2,3\n${USAGE}`);
  return {
    records: positiveInt('records', values.records),
    rate: positiveInt('rate', values.rate),
    partitions: positiveInt('partitions', values.partitions),
    latencySeconds: positiveInt('latency-seconds', values['latency-seconds']),
    latencyRuns: positiveInt('latency-runs', values['latency-runs']),
    only,
    seedSeconds: positiveInt('seed-seconds', values['seed-seconds']),
    seedRecords: positiveInt('seed-records', values['seed-records']),
    memorySeconds: positiveInt('memory-seconds', values['memory-seconds']),
    slowSinkMs: positiveInt('slow-sink-ms', values['slow-sink-ms'], 0),
    cpuProfDir: values['cpu-prof'],
    json: values.json,
    sqlPaths: values.sql.split(',').map((p) => sqlPath(p.trim())),
    pipelineSql: sqlPath(values['pipeline-sql']),
    instances,
    stateEntries: positiveInt('state-entries', values['state-entries'], 0),
    stateRecords: positiveInt('state-records', values['state-records']),
    stateRuns: positiveInt('state-runs', values['state-runs']),
    tsxChild: values['tsx-child'],
    childNodeArgs: values['child-node-args'].split(/\s+/).filter((a) => a.length > 0),
  };
}

/** The NODE_OPTIONS the Dockerfile deploys the topology with, so the bench measures what runs. */
export function deployedNodeOptions(): string {
  const dockerfile = readFileSync(fileURLToPath(new URL('../Dockerfile', import.meta.url)), 'utf8');
  return /^ENV NODE_OPTIONS=(.+)$/m.exec(dockerfile)?.[1]?.trim() ?? '';
}

function positiveInt(name: string, text: string, min = 1): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < min) throw new Error(`--${name} must be an integer ≥ ${min}, got ${text}\n${USAGE}`);
  return n;
}

function sqlPath(name: string): SqlPath {
  if (!(SQL_PATHS as readonly string[]).includes(name)) throw new Error(`--sql: unknown path ${name} (known: ${SQL_PATHS.join(', ')})`);
  return name as SqlPath;
}

function phase(name: string): Phase {
  if (!(PHASES as readonly string[]).includes(name)) throw new Error(`--only: unknown phase ${name} (known: ${PHASES.join(', ')})`);
  return name as Phase;
}
