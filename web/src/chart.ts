/**
 * A device's readings over time (°F) with the MIN/MAX band shaded, drawn with uPlot. The series are
 * a list on one time axis: the readings, and the per-minute rollups of temperature_minute (mean, and
 * their lowest and highest with the space between them shaded as a second band).
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
  /** Dashed, without points: for series derived from others (rollups). */
  readonly dash?: readonly number[];
}

/** Shade between two series, named by their labels. */
export interface SeriesFill {
  readonly upper: string;
  readonly lower: string;
  readonly fill: string;
}

export interface ReadingChart {
  update(series: readonly TimeSeries[], limits: RangeLimits | undefined, fills?: readonly SeriesFill[]): void;
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
    update(series, limits, fills = []) {
      const { times, columns } = aligned(series);
      const data: uPlot.AlignedData = [times, ...columns];
      if (limits)
        data.push(
          times.map(() => limits.maxTemp),
          times.map(() => limits.minTemp),
        );
      // A new shape (series or band added or gone) needs a new plot; new points only need setData.
      const nextShape = `${series.map((s) => s.label).join(',')}|${limits ? `${limits.minTemp}..${limits.maxTemp}` : ''}|${fills.map((f) => f.upper).join(',')}`;
      if (plot && nextShape === shape) {
        plot.setData(data);
        return;
      }
      plot?.destroy();
      shape = nextShape;
      const bandSeries: uPlot.Series[] = limits
        ? [
            { label: 'MAX', stroke: BAND_LINE, dash: [6, 4], width: 1, points: { show: false }, spanGaps: true },
            { label: 'MIN', stroke: BAND_LINE, dash: [6, 4], width: 1, points: { show: false }, spanGaps: true },
          ]
        : [];
      const maxIndex = series.length + 1;
      // uPlot numbers series from 1 (0 is the time axis).
      const indexOf = (label: string): number => series.findIndex((s) => s.label === label) + 1;
      const seriesBands: uPlot.Band[] = fills
        .filter((f) => indexOf(f.upper) > 0 && indexOf(f.lower) > 0)
        .map((f) => ({ series: [indexOf(f.upper), indexOf(f.lower)], fill: f.fill }));
      plot = new uPlot(
        {
          width: width(),
          height: 320,
          scales: { x: { time: true } },
          axes: [{}, { label: '°F', values: (_u, ticks) => ticks.map((t) => `${t}`) }],
          series: [
            {},
            ...series.map((s): uPlot.Series =>
              s.dash
                ? { label: s.label, stroke: s.color, width: 1.5, dash: [...s.dash], points: { show: false }, spanGaps: true }
                : { label: s.label, stroke: s.color, width: 2, points: { show: true, size: 4 }, spanGaps: true },
            ),
            ...bandSeries,
          ],
          bands: [...(limits ? [{ series: [maxIndex, maxIndex + 1] as [number, number], fill: BAND_FILL }] : []), ...seriesBands],
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
