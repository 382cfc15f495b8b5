import { useCallback, useMemo } from 'preact/hooks';
import type uPlot from 'uplot';
import { UPlotChart, useChartTheme } from '../../components/UPlotChart';
import { type Layer, stackLayers } from './overview-series';
import { type BarAxis, stackedBarData, stackedBarOptions } from './stacked-bar-options';

interface StackedBarChartProps {
  x: readonly number[];
  /** Bottom first. */
  layers: readonly Layer[];
  /** A colour per layer name; layers not named get the palette in order. */
  colourOf?: (name: string, index: number) => string | undefined;
  xAxis: BarAxis;
  yLabel: string;
  label: string;
  testId: string;
}

/** A stacked bar chart in the page's colours: requests by service, refusals by code, agents' outcomes. */
export function StackedBarChart({ x, layers, colourOf, xAxis, yLabel, label, testId }: StackedBarChartProps) {
  const theme = useChartTheme();
  const stacked = useMemo(() => stackLayers(layers), [layers]);
  const data = useMemo<uPlot.AlignedData>(() => stackedBarData(x, stacked), [x, stacked]);
  const options = useCallback(
    (width: number) => {
      // Colours follow the bottom-first order, so a service keeps its colour whatever is stacked on it.
      const colours = stacked.map((layer) => {
        const index = layers.findIndex((candidate) => candidate.name === layer.name);
        return colourOf?.(layer.name, index) ?? theme.palette[index % theme.palette.length]!;
      });
      return stackedBarOptions({ width, theme, layers: stacked, colours, xAxis, yLabel });
    },
    [theme, stacked, layers, colourOf, xAxis, yLabel],
  );
  return <UPlotChart options={options} data={data} label={label} testId={testId} />;
}
