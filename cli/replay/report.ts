/** What `tempstream replay` prints: the plan before, the summary after. */
import type { ReadingsSinkCounters } from '../../sinks/index.js';
import { formatTable } from '../table.js';
import type { ReplayPlan } from './plan.js';

export function formatPlan(plan: ReplayPlan, window: string): string {
  const rows = plan.partitions.map((p) => [String(p.partition), String(p.start), String(p.end), String(p.records)]);
  const lines = [`Replay plan for ${plan.topic} (${window}):`, '', formatTable(['PARTITION', 'START', 'END (excl.)', 'RECORDS'], rows).trimEnd(), ''];
  lines.push(`Total: ${plan.totalRecords} record(s) in ${plan.partitions.filter((p) => p.records > 0).length} partition(s)`);
  for (const warning of plan.warnings) lines.push(`Note: ${warning}`);
  return `${lines.join('\n')}\n`;
}

export interface ReplaySummary {
  readonly topic: string;
  readonly complete: boolean;
  readonly planned: number;
  readonly read: number;
  readonly sink: ReadingsSinkCounters;
  readonly alerts: number;
  readonly alertsEnabled: boolean;
  readonly deadLettered: number;
  readonly dlqTopic: string;
  readonly dlqHeldBack: boolean;
  readonly elapsedMs: number;
}

export function formatSummary(s: ReplaySummary): string {
  const seconds = s.elapsedMs / 1000;
  const rate = seconds > 0 ? Math.round(s.read / seconds) : s.read;
  const rows: [string, string, string][] = [
    ['read', String(s.read), `of ${s.planned} planned`],
    ['stored', String(s.sink.stored), 'new rows in MySQL'],
    ['already present', String(s.sink.alreadyPresent), 'rows that existed (replays are idempotent)'],
    ['alerts', String(s.alerts), s.alertsEnabled ? `produced to TempRangeAlert` : 'off (use --with-alerts to raise them)'],
    ['dead-lettered', String(s.deadLettered), s.dlqHeldBack ? `broke a rule; not written again (--no-dlq)` : `to ${s.dlqTopic}`],
  ];
  if (s.sink.rejected > 0) rows.push(['refused by sink', String(s.sink.rejected), 'the table cannot hold them (dead-lettered)']);
  const width = Math.max(...rows.map(([, n]) => n.length));
  const body = rows.map(([label, n, note]) => `  ${label.padEnd(16)} ${n.padStart(width)}  ${note}`).join('\n');
  const status = s.complete ? 'complete' : 'INTERRUPTED (run it again: replays are idempotent)';
  return `Replay of ${s.topic}: ${status}\n${body}\n  took ${seconds.toFixed(1)} s (${rate} records/s)\n`;
}
