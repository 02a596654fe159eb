/**
 * A device's readings over time (°F) with the MIN/MAX band shaded, drawn with uPlot. The series are
 * a list so that more of them (the per-minute rollups of temperature_minute, once the API serves
 * them) join as entries of `series`, on the same time axis.
 */
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { RangeLimits } from './resources.js';

export interface TimeSeries {
  readonly label: string;
  readonly color: string;
  /** Seconds since 1970, ascending. */
  readonly times: readonly number[];
  readonly values: readonly number[];
}

export interface ReadingChart {
  update(series: readonly TimeSeries[], limits: RangeLimits | undefined): void;
  destroy(): void;
}

const BAND_FILL = 'rgba(46, 125, 50, 0.12)';
const BAND_LINE = '#2e7d32';

/** All series on one shared, sorted time axis; gaps where a series has no point at a time. */
function aligned(series: readonly TimeSeries[]): { times: number[]; columns: (number | null)[][] } {
  const times = [...new Set(series.flatMap((s) => s.times))].sort((a, b) => a - b);
  const index = new Map(times.map((t, i) => [t, i]));
  const columns = series.map((s) => {
    const column: (number | null)[] = new Array<number | null>(times.length).fill(null);
    s.times.forEach((t, i) => (column[index.get(t) ?? 0] = s.values[i] ?? null));
    return column;
  });
  return { times, columns };
}

export function readingChart(container: HTMLElement): ReadingChart {
  let plot: uPlot | undefined;
  let shape = '';
  const width = (): number => Math.max(320, container.clientWidth);
  const onResize = (): void => plot?.setSize({ width: width(), height: 320 });
  window.addEventListener('resize', onResize);
  return {
    update(series, limits) {
      const { times, columns } = aligned(series);
      const data: uPlot.AlignedData = [times, ...columns];
      if (limits)
        data.push(
          times.map(() => limits.maxTemp),
          times.map(() => limits.minTemp),
        );
      // A new shape (series or band added or gone) needs a new plot; new points only need setData.
      const nextShape = `${series.map((s) => s.label).join(',')}|${limits ? `${limits.minTemp}..${limits.maxTemp}` : ''}`;
      if (plot && nextShape === shape) {
        plot.setData(data);
        return;
      }
      plot?.destroy();
      shape = nextShape;
      const bandSeries: uPlot.Series[] = limits
        ? [
            { label: 'MAX', stroke: BAND_LINE, dash: [6, 4], width: 1, points: { show: false } },
            { label: 'MIN', stroke: BAND_LINE, dash: [6, 4], width: 1, points: { show: false } },
          ]
        : [];
      const maxIndex = series.length + 1;
      plot = new uPlot(
        {
          width: width(),
          height: 320,
          scales: { x: { time: true } },
          axes: [{}, { label: '°F', values: (_u, ticks) => ticks.map((t) => `${t}`) }],
          series: [{}, ...series.map((s): uPlot.Series => ({ label: s.label, stroke: s.color, width: 2, points: { show: true, size: 4 } })), ...bandSeries],
          bands: limits ? [{ series: [maxIndex, maxIndex + 1], fill: BAND_FILL }] : [],
          tzDate: (ts) => uPlot.tzDate(new Date(ts * 1000), 'Etc/UTC'),
        },
        data,
        container,
      );
    },
    destroy() {
      window.removeEventListener('resize', onResize);
      plot?.destroy();
    },
  };
}
