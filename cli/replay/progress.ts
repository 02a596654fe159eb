/**
 * Replay progress: a bar with rate and ETA on a terminal, a log line every few seconds otherwise
 * (CI logs and `kubectl logs` cannot redraw a line).
 */
import cliProgress from 'cli-progress';
import type { Logger } from '../logger.js';

export interface ProgressSnapshot {
  readonly done: number;
  readonly total: number;
  readonly percent: number;
  /** Records per second since the start. */
  readonly rate: number;
  /** Seconds left at that rate; undefined before there is a rate. */
  readonly etaSeconds: number | undefined;
}

export function progressSnapshot(done: number, total: number, elapsedMs: number): ProgressSnapshot {
  const rate = elapsedMs > 0 ? (done * 1000) / elapsedMs : 0;
  const percent = total > 0 ? Math.min(100, (done * 100) / total) : 100;
  const etaSeconds = rate > 0 ? Math.max(0, (total - done) / rate) : undefined;
  return { done, total, percent, rate, etaSeconds };
}

export interface ProgressReporter {
  tick(): void;
  stop(): void;
}

export function progressReporter(options: { total: number; interactive: boolean; logger: Logger; intervalMs?: number; now?: () => number }): ProgressReporter {
  return options.interactive ? barReporter(options.total) : logReporter(options);
}

function barReporter(total: number): ProgressReporter {
  const bar = new cliProgress.SingleBar(
    {
      format: 'replay |{bar}| {percentage}% | {value}/{total} records | {speed} rec/s | ETA {eta_formatted}',
      stream: process.stderr,
      hideCursor: true,
      etaBuffer: 200,
      fps: 5,
    },
    cliProgress.Presets.shades_classic,
  );
  const started = Date.now();
  let done = 0;
  bar.start(total, 0, { speed: '0' });
  return {
    tick() {
      done++;
      bar.update(done, { speed: progressSnapshot(done, total, Date.now() - started).rate.toFixed(0) });
    },
    stop() {
      bar.stop();
    },
  };
}

function logReporter(options: { total: number; logger: Logger; intervalMs?: number; now?: () => number }): ProgressReporter {
  const now = options.now ?? Date.now;
  const started = now();
  let done = 0;
  const report = () => {
    const s = progressSnapshot(done, options.total, now() - started);
    options.logger.info(
      {
        done: s.done,
        total: s.total,
        percent: Math.floor(s.percent),
        ratePerSecond: Math.round(s.rate),
        etaSeconds: s.etaSeconds === undefined ? undefined : Math.ceil(s.etaSeconds),
      },
      'replay progress',
    );
  };
  const timer = setInterval(report, options.intervalMs ?? 5000);
  timer.unref();
  return {
    tick() {
      done++;
    },
    stop() {
      clearInterval(timer);
    },
  };
}
