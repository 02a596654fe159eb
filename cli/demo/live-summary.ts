/** The demo's once-a-second line and its closing report. Pure: numbers in, text out. */
import type { SimulationStats } from '../simulate/simulator.js';

export interface DemoTotals {
  /** Readings the simulator had acknowledged. */
  readonly sent: number;
  /** Readings the topology fully handled. */
  readonly processed: number;
  /** New rows in `temperature`. */
  readonly stored: number;
  readonly alertsRaised: number;
  /** Alerts the alert consumer stored and told the log about. */
  readonly alertsNotified: number;
  readonly deadLettered: number;
}

export const NO_TOTALS: DemoTotals = { sent: 0, processed: 0, stored: 0, alertsRaised: 0, alertsNotified: 0, deadLettered: 0 };

export function liveLine(elapsedMs: number, now: DemoTotals, before: DemoTotals, intervalMs: number): string {
  const perSecond = (n: number) => ((n * 1000) / Math.max(1, intervalMs)).toFixed(0);
  const clock = `${Math.floor(elapsedMs / 1000)}s`.padStart(5);
  return (
    `[${clock}] sent ${now.sent} (${perSecond(now.sent - before.sent)}/s) | processed ${now.processed} (${perSecond(now.processed - before.processed)}/s)` +
    ` | stored ${now.stored} | alerts ${now.alertsRaised} raised, ${now.alertsNotified} notified | DLQ ${now.deadLettered}`
  );
}

export interface FinalFacts {
  readonly totals: DemoTotals;
  readonly simulation: SimulationStats;
  /** Rows in `temperature` at the end (includes rows of earlier runs on the same database). */
  readonly rowsInTable: number;
  /** How long the graceful stop took (catching up, draining, leaving the groups). */
  readonly stoppingMs: number;
}

/** The closing summary, with the checks a person would do by hand: every reading accounted for. */
export function finalReport({ totals, simulation, rowsInTable, stoppingMs }: FinalFacts): string {
  const check = (ok: boolean) => (ok ? 'ok' : 'MISMATCH');
  const lines = [
    `Demo summary (simulated for ${(simulation.elapsedMs / 1000).toFixed(1)} s, stopped in ${(stoppingMs / 1000).toFixed(1)} s):`,
    `  readings sent         ${simulation.sent}  (${simulation.normal} normal, ${simulation.anomalies} anomalies, ${simulation.illegal} illegal)`,
    `  processed             ${totals.processed}  [${check(totals.processed === simulation.sent)}: = sent]`,
    `  stored in MySQL       ${totals.stored}  [${check(totals.stored === simulation.sent - simulation.illegal)}: = sent - illegal]; table now has ${rowsInTable} rows`,
    `  alerts raised         ${totals.alertsRaised}  [${check(totals.alertsRaised === simulation.anomalies)}: = anomalies]`,
    `  alerts notified       ${totals.alertsNotified}  [${check(totals.alertsNotified === totals.alertsRaised)}: = raised]`,
    `  dead-lettered         ${totals.deadLettered}  [${check(totals.deadLettered === simulation.illegal)}: = illegal]`,
  ];
  return `${lines.join('\n')}\n`;
}
