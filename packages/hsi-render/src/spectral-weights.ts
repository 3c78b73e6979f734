import { describeValue, expectArrayLike, HsiRenderInputError } from './_validate';
import { validateWavelengths } from './cube';
import { cieCmf, type Illuminant, illuminantPower, validateIlluminant } from './observer';

/** How a spectrum sampled at band centres is turned into CIE XYZ. */
export interface XyzOptions {
  /** Illuminant the reflectance is seen under (default 'D65'). */
  illuminant?: Illuminant;
  /**
   * Width (nm) each band stands for. Default: trapezoid weights from the band centres,
   * w_0 = (l_1 - l_0) / 2, w_i = (l_{i+1} - l_{i-1}) / 2, w_last = (l_last - l_{last-1}) / 2
   * (1 nm for a single band; the normalisation below cancels it).
   */
  bandWidths?: readonly number[];
  /** Extra brightness factor applied after the normalisation (default 1). */
  exposure?: number;
}

/** Per-band XYZ weights: X = sum_i x[i] * r_i (likewise Y, Z) for a spectrum r at the band centres. */
export interface XyzWeights {
  readonly wavelengths: readonly number[];
  readonly x: Float64Array;
  readonly y: Float64Array;
  readonly z: Float64Array;
  /** XYZ of a perfect white reflector (r = 1 in every band) with these weights; Y = exposure. */
  readonly white: [number, number, number];
  /** k in the exposure normalisation: 1 / sum_i S(l_i) y-bar(l_i) w_i. */
  readonly normalization: number;
}

/** Trapezoid band widths (nm) for band centres `wavelengths` (see XyzOptions.bandWidths). */
export function trapezoidWidths(wavelengths: readonly number[]): Float64Array {
  const list = validateWavelengths(wavelengths, undefined, 'trapezoidWidths: wavelengths');
  const n = list.length;
  const widths = new Float64Array(n);
  if (n === 1) {
    widths[0] = 1;
    return widths;
  }
  for (let i = 0; i < n; i++) {
    const lo = list[Math.max(0, i - 1)];
    const hi = list[Math.min(n - 1, i + 1)];
    widths[i] = (hi - lo) / 2;
  }
  return widths;
}

/**
 * The weights that turn a spectrum at `wavelengths` into CIE 1931 XYZ.
 *
 * For band i at centre l_i with width w_i under illuminant S:
 *   x[i] = k S(l_i) x-bar(l_i) w_i  (y, z alike),   k = exposure / sum_i S(l_i) y-bar(l_i) w_i,
 * with the CIE colour matching functions interpolated at the band centres. The normalisation k uses the
 * SAME centres and widths as the cube, so a perfect white reflector (reflectance 1 in every band) has
 * Y = exposure whatever the band set: 28 CASSI bands, 31 CAVE bands or 471 1-nm bands give the same
 * brightness. (Summing CMF values over a few bands without this normalisation is the usual cause of
 * renderings that come out 10 to 16 times too bright or too dark.)
 */
export function xyzWeights(wavelengths: readonly number[], options: XyzOptions = {}): XyzWeights {
  const list = validateWavelengths(wavelengths, undefined, 'xyzWeights: wavelengths');
  const n = list.length;
  const illuminant = validateIlluminant(options.illuminant ?? 'D65', 'xyzWeights: options.illuminant');
  const exposure = options.exposure ?? 1;
  if (typeof exposure !== 'number' || !Number.isFinite(exposure) || exposure <= 0) {
    throw new HsiRenderInputError(
      `xyzWeights: options.exposure: expected a finite number > 0, got ${describeValue(exposure)}`,
    );
  }
  let widths: ArrayLike<number>;
  if (options.bandWidths !== undefined) {
    widths = expectArrayLike(options.bandWidths, 'xyzWeights: options.bandWidths', n);
    for (let i = 0; i < n; i++) {
      if (!(Number.isFinite(widths[i]) && widths[i] > 0)) {
        throw new HsiRenderInputError(
          `xyzWeights: options.bandWidths: expected widths > 0 nm, got ${widths[i]} at index ${i}`,
        );
      }
    }
  } else {
    widths = trapezoidWidths(list);
  }
  const x = new Float64Array(n);
  const y = new Float64Array(n);
  const z = new Float64Array(n);
  let whiteY = 0;
  for (let i = 0; i < n; i++) {
    const [xb, yb, zb] = cieCmf(list[i]);
    const power = illuminantPower(illuminant, list[i]) * widths[i];
    x[i] = power * xb;
    y[i] = power * yb;
    z[i] = power * zb;
    whiteY += y[i];
  }
  if (!(whiteY > 0)) {
    throw new HsiRenderInputError(
      `xyzWeights: no band sees light (band centres ${list[0]}..${list[n - 1]} nm; the CIE 1931 observer covers 360..830 nm and the illuminant must be non-zero there)`,
    );
  }
  const k = exposure / whiteY;
  const white: [number, number, number] = [0, 0, 0];
  for (let i = 0; i < n; i++) {
    x[i] *= k;
    y[i] *= k;
    z[i] *= k;
    white[0] += x[i];
    white[1] += y[i];
    white[2] += z[i];
  }
  return { wavelengths: list, x, y, z, white, normalization: k };
}

/** CIE 1931 XYZ of one spectrum sampled at `wavelengths` (see xyzWeights for the normalisation). */
export function spectrumToXyz(
  spectrum: ArrayLike<number>,
  wavelengths: readonly number[],
  options: XyzOptions = {},
): [number, number, number] {
  const weights = xyzWeights(wavelengths, options);
  const values = expectArrayLike(spectrum, 'spectrumToXyz: spectrum', weights.wavelengths.length);
  let xs = 0;
  let ys = 0;
  let zs = 0;
  for (let i = 0; i < values.length; i++) {
    xs += weights.x[i] * values[i];
    ys += weights.y[i] * values[i];
    zs += weights.z[i] * values[i];
  }
  return [xs, ys, zs];
}
