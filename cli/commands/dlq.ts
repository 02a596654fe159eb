/**
 * `tempstream dlq list|show|redrive`: the dead-letter tools of the API (app/dead-letters), with the
 * same filters as GET /api/dead-letters, parsed by the same code.
 */
import type { Command } from 'commander';
import { DEAD_LETTERS, deadLetterFilterOf, deadLetterResource } from '../../api/routes/dead-letters.js';
import { ParameterError } from '../../api/errors.js';
import { parseCollectionQuery } from '../../api/query/collection-query.js';
import { DeadLetterTools, DLQ_TOPICS, type DeadLetterFilter, type DeadLetterView } from '../../app/index.js';
import type { DeadLetterPosition } from '../../sinks/index.js';
import { createKafka, createRegistry } from '../clients.js';
import { contextFor, type CliDeps, type CommandContext } from '../context.js';
import { during, ExitError, UsageError } from '../exit.js';
import { closeDatabase, migrateDatabase, openDatabase } from '../services/database.js';
import { kafkaAt, mysqlAt } from '../services/where.js';
import { formatTable } from '../table.js';

/** Flag → the API's filter name. */
const FILTER_FLAGS = {
  topic: 'topic',
  rule: 'rule',
  class: 'errorClass',
  from: 'from',
  to: 'to',
  sourceTopic: 'sourceTopic',
  sourcePartition: 'sourcePartition',
  minSourceOffset: 'minSourceOffset',
  maxSourceOffset: 'maxSourceOffset',
} as const;
type FilterOptions = Partial<Record<keyof typeof FILTER_FLAGS, string>>;

