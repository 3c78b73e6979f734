import { MAGMA, VIRIDIS } from './_colormap-tables.generated';
import {
  clamp01,
  describeValue,
  expectArrayLike,
  expectOneOf,
  expectPositiveInteger,
  HsiRenderInputError,
} from './_validate';
import type { RgbaImage } from './cube';

/** Perceptually uniform colour maps (matplotlib's published 256-entry tables, CC0). */
export type ColormapName = 'viridis' | 'magma';

export const COLORMAP_NAMES: readonly ColormapName[] = ['viridis', 'magma'];

const TABLES: Record<ColormapName, readonly number[]> = { viridis: VIRIDIS, magma: MAGMA };

/**
 * Colour of `t` in 0..1 (clipped) on a colour map, as [r, g, b] bytes: linear interpolation between the
 * 256 published knots (knot k sits at t = k / 255). NaN gives the low end.
 */
export function colormapColor(name: ColormapName, t: number): [number, number, number] {
  const table = TABLES[expectOneOf(name, COLORMAP_NAMES, 'colormapColor: name')];
  const clipped = clamp01(t);
  const position = clipped * 255;
  const k = Math.min(254, Math.floor(position));
  const f = position - k;
  return [
    Math.round(255 * (table[k * 3] * (1 - f) + table[k * 3 + 3] * f)),
    Math.round(255 * (table[k * 3 + 1] * (1 - f) + table[k * 3 + 4] * f)),
    Math.round(255 * (table[k * 3 + 2] * (1 - f) + table[k * 3 + 5] * f)),
  ];
}

export interface ColormapOptions {
  /** Colour map (default 'viridis'). */
  colormap?: ColormapName;
  /** Value shown as the low end (default: the smallest finite value). */
  min?: number;
  /** Value shown as the high end (default: the largest finite value). */
  max?: number;
  /** Where `skip` is true (or a non-finite value), draw this RGBA instead (default [128, 128, 128, 255]). */
  skip?: ArrayLike<boolean | number>;
  skipColor?: [number, number, number] | [number, number, number, number];
}

/** A height x width scalar field (row-major) as an RGBA picture through a colour map. */
export function applyColormap(
  values: ArrayLike<number>,
  width: number,
  height: number,
  options: ColormapOptions = {},
): RgbaImage {
  expectPositiveInteger(width, 'applyColormap: width');
  expectPositiveInteger(height, 'applyColormap: height');
  const field = expectArrayLike(values, 'applyColormap: values', width * height);
  const name = expectOneOf(options.colormap ?? 'viridis', COLORMAP_NAMES, 'applyColormap: options.colormap');
  const skip =
    options.skip === undefined
      ? undefined
      : expectArrayLike(options.skip as ArrayLike<number>, 'applyColormap: options.skip', width * height);
  const skipColor = options.skipColor ?? [128, 128, 128, 255];
  let lo = options.min;
  let hi = options.max;
  if (lo === undefined || hi === undefined) {
    let foundLo = Number.POSITIVE_INFINITY;
    let foundHi = Number.NEGATIVE_INFINITY;
    for (let i = 0; i < field.length; i++) {
      if (skip?.[i]) continue;
      const v = field[i];
      if (!Number.isFinite(v)) continue;
      if (v < foundLo) foundLo = v;
      if (v > foundHi) foundHi = v;
    }
    lo ??= Number.isFinite(foundLo) ? foundLo : 0;
    hi ??= Number.isFinite(foundHi) ? foundHi : 1;
  }
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) {
    throw new HsiRenderInputError(
      `applyColormap: expected finite min and max, got ${describeValue(lo)} and ${describeValue(hi)}`,
    );
  }
  const span = hi > lo ? hi - lo : 1;
  const out = new Uint8ClampedArray(width * height * 4);
  for (let i = 0; i < field.length; i++) {
    const v = field[i];
    const o = i * 4;
    if (skip?.[i] || !Number.isFinite(v)) {
      out[o] = skipColor[0];
      out[o + 1] = skipColor[1];
      out[o + 2] = skipColor[2];
      out[o + 3] = skipColor.length === 4 ? skipColor[3] : 255;
      continue;
    }
    const [r, g, b] = colormapColor(name, (v - lo) / span);
    out[o] = r;
    out[o + 1] = g;
    out[o + 2] = b;
    out[o + 3] = 255;
  }
  return { data: out, width, height };
}
