import { expectArrayLike, expectOneOf } from './_validate';
import { type CubeLike, type RgbaImage, requireWavelengths, resolveCube } from './cube';
import { type XyzOptions, type XyzWeights, xyzWeights } from './spectral-weights';
import { bradfordAdaptation, type Matrix3, multiply3, srgbEncode, XYZ_TO_LINEAR_SRGB } from './srgb';

/** Options of renderSrgb / spectrumToSrgb / srgbWeights. */
export interface SrgbOptions extends XyzOptions {
  /** Band centres (nm); default: the cube's own `wavelengths`. */
  wavelengths?: readonly number[];
  /**
   * 'bradford' (default): a linear Bradford chromatic adaptation maps the white of a perfect reflector
   * under the illuminant, sampled at the cube's bands, onto the sRGB white, so reflectance 1 renders as
   * (255, 255, 255) and grey stays grey whatever the illuminant or band range (a camera's white balance).
   * 'none': XYZ goes straight through the sRGB matrix, showing the illuminant's colour cast.
   */
  adaptation?: 'bradford' | 'none';
}

/** Per-band linear-sRGB weights: R = sum_i r[i] * value_i (likewise G, B). */
export interface SrgbWeights {
  readonly wavelengths: readonly number[];
  readonly r: Float64Array;
  readonly g: Float64Array;
  readonly b: Float64Array;
  readonly xyz: XyzWeights;
  /** XYZ -> linear sRGB matrix used (adaptation included). */
  readonly matrix: Matrix3;
}

/** The weights renderSrgb uses: XYZ weights (xyzWeights) times the adaptation and the IEC sRGB matrix. */
export function srgbWeights(wavelengths: readonly number[], options: SrgbOptions = {}): SrgbWeights {
  const xyz = xyzWeights(wavelengths, options);
  const adaptation = expectOneOf(
    options.adaptation ?? 'bradford',
    ['bradford', 'none'],
    'srgbWeights: options.adaptation',
  );
  const [wx, wy, wz] = xyz.white;
  const matrix =
    adaptation === 'bradford'
      ? multiply3(XYZ_TO_LINEAR_SRGB, bradfordAdaptation([wx / wy, 1, wz / wy]))
      : XYZ_TO_LINEAR_SRGB;
  const n = xyz.wavelengths.length;
  const r = new Float64Array(n);
  const g = new Float64Array(n);
  const b = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    r[i] = matrix[0] * xyz.x[i] + matrix[1] * xyz.y[i] + matrix[2] * xyz.z[i];
    g[i] = matrix[3] * xyz.x[i] + matrix[4] * xyz.y[i] + matrix[5] * xyz.z[i];
    b[i] = matrix[6] * xyz.x[i] + matrix[7] * xyz.y[i] + matrix[8] * xyz.z[i];
  }
  return { wavelengths: xyz.wavelengths, r, g, b, xyz, matrix };
}

/** The colour of one spectrum, at every stage of the pipeline. */
export interface SpectrumColor {
  /** CIE 1931 XYZ (perfect white: Y = exposure), before adaptation. */
  xyz: [number, number, number];
  /** Linear sRGB after adaptation, unclipped. */
  linear: [number, number, number];
  /** Encoded sRGB 0..1 (clipped to the gamut, IEC transfer function). */
  encoded: [number, number, number];
  /** Encoded sRGB as bytes 0..255. */
  bytes: [number, number, number];
}

/** Colour of a spectrum sampled at `wavelengths` (same pipeline as renderSrgb). */
export function spectrumToSrgb(
  spectrum: ArrayLike<number>,
  wavelengths: readonly number[],
  options: SrgbOptions = {},
): SpectrumColor {
  const weights = srgbWeights(wavelengths, options);
  const values = expectArrayLike(spectrum, 'spectrumToSrgb: spectrum', weights.wavelengths.length);
  const xyz: [number, number, number] = [0, 0, 0];
  const linear: [number, number, number] = [0, 0, 0];
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    xyz[0] += weights.xyz.x[i] * v;
    xyz[1] += weights.xyz.y[i] * v;
    xyz[2] += weights.xyz.z[i] * v;
    linear[0] += weights.r[i] * v;
    linear[1] += weights.g[i] * v;
    linear[2] += weights.b[i] * v;
  }
  const encoded = linear.map(srgbEncode) as [number, number, number];
  const bytes = encoded.map((v) => Math.round(255 * v)) as [number, number, number];
  return { xyz, linear, encoded, bytes };
}

/**
 * sRGB picture of a cube: every pixel's spectrum (reflectance-like values, 1 = perfect white) is turned into
 * CIE 1931 XYZ under the illuminant (xyzWeights: trapezoid band weights, CMFs interpolated at the band
 * centres, normalised so a perfect reflector at the same bands has Y = exposure), adapted to the sRGB white
 * (options.adaptation), converted with the IEC 61966-2-1 matrix, clipped to 0..1 and gamma-encoded.
 * NaN values count as 0. Returns RGBA bytes (alpha 255), height x width.
 */
export function renderSrgb(cube: CubeLike, options: SrgbOptions = {}): RgbaImage {
  const view = resolveCube(cube, 'renderSrgb: cube', options.wavelengths);
  const weights = srgbWeights(requireWavelengths(view, 'renderSrgb'), options);
  const { data, height, width, bands } = view;
  const { r, g, b } = weights;
  const out = new Uint8ClampedArray(height * width * 4);
  const pixels = height * width;
  for (let p = 0; p < pixels; p++) {
    let red = 0;
    let green = 0;
    let blue = 0;
    const base = p * bands;
    for (let i = 0; i < bands; i++) {
      const v = data[base + i];
      red += r[i] * v;
      green += g[i] * v;
      blue += b[i] * v;
    }
    const o = p * 4;
    out[o] = Math.round(255 * srgbEncode(red));
    out[o + 1] = Math.round(255 * srgbEncode(green));
    out[o + 2] = Math.round(255 * srgbEncode(blue));
    out[o + 3] = 255;
  }
  return { data: out, width, height };
}
