import { drawText, GLYPH_HEIGHT } from './_font';
import {
  clamp01,
  expectNonNegativeInteger,
  expectOneOf,
  expectPositiveInteger,
  expectPositiveNumber,
  expectRgba,
  HsiRenderInputError,
} from './_validate';
import { type CubeLike, type RgbaImage, resolveCube } from './cube';
import { wavelengthColor } from './srgb';

export interface BandGridOptions {
  /** Band centres (nm) for tints and labels; default: the cube's own. Without them tiles are grey, labelled 1..N. */
  wavelengths?: readonly number[];
  /** Tiles per row (default ceil(sqrt(bands))). */
  columns?: number;
  /** Tile width in pixels (default: the cube's width); tiles are resampled nearest-neighbour. */
  tileWidth?: number;
  /** Tile height in pixels (default: keeps the cube's aspect ratio). */
  tileHeight?: number;
  /** Pixels between tiles and around the grid (default 4). */
  gap?: number;
  /**
   * 'global' (default): every band divided by the largest value of the whole cube, so bands compare;
   * 'band': each band divided by its own largest value, so dim bands are visible.
   */
  normalization?: 'global' | 'band';
  /** Extra factor on the normalised values before clipping to 0..1 (default 1). */
  gain?: number;
  /** Multiply each tile by its wavelength's colour (wavelengthColor; default true when wavelengths are known). */
  tint?: boolean;
  /** Draw a label strip under each tile with the wavelength, e.g. "453.5nm" (default true). */
  labels?: boolean;
  /** Font pixel size of the labels (default max(1, floor(tileWidth / 100))). */
  labelScale?: number;
  /** Background RGBA (default [0, 0, 0, 255]). */
  background?: [number, number, number] | [number, number, number, number];
  /** Label RGBA (default [255, 255, 255, 255]). */
  labelColor?: [number, number, number] | [number, number, number, number];
}

export interface BandGridLayout {
  readonly columns: number;
  readonly rows: number;
  readonly tileWidth: number;
  readonly tileHeight: number;
  readonly labelHeight: number;
  readonly labelScale: number;
  readonly gap: number;
  /** Top-left corner of each band's tile and its label text. */
  readonly tiles: readonly { band: number; x: number; y: number; label: string }[];
}

export interface BandGridImage extends RgbaImage {
  readonly layout: BandGridLayout;
}

/** "540nm" for whole numbers, "453.5nm" otherwise (one decimal). */
export function formatWavelength(wavelength: number): string {
  return `${Number.isInteger(wavelength) ? String(wavelength) : wavelength.toFixed(1)}nm`;
}

/**
 * One tile per band: the band's values (normalised, see options.normalization) shown linearly as
 * brightness, multiplied by the colour of the band's wavelength, with the wavelength written under it.
 * Size: width = columns * tileWidth + (columns + 1) * gap,
 *       height = rows * (tileHeight + labelHeight) + (rows + 1) * gap, labelHeight = 11 * labelScale
 * (0 without labels).
 */
