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

/** Most points a loss line of {@link trainingCurves} draws; longer runs are averaged over runs of steps. */
export const MAX_LOSS_POINTS = 1000;

/**
 * `points` averaged over consecutive runs of `size` points (x and y both; the last run may be shorter).
 * A loss per step of a small batch is noise at the scale of a long run; the means show its trend.
 */
export function bucketMeans(
  points: readonly (readonly [number, number])[],
  size: number,
): (readonly [number, number])[] {
  if (!Number.isInteger(size) || size < 1) {
    throw new RangeError(`bucketMeans: expected a whole bucket size >= 1, got ${size}`);
  }
  const out: (readonly [number, number])[] = [];
  for (let start = 0; start < points.length; start += size) {
    const end = Math.min(points.length, start + size);
    let x = 0;
    let y = 0;
    for (let i = start; i < end; i++) {
      x += points[i][0];
      y += points[i][1];
    }
    out.push([x / (end - start), y / (end - start)] as const);
  }
  return out;
}

/**
 * The standard charts of a run: loss per step (total and its parts recon, ME, MA; log scale) with a
 * marker where the objective switches (e.g. L_ME -> L_MA, where the total jumps), and validation PSNR
 * per step. The switches come from the log's `objective` records, or (older logs) from the step records.
 *
 * A part equal to the total at every step (recon under a plain L1 objective) is not drawn twice. A run of
 * more than `maxPoints` steps (default {@link MAX_LOSS_POINTS}) is drawn as means over consecutive runs
 * of steps, never across an objective switch, and the legend says over how many.
 */
export function trainingCurves(
  steps: readonly StepRecord[],
  validations: readonly ValidationRecord[],
  objectiveChanges?: readonly { step: number; from: string; to: string }[],
  options: { maxPoints?: number } = {},
): {
  loss: { series: CurveSeries[]; options: CurveChartOptions };
  validation: { series: CurveSeries[]; options: CurveChartOptions };
} {
  const maxPoints = options.maxPoints ?? MAX_LOSS_POINTS;
  if (!Number.isInteger(maxPoints) || maxPoints < 1) {
    throw new RangeError(`trainingCurves: expected maxPoints a whole number >= 1, got ${maxPoints}`);
  }
  const bucket = Math.max(1, Math.ceil(steps.length / maxPoints));
  const suffix = bucket > 1 ? ` (mean of ${bucket} steps)` : '';
  const part = (key: 'total' | 'recon' | 'me' | 'ma') =>
    steps.filter((s) => s.loss[key] !== undefined).map((s) => [s.step, s.loss[key] as number] as const);
  const reconIsTotal = steps.length > 0 && steps.every((s) => s.loss.recon === s.loss.total);
  const changes = objectiveChanges ?? objectiveChangesFromSteps(steps);
  // Means never mix steps of two objectives (the total changes meaning where the objective switches).
  const boundaries = changes.map((c) => c.step).sort((a, b) => a - b);
  const bucketed = (points: readonly (readonly [number, number])[]) => {
    const out: (readonly [number, number])[] = [];
    let start = 0;
    for (const boundary of [...boundaries, Number.POSITIVE_INFINITY]) {
      let end = start;
      while (end < points.length && points[end][0] < boundary) end++;
      out.push(...bucketMeans(points.slice(start, end), bucket));
      start = end;
    }
    return out;
  };
  const loss: CurveSeries[] = [
    { label: 'total', color: '#1f77b4', points: part('total') },
    ...(reconIsTotal ? [] : [{ label: 'recon', color: '#ff7f0e', points: part('recon') }]),
    { label: 'ME', color: '#2ca02c', points: part('me') },
    { label: 'MA', color: '#d62728', points: part('ma') },
  ]
    .filter((s) => s.points.length > 0)
    .map((s) => (bucket > 1 ? { ...s, label: `${s.label}${suffix}`, points: bucketed(s.points) } : s));
  const markers = changes.map((c) => ({
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
          points: validations.map((v) => [v.step, v.psnr] as const),
        },
      ],
      options: { title: 'Validation PSNR (matlab preset)', xLabel: 'step', yLabel: 'PSNR (dB)' },
    },
  };
}
