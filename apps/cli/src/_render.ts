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
import { InvalidArgumentError, Option } from 'commander';
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

/**
 * Four points with strong spectral structure, one per quadrant: in each quadrant the pixel (on a
 * 4-pixel grid) whose spectrum has the largest standard deviation over bands. Flat or dark spectra make
 * spectral-curve correlations meaningless (a correlation of noise), so the demo plots coloured pixels.
 */
export function informativePoints(cube: { data: Float32Array; shape: readonly number[] }): SpectrumPoint[] {
  const [height, width, bands] = cube.shape;
  const quadrants = [
    [0, 0],
    [0, 1],
    [1, 0],
    [1, 1],
  ];
  return quadrants.map(([qy, qx]) => {
    const y0 = Math.floor((qy * height) / 2);
    const x0 = Math.floor((qx * width) / 2);
    let best = { x: x0 + Math.floor(width / 4), y: y0 + Math.floor(height / 4) };
    let bestSpread = -1;
    for (let y = y0 + 2; y < Math.floor(((qy + 1) * height) / 2) - 2; y += 4) {
      for (let x = x0 + 2; x < Math.floor(((qx + 1) * width) / 2) - 2; x += 4) {
        const base = (y * width + x) * bands;
        let sum = 0;
        let squares = 0;
        for (let k = 0; k < bands; k++) {
          const v = cube.data[base + k];
          sum += v;
          squares += v * v;
        }
        const spread = squares / bands - (sum / bands) ** 2;
        if (spread > bestSpread) {
          bestSpread = spread;
          best = { x, y };
        }
      }
    }
    return best;
  });
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

/** How a cube is shown: an exposure factor ('auto': see {@link autoExposure}) and its orientation. */
export interface DisplayOptions {
  exposure: number | 'auto';
  /** Turn the picture by 180 degrees (the real TSA / KAIST data are stored upside down). */
  rotate180: boolean;
}

/** --exposure: 'auto' or a factor > 0. */
export function parseExposure(value: string): number | 'auto' {
  if (value.trim().toLowerCase() === 'auto') return 'auto';
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n <= 0) {
    throw new InvalidArgumentError(`expected 'auto' or a number > 0, got '${value}'.`);
  }
  return n;
}

/**
 * --exposure, for every command that writes renderings (`render`, `reconstruct --render`): one option,
 * one meaning, one default (auto-exposure). With {@link rotate180Option}.
 */
export function exposureOption(): Option {
  return new Option(
    '--exposure <auto|factor>',
    "renderings: values are multiplied by this before display; 'auto' (default) maps the 99.5th percentile to white, so cubes of any scale (real reconstructions) are visible; 1 shows the values as they are",
  )
    .argParser(parseExposure)
    .default('auto');
}

/** --rotate180, for every command that writes renderings (default: upright). */
export function rotate180Option(): Option {
  return new Option(
    '--rotate180',
    'renderings: turn the pictures by 180 degrees (the real TSA measurements are stored upside down)',
  );
}

/** The display options of a command's parsed options (defaults: auto exposure, upright). */
export function displayOptions(options: { exposure?: number | 'auto'; rotate180?: boolean }): DisplayOptions {
  return { exposure: options.exposure ?? 'auto', rotate180: options.rotate180 === true };
}

/** The cube turned by 180 degrees in the image plane (a copy): pixel (x, y) <- (W-1-x, H-1-y). */
export function rotated180(cube: Cube): Cube {
  const [height, width, bands] = cube.shape;
  const pixels = height * width;
  const data = new Float32Array(cube.data.length);
  for (let p = 0; p < pixels; p++)
    data.set(cube.data.subarray((pixels - 1 - p) * bands, (pixels - p) * bands), p * bands);
  return { ...cube, data };
}

/**
 * The cube as it is shown: turned when asked, times the exposure (resolved: 'auto' -> the factor that
 * maps the 99.5th percentile to 1). Renderings clip the result to [0, 1].
 */
export function forDisplay(cube: Cube, options: DisplayOptions): { cube: Cube; exposure: number } {
  const oriented = options.rotate180 ? rotated180(cube) : cube;
  const exposure = options.exposure === 'auto' ? autoExposure(oriented) : options.exposure;
  return { cube: scaled(oriented, exposure), exposure };
}

/** sRGB and band-grid PNGs of a cube as shown with `options` (one rendering for every command). */
export function displayPngs(
  cube: Cube,
  wavelengths: readonly number[],
  options: DisplayOptions,
): { srgb: Uint8Array; bands: Uint8Array; exposure: number } {
  const shown = forDisplay(cube, options);
  return {
    srgb: srgbPng(shown.cube, wavelengths),
    bands: bandGridPng(shown.cube, wavelengths),
    exposure: shown.exposure,
  };
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