export function bandGrid(cube: CubeLike, options: BandGridOptions = {}): BandGridImage {
  const view = resolveCube(cube, 'bandGrid: cube', options.wavelengths);
  const { data, height, width, bands, wavelengths } = view;
  const columns = expectPositiveInteger(
    options.columns ?? Math.ceil(Math.sqrt(bands)),
    'bandGrid: options.columns',
  );
  const rows = Math.ceil(bands / columns);
  const tileWidth = expectPositiveInteger(options.tileWidth ?? width, 'bandGrid: options.tileWidth');
  const tileHeight = expectPositiveInteger(
    options.tileHeight ?? Math.max(1, Math.round((height * tileWidth) / width)),
    'bandGrid: options.tileHeight',
  );
  const gap = expectNonNegativeInteger(options.gap ?? 4, 'bandGrid: options.gap');
  const normalization = expectOneOf(
    options.normalization ?? 'global',
    ['global', 'band'],
    'bandGrid: options.normalization',
  );
  const gain = expectPositiveNumber(options.gain ?? 1, 'bandGrid: options.gain');
  const tint = (options.tint ?? true) && wavelengths !== undefined;
  const labels = options.labels ?? true;
  const labelScale = expectPositiveInteger(
    options.labelScale ?? Math.max(1, Math.floor(tileWidth / 100)),
    'bandGrid: options.labelScale',
  );
  const background = expectRgba(options.background ?? [0, 0, 0, 255], 'bandGrid: options.background');
  const labelColor = expectRgba(options.labelColor ?? [255, 255, 255, 255], 'bandGrid: options.labelColor');
  const labelHeight = labels ? (GLYPH_HEIGHT + 4) * labelScale : 0;

  const outWidth = columns * tileWidth + (columns + 1) * gap;
  const outHeight = rows * (tileHeight + labelHeight) + (rows + 1) * gap;
  if (outWidth * outHeight > 2 ** 25) {
    throw new HsiRenderInputError(
      `bandGrid: expected a grid of at most 2^25 pixels, got ${outWidth} x ${outHeight} (reduce tileWidth or columns)`,
    );
  }
  const out = new Uint8ClampedArray(outWidth * outHeight * 4);
  for (let p = 0; p < outWidth * outHeight; p++) out.set(background, p * 4);
  const image = { data: out, width: outWidth, height: outHeight };

  // Scale per band: 1 / max (global or per band); bands whose max is <= 0 stay black.
  const maxima = new Float64Array(bands);
  for (let p = 0, i = 0; p < height * width; p++)
    for (let n = 0; n < bands; n++, i++) {
      const v = data[i];
      if (v > maxima[n]) maxima[n] = v;
    }
  let globalMax = 0;
  for (let n = 0; n < bands; n++) globalMax = Math.max(globalMax, maxima[n]);
  const xSource = new Int32Array(tileWidth);
  for (let x = 0; x < tileWidth; x++)
    xSource[x] = Math.min(width - 1, Math.floor(((x + 0.5) * width) / tileWidth));
  const ySource = new Int32Array(tileHeight);
  for (let y = 0; y < tileHeight; y++)
    ySource[y] = Math.min(height - 1, Math.floor(((y + 0.5) * height) / tileHeight));

  const tiles: { band: number; x: number; y: number; label: string }[] = [];
  for (let n = 0; n < bands; n++) {
    const column = n % columns;
    const row = Math.floor(n / columns);
    const left = gap + column * (tileWidth + gap);
    const top = gap + row * (tileHeight + labelHeight + gap);
    const peak = normalization === 'band' ? maxima[n] : globalMax;
    const scale = peak > 0 ? gain / peak : 0;
    const color = tint ? wavelengthColor((wavelengths as readonly number[])[n]) : [1, 1, 1];
    for (let y = 0; y < tileHeight; y++) {
      const sourceRow = ySource[y] * width;
      let o = ((top + y) * outWidth + left) * 4;
      for (let x = 0; x < tileWidth; x++, o += 4) {
        let v = data[(sourceRow + xSource[x]) * bands + n] * scale;
        v = clamp01(v);
        out[o] = Math.round(255 * v * color[0]);
        out[o + 1] = Math.round(255 * v * color[1]);
        out[o + 2] = Math.round(255 * v * color[2]);
        out[o + 3] = 255;
      }
    }
    const label = wavelengths ? formatWavelength(wavelengths[n]) : String(n + 1);
    if (labels) {
      const textTop = top + tileHeight + 2 * labelScale;
      drawText(image, label, left, textTop, labelScale, labelColor, [
        left,
        textTop,
        left + tileWidth,
        top + tileHeight + labelHeight,
      ]);
    }
    tiles.push({ band: n, x: left, y: top, label });
  }
  return {
    data: out,
    width: outWidth,
    height: outHeight,
    layout: { columns, rows, tileWidth, tileHeight, labelHeight, labelScale, gap, tiles },
  };
}
