import { clamp01, describeValue, HsiRenderInputError } from './_validate';
import { cieCmf } from './observer';

/** A 3x3 matrix, row-major. */
export type Matrix3 = readonly [number, number, number, number, number, number, number, number, number];

/** XYZ (D65 white, Y = 1) to linear sRGB, IEC 61966-2-1:1999 (the 4-decimal matrix of the standard). */
export const XYZ_TO_LINEAR_SRGB: Matrix3 = [
  3.2406, -1.5372, -0.4986, -0.9689, 1.8758, 0.0415, 0.0557, -0.204, 1.057,
];

/** The sRGB reference white (IEC 61966-2-1: D65 chromaticity x = 0.3127, y = 0.3290) as XYZ with Y = 1. */
export const SRGB_WHITE_XYZ: readonly [number, number, number] = [
  0.3127 / 0.329,
  1,
  (1 - 0.3127 - 0.329) / 0.329,
];

/** Bradford cone-response matrix (Lam 1985; as used by ICC.1 and CIE 159 linear Bradford). */
export const BRADFORD: Matrix3 = [0.8951, 0.2664, -0.1614, -0.7502, 1.7135, 0.0367, 0.0389, -0.0685, 1.0296];

export function multiply3(a: Matrix3, b: Matrix3): Matrix3 {
  const out = new Array<number>(9);
  for (let r = 0; r < 3; r++)
    for (let c = 0; c < 3; c++)
      out[r * 3 + c] = a[r * 3] * b[c] + a[r * 3 + 1] * b[3 + c] + a[r * 3 + 2] * b[6 + c];
  return out as unknown as Matrix3;
}

export function apply3(
  m: Matrix3,
  v: readonly [number, number, number] | readonly number[],
): [number, number, number] {
  return [
    m[0] * v[0] + m[1] * v[1] + m[2] * v[2],
    m[3] * v[0] + m[4] * v[1] + m[5] * v[2],
    m[6] * v[0] + m[7] * v[1] + m[8] * v[2],
  ];
}

export function invert3(m: Matrix3): Matrix3 {
  const [a, b, c, d, e, f, g, h, i] = m;
  const A = e * i - f * h;
  const B = -(d * i - f * g);
  const C = d * h - e * g;
  const det = a * A + b * B + c * C;
  if (!(Math.abs(det) > 1e-300))
    throw new HsiRenderInputError('invert3: expected an invertible matrix, got determinant 0');
  return [
    A / det,
    -(b * i - c * h) / det,
    (b * f - c * e) / det,
    B / det,
    (a * i - c * g) / det,
    -(a * f - c * d) / det,
    C / det,
    -(a * h - b * g) / det,
    (a * e - b * d) / det,
  ];
}

function expectWhite(white: unknown, what: string): readonly [number, number, number] {
  if (
    !Array.isArray(white) ||
    white.length !== 3 ||
    !white.every((v) => typeof v === 'number' && Number.isFinite(v) && v > 0)
  ) {
    throw new HsiRenderInputError(
      `${what}: expected an XYZ white [X, Y, Z] of positive numbers, got ${describeValue(white)}`,
    );
  }
  return white as unknown as [number, number, number];
}

/**
 * Linear Bradford chromatic adaptation from `sourceWhite` to `targetWhite` (XYZ): M^-1 diag(rho_t / rho_s) M
 * with M = BRADFORD. It maps the source white exactly onto the target white.
 */
export function bradfordAdaptation(
  sourceWhite: readonly [number, number, number],
  targetWhite: readonly [number, number, number] = SRGB_WHITE_XYZ,
): Matrix3 {
  const source = apply3(BRADFORD, expectWhite(sourceWhite, 'bradfordAdaptation: sourceWhite'));
  const target = apply3(BRADFORD, expectWhite(targetWhite, 'bradfordAdaptation: targetWhite'));
  const scale: Matrix3 = [
    target[0] / source[0],
    0,
    0,
    0,
    target[1] / source[1],
    0,
    0,
    0,
    target[2] / source[2],
  ];
  return multiply3(invert3(BRADFORD), multiply3(scale, BRADFORD));
}

/** sRGB transfer function (IEC 61966-2-1): linear 0..1 -> encoded 0..1 (values outside are clipped first). */
export function srgbEncode(linear: number): number {
  const v = clamp01(linear);
  return v <= 0.0031308 ? 12.92 * v : 1.055 * v ** (1 / 2.4) - 0.055;
}

/** Inverse sRGB transfer function: encoded 0..1 -> linear 0..1. */
export function srgbDecode(encoded: number): number {
  const v = clamp01(encoded);
  return v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
}

/** XYZ (Y = 1 for white) to linear sRGB, unclipped (out-of-gamut colours give values < 0 or > 1). */
export function xyzToLinearSrgb(
  xyz: readonly [number, number, number] | readonly number[],
): [number, number, number] {
  return apply3(XYZ_TO_LINEAR_SRGB, xyz);
}

/** XYZ to encoded sRGB bytes 0..255 (clip to the gamut, transfer function, round). */
export function xyzToSrgbBytes(
  xyz: readonly [number, number, number] | readonly number[],
): [number, number, number] {
  const linear = xyzToLinearSrgb(xyz);
  return [
    Math.round(255 * srgbEncode(linear[0])),
    Math.round(255 * srgbEncode(linear[1])),
    Math.round(255 * srgbEncode(linear[2])),
  ];
}

/**
 * A displayable colour for monochromatic light of `wavelength` nm, as encoded sRGB 0..1: the linear sRGB
 * of the CIE 1931 colour matching functions at that wavelength, desaturated by adding equal amounts of
 * R, G, B until no channel is negative (spectral colours lie outside the sRGB gamut), then scaled so the
 * largest channel is 1. Outside 360..830 nm, where the eye sees nothing, it is white [1, 1, 1].
 */
export function wavelengthColor(wavelength: number): [number, number, number] {
  const linear = xyzToLinearSrgb(cieCmf(wavelength));
  const lowest = Math.min(linear[0], linear[1], linear[2]);
  const lifted = lowest < 0 ? linear.map((v) => v - lowest) : linear;
  const peak = Math.max(lifted[0], lifted[1], lifted[2]);
  if (!(peak > 0)) return [1, 1, 1];
  return [srgbEncode(lifted[0] / peak), srgbEncode(lifted[1] / peak), srgbEncode(lifted[2] / peak)];
}
