import type { ValidationRecord } from './checkpoint';
import type { StepRecord } from './events';

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
}

function niceTicks(low: number, high: number, count: number): number[] {
  if (!(high > low)) return [low];
  const raw = (high - low) / count;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * magnitude).find((s) => s >= raw) ?? raw;
  const ticks: number[] = [];
  for (let t = Math.ceil(low / step) * step; t <= high + step * 1e-9; t += step)
    ticks.push(Number(t.toPrecision(12)));
  return ticks;
}

function format(value: number): string {
  if (value === 0) return '0';
  const abs = Math.abs(value);
  return abs >= 1e4 || abs < 1e-3 ? value.toExponential(1) : String(Number(value.toPrecision(4)));
}

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** Axis geometry shared by the SVG and PNG renderers. */
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

export function chartLayout(series: readonly CurveSeries[], options: CurveChartOptions): ChartLayout {
  const width = options.width ?? 720;
  const height = options.height ?? 360;
  const logY = options.logY === true;
  const all = series.flatMap((s) => s.points).filter(([, v]) => Number.isFinite(v) && (!logY || v > 0));
  const xs = all.map(([x]) => x);
  const ys = all.map(([, v]) => (logY ? Math.log10(v) : v));
  let [xMin, xMax] = xs.length ? [Math.min(...xs), Math.max(...xs)] : [0, 1];
  let [yMin, yMax] = ys.length ? [Math.min(...ys), Math.max(...ys)] : [0, 1];
  if (xMax === xMin) xMax = xMin + 1;
  if (yMax === yMin) [yMin, yMax] = [yMin - 0.5, yMax + 0.5];
  const pad = (yMax - yMin) * 0.05;
  yMin -= pad;
  yMax += pad;
  if (xMin === xMax) xMax += 1;
  const left = 70;
  const right = width - 20;
  const top = 36;
  const bottom = height - 48;
  const yTicks = logY
    ? niceTicks(Math.floor(yMin), Math.ceil(yMax), Math.max(1, Math.ceil(yMax) - Math.floor(yMin))).filter(
        (t) => t >= yMin && t <= yMax,
      )
    : niceTicks(yMin, yMax, 5);
  return {
    width,
    height,
    left,
    right,
    top,
    bottom,
    logY,
    x: (value) => left + ((value - xMin) / (xMax - xMin)) * (right - left),
    y: (value) => bottom - (((logY ? Math.log10(value) : value) - yMin) / (yMax - yMin)) * (bottom - top),
    xTicks: niceTicks(xMin, xMax, 6),
    yTicks,
  };
}

