import type { Cube } from '@s2cassi/hsi-io';
import {
  bandGrid,
  bandMetricsSvg,
  correlation,
  encodePng,
  errorMap,
  type RgbaImage,
  regionSpectrum,
  renderSrgb,
  spectralCurvesSvg,
} from '@s2cassi/hsi-render';
import type { Plane } from './_io';
import { UsageError } from './errors';

/** sRGB rendering (CIE 1931, D65, Bradford) of a cube as PNG bytes. */
export function srgbPng(cube: Cube, wavelengths: readonly number[]): Uint8Array {
  return encodePng(renderSrgb(clip01(cube), { wavelengths }));
}

/** All bands side by side, labelled with their wavelengths, as PNG bytes. */
export function bandGridPng(cube: Cube, wavelengths: readonly number[]): Uint8Array {
  return encodePng(bandGrid(clip01(cube), { wavelengths, tileWidth: Math.min(128, cube.shape[1]) }));
}

/** A measurement (or any 2-D array) as a grey PNG, scaled so its largest value is white. */
export function planePng(plane: Plane): Uint8Array {
  let max = 0;
  for (const v of plane.data) if (v > max) max = v;
  const rgba = new Uint8ClampedArray(plane.width * plane.height * 4);
  const scale = max > 0 ? 255 / max : 0;
  for (let i = 0; i < plane.data.length; i++) {
    const g = Math.round(Math.max(0, plane.data[i]) * scale);
    rgba[4 * i] = g;
    rgba[4 * i + 1] = g;
    rgba[4 * i + 2] = g;
    rgba[4 * i + 3] = 255;
  }
  const image: RgbaImage = { data: rgba, width: plane.width, height: plane.height };
  return encodePng(image);
}

/** Values clipped to [0, 1] (reconstructions can overshoot; renderings show the physical range). */
export function clip01(cube: Cube): Cube {
  const data = new Float32Array(cube.data.length);
  for (let i = 0; i < data.length; i++) data[i] = Math.min(1, Math.max(0, cube.data[i]));
  return { ...cube, data };
}

/** A point of a spectral plot: a small square region centred at (x, y). */
export interface SpectrumPoint {
  x: number;
  y: number;
}

/** Parses "x,y;x,y" (or repeated --points) into points inside a height x width image. */
export function parsePoints(text: string, height: number, width: number): SpectrumPoint[] {
  const points = text
    .split(/[;\s]+/)
    .filter(Boolean)
    .map((pair) => {
      const parts = pair.split(',').map((v) => Number(v));
      if (parts.length !== 2 || parts.some((v) => !Number.isInteger(v))) {
        throw new UsageError(
          `--points: expected x,y pairs of integers separated by ';' (e.g. "64,64;128,200"), got '${pair}'`,
        );
      }
      const [x, y] = parts;
      if (x < 0 || y < 0 || x >= width || y >= height) {
        throw new UsageError(
          `--points: ${x},${y} lies outside the ${width} x ${height} (width x height) image`,
        );
      }
      return { x, y };
    });
  if (points.length === 0) throw new UsageError('--points: give at least one x,y pair');
  return points;
}

/** Four points at a quarter and three quarters of each side. */
export function defaultPoints(height: number, width: number): SpectrumPoint[] {
  const xs = [Math.floor(width / 4), Math.floor((3 * width) / 4)];
  const ys = [Math.floor(height / 4), Math.floor((3 * height) / 4)];
  return ys.flatMap((y) => xs.map((x) => ({ x, y })));
}

function region(point: SpectrumPoint, height: number, width: number) {
  const size = Math.min(4, height, width);
  const x = Math.min(Math.max(0, point.x - Math.floor(size / 2)), width - size);
  const y = Math.min(Math.max(0, point.y - Math.floor(size / 2)), height - size);
  return { x, y, width: size, height: size };
}

export interface SpectraResult {
  svg: string;
  /** Pearson correlation of each method's spectrum with the truth's (when a truth is given). */
  correlations: Record<string, number>;
}

/** Spectral curves (4 x 4 pixel mean) at `point`: truth (if any) and each method, as SVG. */
export function spectraAt(
  point: SpectrumPoint,
  wavelengths: readonly number[],
  curves: { label: string; cube: Cube }[],
  truth?: Cube,
): SpectraResult {
  const [height, width] = (truth ?? curves[0].cube).shape;
  const where = region(point, height, width);
  const truthValues = truth ? regionSpectrum(truth, where) : undefined;
  const methodCurves = curves.map((c) => ({ label: c.label, values: regionSpectrum(c.cube, where) }));
  const correlations: Record<string, number> = {};
  if (truthValues) for (const c of methodCurves) correlations[c.label] = correlation(truthValues, c.values);
  const svg = spectralCurvesSvg({
    wavelengths,
    truth: truthValues ? { label: 'ground truth', values: truthValues } : undefined,
    curves: methodCurves,
    title: `Spectra at x=${point.x}, y=${point.y} (4 x 4 px mean)`,
  });
  return { svg, correlations };
}

/** Per-pixel mean absolute error of an estimate against the truth, as a PNG; also the numbers. */
export function errorMapPng(
  estimate: Cube,
  truth: Cube,
  maxError: number,
): { png: Uint8Array; meanError: number; maxError: number } {
  const map = errorMap(clip01(estimate), truth, { maxError });
  return { png: encodePng(map.image), meanError: map.meanError, maxError: map.maxError };
}

/** Grouped per-band bars of one metric for several methods, as SVG. */
export function bandBarsSvg(
  metric: string,
  wavelengths: readonly number[],
  series: { label: string; values: ArrayLike<number> }[],
  yMin?: number,
): string {
  return bandMetricsSvg({ series, wavelengths, metric, title: `${metric} per band`, yMin });
}

/**
 * Exposure for renderings of reconstructions of unknown scale (real measurements give cubes of about
 * Y / (N * mean mask)): the factor that maps the 99.5th percentile of the values to 1 (1 when that is 0).
 */
export function autoExposure(cube: Cube): number {
  const step = Math.max(1, Math.floor(cube.data.length / 200_000));
  const sample: number[] = [];
  for (let i = 0; i < cube.data.length; i += step) sample.push(cube.data[i]);
  sample.sort((a, b) => a - b);
  const p = sample[Math.min(sample.length - 1, Math.floor(sample.length * 0.995))] ?? 0;
  return p > 0 ? 1 / p : 1;
}

/** The cube times a factor (a copy). */
export function scaled(cube: Cube, factor: number): Cube {
  if (factor === 1) return cube;
  const data = new Float32Array(cube.data.length);
  for (let i = 0; i < data.length; i++) data[i] = cube.data[i] * factor;
  return { ...cube, data };
}
