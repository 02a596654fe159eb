/**
 * One topology instance in its own process, as users run it (createTemperatureRunner from
 * app/pipeline.ts), for scenarios that SIGKILL it. Tells its parent "started" over IPC once the
 * runner is up; SIGTERM stops it gracefully. Warnings and errors go to stderr, prefixed.
 * WORKER_GUARANTEE picks the processing guarantee (at_least_once by default); under exactly_once the
 * transactional id is `<group>-<WORKER_NAME>`, as the CLI's `<group>-<INSTANCE_ID>`: several workers
 * side by side in one group each need their own.
 */
import { createTemperatureRunner } from '../../../app/index.js';
import { errorMessage, type Logger } from '../../../topology/index.js';
import { LIMITS } from './mode.js';
import { clientsFor, type Endpoints } from './pipeline.js';

const name = process.env.WORKER_NAME ?? 'worker';
const endpoints = JSON.parse(process.env.WORKER_ENDPOINTS ?? '{}') as Endpoints;
const groupId = process.env.WORKER_GROUP;
if (!groupId || !endpoints.brokers) throw new Error('WORKER_GROUP and WORKER_ENDPOINTS must be set');

/** WORKER_TRACE=1: the runner's rebalance story too (joins, restores, resumes, aborts), not the periodic commits; 2: those too. */
const trace = process.env.WORKER_TRACE === '1' || process.env.WORKER_TRACE === '2';
const traceCommits = process.env.WORKER_TRACE === '2';
const say = (level: string, fields: object, message: string) =>
  process.stderr.write(`${new Date().toISOString().slice(11, 23)} [${name} ${level}] ${message} ${JSON.stringify(fields).slice(0, trace ? 3000 : 400)}\n`);
const traced = (level: string) => (fields: object, message: string) => {
  if (trace && (traceCommits || !('reason' in fields && fields.reason === 'interval'))) say(level, fields, message);
};
const logger: Logger = {
  debug: traced('debug'),
  info: traced('info'),
  warn: (fields, message) => {
    if (message !== 'record sent to the DLQ') say('warn', fields, message);
  },
  error: (fields, message) => say('error', fields, message),
};

// Traced, KafkaJS's own retries and errors too (what a stuck send was waiting for).
const clients = clientsFor(endpoints, { clientId: name, logger, kafkaLog: trace ? (level, message, fields) => say(`${level}`, fields, message) : undefined });
const processingGuarantee = process.env.WORKER_GUARANTEE === 'exactly_once' ? 'exactly_once' : 'at_least_once';
const { runner } = createTemperatureRunner(clients, { groupId, ...LIMITS, processingGuarantee, transactionalId: `${groupId}-${name}` });

process.on('SIGTERM', () => {
  void runner
    .stop()
    .catch(() => undefined)
    .then(() => clients.close())
    .then(() => process.exit(0));
});
void runner.done().catch((err: unknown) => {
  say('error', {}, `topology failed: ${errorMessage(err)}`);
  process.exit(3);
});
await runner.start();
process.send?.('started');