/** A line chart as a self-contained SVG string. */
export function curveChartSvg(series: readonly CurveSeries[], options: CurveChartOptions): string {
  const layout = chartLayout(series, options);
  const { width, height, left, right, top, bottom } = layout;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="${width}" height="${height}" fill="white"/>`,
    `<text x="${width / 2}" y="20" text-anchor="middle" font-size="14">${escapeXml(options.title)}</text>`,
  ];
  for (const t of layout.xTicks) {
    const x = layout.x(t).toFixed(1);
    parts.push(`<line x1="${x}" x2="${x}" y1="${top}" y2="${bottom}" stroke="#e5e5e5"/>`);
    parts.push(`<text x="${x}" y="${bottom + 16}" text-anchor="middle">${format(t)}</text>`);
  }
  for (const t of layout.yTicks) {
    const value = layout.logY ? 10 ** t : t;
    const y = layout.y(value).toFixed(1);
    parts.push(`<line x1="${left}" x2="${right}" y1="${y}" y2="${y}" stroke="#e5e5e5"/>`);
    parts.push(
      `<text x="${left - 6}" y="${y}" text-anchor="end" dominant-baseline="middle">${format(value)}</text>`,
    );
  }
  parts.push(
    `<rect x="${left}" y="${top}" width="${right - left}" height="${bottom - top}" fill="none" stroke="#333"/>`,
  );
  parts.push(
    `<text x="${(left + right) / 2}" y="${height - 10}" text-anchor="middle">${escapeXml(options.xLabel)}</text>`,
  );
  parts.push(
    `<text x="16" y="${(top + bottom) / 2}" text-anchor="middle" transform="rotate(-90 16 ${(top + bottom) / 2})">${escapeXml(options.yLabel)}</text>`,
  );
  series.forEach((s, index) => {
    const points = s.points
      .filter(([, v]) => Number.isFinite(v) && (!layout.logY || v > 0))
      .map(([x, v]) => `${layout.x(x).toFixed(1)},${layout.y(v).toFixed(1)}`);
    if (points.length > 0) {
      parts.push(
        `<polyline fill="none" stroke="${s.color}" stroke-width="1.5" points="${points.join(' ')}"/>`,
      );
    }
    parts.push(
      `<rect x="${right - 150}" y="${top + 8 + index * 18}" width="12" height="3" fill="${s.color}"/>`,
    );
    parts.push(`<text x="${right - 132}" y="${top + 12 + index * 18}">${escapeXml(s.label)}</text>`);
  });
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}

function parseColor(color: string): [number, number, number] {
  const hex = /^#([0-9a-f]{6})$/i.exec(color);
  if (!hex) return [0, 0, 0];
  const n = Number.parseInt(hex[1], 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
}

/**
 * The same chart rasterised to RGBA (lines, grid and frame; the labels are in the SVG, the PNG is for
 * model cards and quick looks). Returns `{ data, width, height }` for a PNG encoder.
 */
export function curveChartRgba(
  series: readonly CurveSeries[],
  options: CurveChartOptions,
): { data: Uint8Array; width: number; height: number } {
  const layout = chartLayout(series, options);
  const { width, height } = layout;
  const data = new Uint8Array(width * height * 4).fill(255);
  const plot = (x: number, y: number, [r, g, b]: [number, number, number]) => {
    const xi = Math.round(x);
    const yi = Math.round(y);
    if (xi < 0 || yi < 0 || xi >= width || yi >= height) return;
    const i = (yi * width + xi) * 4;
    data[i] = r;
    data[i + 1] = g;
    data[i + 2] = b;
    data[i + 3] = 255;
  };
  const line = (x0: number, y0: number, x1: number, y1: number, color: [number, number, number]) => {
    const steps = Math.max(1, Math.ceil(Math.max(Math.abs(x1 - x0), Math.abs(y1 - y0))));
    for (let s = 0; s <= steps; s++) plot(x0 + ((x1 - x0) * s) / steps, y0 + ((y1 - y0) * s) / steps, color);
  };
  const grid: [number, number, number] = [229, 229, 229];
  for (const t of layout.xTicks) line(layout.x(t), layout.top, layout.x(t), layout.bottom, grid);
  for (const t of layout.yTicks) {
    const y = layout.y(layout.logY ? 10 ** t : t);
    line(layout.left, y, layout.right, y, grid);
  }
  const frame: [number, number, number] = [51, 51, 51];
  line(layout.left, layout.top, layout.right, layout.top, frame);
  line(layout.left, layout.bottom, layout.right, layout.bottom, frame);
  line(layout.left, layout.top, layout.left, layout.bottom, frame);
  line(layout.right, layout.top, layout.right, layout.bottom, frame);
  for (const s of series) {
    const color = parseColor(s.color);
    const points = s.points.filter(([, v]) => Number.isFinite(v) && (!layout.logY || v > 0));
    for (let i = 1; i < points.length; i++) {
      const [xa, ya] = points[i - 1];
      const [xb, yb] = points[i];
      line(layout.x(xa), layout.y(ya), layout.x(xb), layout.y(yb), color);
      line(layout.x(xa), layout.y(ya) + 1, layout.x(xb), layout.y(yb) + 1, color);
    }
  }
  return { data, width, height };
}

/** The standard charts of a run: loss per step (total and parts, log scale) and validation PSNR/SSIM. */
export function trainingCurves(
  steps: readonly StepRecord[],
  validations: readonly ValidationRecord[],
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
  return {
    loss: {
      series: loss,
      options: { title: 'Training loss', xLabel: 'step', yLabel: 'loss (log scale)', logY: true },
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
