import { type LineChartOptions, lineChart, lineChartLayout, lineChartSvg } from '@s2cassi/hsi-render';
import type { ValidationRecord } from './checkpoint';
import type { StepRecord } from './events';
import { objectiveChangesFromSteps, objectiveName } from './objective-change';

/** One line of a chart. */
export interface CurveSeries {
  label: string;
  color: string;
  points: readonly (readonly [number, number])[];
}

/** Options of {@link curveChartSvg}. */
export interface CurveChartOptions {
  title: string;
  xLabel: string;
  yLabel: string;
  width?: number;
  height?: number;
  /** Log-scale y axis (losses). */
  logY?: boolean;
  /** Labelled vertical lines, e.g. where the loss objective switches. */
  markers?: { x: number; label: string }[];
}

/**
 * Axis geometry shared by the SVG and PNG renderers (from @s2cassi/hsi-render's `lineChartLayout`).
 * `yTicks` are log10 exponents on a log axis (the value is `10 ** tick`), values otherwise.
 */
export interface ChartLayout {
  width: number;
  height: number;
  left: number;
  right: number;
  top: number;
  bottom: number;
  x: (value: number) => number;
  y: (value: number) => number;
  xTicks: number[];
  yTicks: number[];
  logY: boolean;
}

/** The @s2cassi/hsi-render line-chart options of a trainer chart. */
export function lineChartOptions(
  series: readonly CurveSeries[],
  options: CurveChartOptions,
): LineChartOptions {
  return {
    series: series.map((s) => ({ label: s.label, color: s.color, points: s.points })),
    title: options.title,
    xLabel: options.xLabel,
    yLabel: options.yLabel,
    logY: options.logY === true,
    markers: options.markers,
    width: options.width,
    height: options.height,
  };
}

export function chartLayout(series: readonly CurveSeries[], options: CurveChartOptions): ChartLayout {
  const layout = lineChartLayout(lineChartOptions(series, options), 'chartLayout');
  return {
    width: layout.width,
    height: layout.height,
    left: layout.left,
    right: layout.right,
    top: layout.top,
    bottom: layout.bottom,
    logY: layout.logY,
    x: layout.xPixel,
    y: layout.yPixel,
    xTicks: layout.xTicks.map((t) => t.value),
    yTicks: layout.yTicks.map((t) => (layout.logY ? Math.log10(t.value) : t.value)),
  };
}

/** A line chart (axes, ticks, labels, legend, markers) as a self-contained SVG string. */
export function curveChartSvg(series: readonly CurveSeries[], options: CurveChartOptions): string {
  return lineChartSvg(lineChartOptions(series, options));
}

/**
 * The same chart as RGBA pixels, labels included (5 x 7 pixel font): `{ data, width, height }` for a PNG
 * encoder.
 */
export function curveChartRgba(
  series: readonly CurveSeries[],
  options: CurveChartOptions,
): { data: Uint8Array; width: number; height: number } {
  const image = lineChart(lineChartOptions(series, options));
  return {
    data: new Uint8Array(image.data.buffer, image.data.byteOffset, image.data.byteLength),
    width: image.width,
    height: image.height,
  };
}

/**
 * The standard charts of a run: loss per step (total and its parts recon, ME, MA; log scale) with a
 * marker where the objective switches (e.g. L_ME -> L_MA, where the total jumps), and validation PSNR.
 * The switches come from the log's `objective` records, or (older logs) from the step records.
 */
export function trainingCurves(
  steps: readonly StepRecord[],
  validations: readonly ValidationRecord[],
  objectiveChanges?: readonly { step: number; from: string; to: string }[],
): {
  loss: { series: CurveSeries[]; options: CurveChartOptions };
  validation: { series: CurveSeries[]; options: CurveChartOptions };
} {
  const part = (key: 'total' | 'recon' | 'me' | 'ma') =>
    steps.filter((s) => s.loss[key] !== undefined).map((s) => [s.step, s.loss[key] as number] as const);
  const loss: CurveSeries[] = [
    { label: 'total', color: '#1f77b4', points: part('total') },
    { label: 'recon', color: '#ff7f0e', points: part('recon') },
    { label: 'ME', color: '#2ca02c', points: part('me') },
    { label: 'MA', color: '#d62728', points: part('ma') },
  ].filter((s) => s.points.length > 0);
  const markers = (objectiveChanges ?? objectiveChangesFromSteps(steps)).map((c) => ({
    x: c.step,
    label: `${objectiveName(c.from)} -> ${objectiveName(c.to)}`,
  }));
  return {
    loss: {
      series: loss,
      options: { title: 'Training loss', xLabel: 'step', yLabel: 'loss (log scale)', logY: true, markers },
    },
    validation: {
      series: [
        {
          label: 'PSNR (dB)',
          color: '#1f77b4',
          points: validations.map((v) => [v.epoch + 1, v.psnr] as const),
        },
      ],
      options: { title: 'Validation PSNR (matlab preset)', xLabel: 'epoch', yLabel: 'PSNR (dB)' },
    },
  };
}
