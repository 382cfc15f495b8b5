/**
 * uPlot options for the Overview's stacked bar charts: over time (one bar per hour or day) or over
 * categories (one bar per agent). Each layer is drawn from zero to its top, tallest first, and the
 * legend shows each layer's own value, not the stacked one.
 */
import uPlot from 'uplot';
import { type ChartTheme, themedAxis } from '../../components/UPlotChart';
import type { StackedLayer } from './overview-series';

export const CHART_HEIGHT = 220;

export type BarAxis =
  | { kind: 'time'; stepSeconds: number; utcDays: boolean; label: string }
  | { kind: 'categories'; names: readonly string[]; label: string };

const MAX_CATEGORY_CHARS = 18;
const shortName = (name: string) => (name.length > MAX_CATEGORY_CHARS ? `${name.slice(0, MAX_CATEGORY_CHARS - 1)}…` : name);

const formatDay = uPlot.fmtDate('{MMM} {D}');
const formatHour = uPlot.fmtDate('{MMM} {D}, {h}{aa}');

/** The hovered bucket as the legend names it: a UTC day, or an hour in the viewer's time. */
function bucketName(axis: BarAxis & { kind: 'time' }, seconds: number): string {
  const date = new Date(seconds * 1000);
  return axis.utcDays ? `${formatDay(uPlot.tzDate(date, 'Etc/UTC'))} (UTC)` : formatHour(date);
}

/** uPlot's data: the x values, then each layer's top, in drawing order. */
export function stackedBarData(x: readonly number[], layers: readonly StackedLayer[]): uPlot.AlignedData {
  return [x.slice(), ...layers.map((layer) => layer.top.slice())];
}

export function stackedBarOptions(params: { width: number; theme: ChartTheme; layers: readonly StackedLayer[]; colours: readonly string[]; xAxis: BarAxis; yLabel: string }): uPlot.Options {
  const { width, theme, layers, colours, xAxis, yLabel } = params;
  const bars = uPlot.paths.bars!({ size: [0.7, 48], gap: 1 });
  const half = xAxis.kind === 'time' ? xAxis.stepSeconds / 2 : 0.5;
  const xScale: uPlot.Scale = { time: xAxis.kind === 'time', range: (_chart, min, max) => [min - half, max + half] };
  const xAxisOptions: uPlot.Axis =
    xAxis.kind === 'time'
      ? { label: xAxis.label }
      : {
          label: xAxis.label,
          splits: () => xAxis.names.map((_name, index) => index),
          values: (_chart, splits) => splits.map((index) => shortName(xAxis.names[index] ?? '')),
          gap: 6,
        };
  return {
    width,
    height: CHART_HEIGHT,
    // Day buckets are UTC days; shown in the viewer's zone they would straddle two dates.
    ...(xAxis.kind === 'time' && xAxis.utcDays && { tzDate: (seconds: number) => uPlot.tzDate(new Date(seconds * 1000), 'Etc/UTC') }),
    cursor: { drag: { x: false, y: false }, points: { show: false } },
    scales: { x: xScale, y: { range: (_chart, _min, max) => [0, Math.max(1, Math.ceil(max * 1.1))] } },
    axes: [
      themedAxis(theme, xAxisOptions),
      themedAxis(theme, { label: yLabel, size: 56, values: (_chart, splits) => splits.map((value) => (Number.isInteger(value) ? value.toLocaleString() : '')) }),
    ],
    series: [
      // Away from the bars the legend shows the whole window's totals; over a bar, that bar's counts.
      xAxis.kind === 'time'
        ? { label: xAxis.utcDays ? 'Day' : 'Hour', value: (_chart, seconds) => (seconds === null ? 'whole window' : bucketName(xAxis, seconds)) }
        : { label: 'Agent', value: (_chart, index) => (index === null ? 'all shown' : (xAxis.names[index] ?? '—')) },
      ...layers.map((layer, index) => ({
        label: layer.name,
        stroke: colours[index % colours.length]!,
        fill: colours[index % colours.length]!,
        width: 0,
        paths: bars,
        points: { show: false },
        // The legend shows the hovered bar's own count for this layer.
        value: (_chart: uPlot, _top: number | null, _series: number, row: number | null) =>
          (row === null ? layer.values.reduce((sum, value) => sum + value, 0) : (layer.values[row] ?? 0)).toLocaleString(),
      })),
    ],
  };
}