const flagOf = (option: string): string => `--${option.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;

function withFilterFlags(command: Command): Command {
  return command
    .option('--topic <dlq>', `one DLQ only: ${DLQ_TOPICS.join(', ')}`)
    .option('--rule <name>', 'the rule that refused the record')
    .option('--class <errorClass>', 'deserialization, validation, processing, sink or production')
    .option('--from <time>', 'failed at or after (ISO-8601 with a zone, or epoch ms)')
    .option('--to <time>', 'failed at or before')
    .option('--source-topic <topic>', 'the topic the record came from')
    .option('--source-partition <n>', 'its partition there')
    .option('--min-source-offset <offset>', 'its offset there, at least')
    .option('--max-source-offset <offset>', 'its offset there, at most');
}

/** The flags as the API's filter; a bad value is reported under its flag. */
export function filterFromFlags(options: FilterOptions): { filter: DeadLetterFilter; topic?: string; given: boolean } {
  const query: Record<string, string> = {};
  const flagFor = new Map<string, string>();
  for (const [option, name] of Object.entries(FILTER_FLAGS)) {
    const value = options[option as keyof FilterOptions];
    if (value === undefined) continue;
    query[`filter[${name}]`] = value;
    flagFor.set(`filter[${name}]`, flagOf(option));
  }
  try {
    const { filter, topic } = deadLetterFilterOf(parseCollectionQuery(DEAD_LETTERS, query).filters);
    return { filter, ...(topic ? { topic } : {}), given: Object.keys(query).length > 0 };
  } catch (err) {
    if (err instanceof ParameterError) throw new UsageError(`${flagFor.get(err.parameter) ?? err.parameter}: ${err.message.slice(err.parameter.length + 2)}`);
    throw err;
  }
}

/** `topic/partition/offset`, as list prints it and the API's ids are. */
export function parsePosition(text: string): DeadLetterPosition {
  const match = /^(.+)\/(\d+)\/(\d+)$/.exec(text);
  if (!match?.[1] || !DLQ_TOPICS.includes(match[1])) throw new UsageError(`${text}: expected <dlq topic>/<partition>/<offset>, e.g. ${DLQ_TOPICS[0]}/0/42`);
  return { topic: match[1], partition: Number(match[2]), offset: match[3] ?? '0' };
}

async function withTools<T>(ctx: CommandContext, work: (tools: DeadLetterTools) => Promise<T>): Promise<T> {
  const { config, logger } = ctx;
  const kafka = createKafka(config, logger);
  const knex = openDatabase(config, logger);
  const tools = new DeadLetterTools({ kafka, registry: createRegistry(config), knex, logger });
  try {
    await during(`migrating ${mysqlAt(config)}`, () => migrateDatabase(knex, logger));
    return await during(`reading the dead letters on ${kafkaAt(config)}`, () => work(tools));
  } finally {
    await tools.close();
    await closeDatabase(knex, logger);
  }
}

const summaryRow = (l: DeadLetterView): string[] => [
  `${l.position.topic}/${l.position.partition}/${l.position.offset}`,
  l.reason.failedAt ?? new Date(l.timestamp).toISOString(),
  l.reason.errorClass ?? '',
  l.reason.rule ?? '',
  l.reason.sourceTopic === undefined ? '' : `${l.reason.sourceTopic}/${l.reason.sourcePartition ?? '?'}/${l.reason.sourceOffset ?? '?'}`,
  l.redrive ? `${l.redrive.by} ${l.redrive.redrivenAt}` : '',
];

export function registerDlqCommand(program: Command, deps: CliDeps): void {
  const dlq = program.command('dlq').description('dead letters: list, show, re-drive to their source topic');

  withFilterFlags(dlq.command('list').description('list dead letters (the DLQs from their beginning to their current end)'))
    .option('--limit <n>', 'read at most this many dead letters', '10000')
    .option('--json', 'one JSON:API resource per line instead of a table')
    .action(async (options: FilterOptions & { limit: string; json?: boolean }, command: Command) => {
      const ctx = contextFor(command, deps);
      const { filter, topic } = filterFromFlags(options);
      const limit = Number(options.limit);
      if (!Number.isInteger(limit) || limit < 1) throw new UsageError('--limit: expected a whole number above 0');
      const listed = await withTools(ctx, (tools) => tools.list(filter, { maxRecords: limit, ...(topic ? { topics: [topic] } : {}) }));
      if (options.json) for (const l of listed.letters) ctx.io.out(`${JSON.stringify(deadLetterResource(l))}\n`);
      else ctx.io.out(formatTable(['DEAD LETTER', 'FAILED AT', 'CLASS', 'RULE', 'SOURCE', 'RE-DRIVEN'], listed.letters.map(summaryRow)));
      ctx.io.err(`${listed.letters.length} of ${listed.scanned} dead letters match${listed.complete ? '' : ' (stopped at --limit: there may be more)'}\n`);
    });

  dlq
    .command('show')
    .description('one dead letter in full: reason, headers, key, decoded value')
    .argument('<position>', '<dlq topic>/<partition>/<offset>, as list prints it')
    .action(async (position: string, _options: unknown, command: Command) => {
      const ctx = contextFor(command, deps);
      const at = parsePosition(position);
      const letter = await withTools(ctx, (tools) => tools.show(at));
      if (!letter) throw new UsageError(`${position}: no dead letter there`);
      ctx.io.out(`${JSON.stringify(deadLetterResource(letter), null, 2)}\n`);
    });

  withFilterFlags(dlq.command('redrive').description('copy dead letters back to their source topic, each once (recorded in dead_letter_redrive as by "cli")'))
    .argument('[positions...]', '<dlq topic>/<partition>/<offset> of each; or give filters, or --all')
    .option('--all', 'every dead letter (when no position and no filter is given)')
    .action(async (positions: string[], options: FilterOptions & { all?: boolean }, command: Command) => {
      const ctx = contextFor(command, deps);
      const { filter, topic, given } = filterFromFlags(options);
      if (positions.length > 0 && given) throw new UsageError('give positions or filters, not both');
      if (positions.length === 0 && !given && !options.all) throw new UsageError('nothing chosen: give positions, filters, or --all');
      const results = await withTools(ctx, async (tools) => {
        if (positions.length > 0) return tools.redrive({ positions: positions.map(parsePosition), by: 'cli' });
        if (topic) {
          const listed = await tools.list(filter, { topics: [topic] });
          return tools.redrive({ positions: listed.letters.map((l) => l.position), by: 'cli' });
        }
        return tools.redrive({ filter, by: 'cli' });
      });
      ctx.io.out(
        formatTable(
          ['DEAD LETTER', 'OUTCOME', 'TO', 'DETAIL'],
          results.map((r) => [
            `${r.position.topic}/${r.position.partition}/${r.position.offset}`,
            r.outcome,
            r.sourceTopic ?? '',
            r.detail ?? (r.previous ? `by ${r.previous.by} at ${r.previous.redrivenAt}` : ''),
          ]),
        ),
      );
      const failed = results.filter((r) => r.outcome === 'failed').length;
      if (failed > 0) throw new ExitError(`${failed} re-drive(s) failed; run again to retry them`);
    });
}
