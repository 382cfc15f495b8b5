/**
 * A uPlot chart as a Preact component. uPlot draws on a canvas with no eval and no remote assets, so
 * it runs under the extension pages' CSP. Colours are read from CSS variables (chart.css, style.css)
 * and the chart is redrawn when the colour scheme changes, so it follows light and dark like the page.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import './chart.css';

export interface ChartTheme {
  text: string;
  muted: string;
  grid: string;
  background: string;
  /** Series colours in order (--chart-1 …). */
  palette: string[];
  ok: string;
  refused: string;
  failed: string;
}

const PALETTE_SIZE = 8;

function readChartTheme(): ChartTheme {
  const style = getComputedStyle(document.documentElement);
  const read = (name: string) => style.getPropertyValue(name).trim();
  return {
    text: read('--fg'),
    muted: read('--fg-muted'),
    grid: read('--border-muted'),
    background: read('--bg'),
    palette: Array.from({ length: PALETTE_SIZE }, (_, index) => read(`--chart-${index + 1}`)),
    ok: read('--chart-ok'),
    refused: read('--chart-refused'),
    failed: read('--chart-failed'),
  };
}

const DARK = '(prefers-color-scheme: dark)';

/** The colours in force, re-read when the system switches between light and dark. */
export function useChartTheme(): ChartTheme {
  const [theme, setTheme] = useState(readChartTheme);
  useEffect(() => {
    const query = matchMedia(DARK);
    const reread = () => setTheme(readChartTheme());
    query.addEventListener('change', reread);
    return () => query.removeEventListener('change', reread);
  }, []);
  return theme;
}

/** Axis styling shared by every chart: the page's text and grid colours, the page's font. */
export function themedAxis(theme: ChartTheme, axis: uPlot.Axis): uPlot.Axis {
  return { stroke: theme.muted, grid: { stroke: theme.grid, width: 1 }, ticks: { stroke: theme.grid, width: 1 }, font: '12px system-ui, sans-serif', labelFont: '12px system-ui, sans-serif', ...axis };
}

interface UPlotChartProps {
  /** Builds the chart's options for a width; called again when the data or the colours change. */
  options: (width: number) => uPlot.Options;
  data: uPlot.AlignedData;
  /** The chart's accessible name, e.g. "Requests per hour by service". */
  label: string;
  testId: string;
}

export function UPlotChart({ options, data, label, testId }: UPlotChartProps) {
  const container = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const element = container.current;
    if (element === null) return;
    const chart = new uPlot(options(element.clientWidth), data, element);
    // The content column changes width with the window; the chart follows it.
    const resize = new ResizeObserver(() => chart.setSize({ width: element.clientWidth, height: chart.height }));
    resize.observe(element);
    return () => {
      resize.disconnect();
      chart.destroy();
    };
  }, [options, data]);
  return <div class="chart" ref={container} role="figure" aria-label={label} data-testid={testId} />;
}
