import { assertCube, type Cube, createCube } from './cube';

/** The 28 CASSI band centres in nm (TSA-Net / MST / S2-Transformer simulation protocol). */
export const CASSI_28_BAND_CENTRES: readonly number[] = Object.freeze([
  453.5, 457.5, 462.0, 466.0, 471.5, 476.5, 481.5, 487.0, 492.5, 498.0, 504.0, 510.0, 516.0, 522.5, 529.5,
  536.5, 544.0, 551.5, 558.5, 567.5, 575.5, 584.5, 594.5, 604.0, 614.5, 625.0, 636.5, 648.0,
]);

/** The 31 CAVE band centres in nm: 400, 410, ..., 700. */
export const CAVE_31_BAND_CENTRES: readonly number[] = Object.freeze(
  Array.from({ length: 31 }, (_, i) => 400 + 10 * i),
);

export interface ResampleOptions {
  /** Interpolation along wavelength: 'linear' (default; piecewise linear between neighbouring centres). */
  method?: 'linear';
  /**
   * Target centres outside the source range: 'error' (default), 'clamp' (edge band's value) or
   * 'linear' (extend the edge segment).
   */
  extrapolate?: 'error' | 'clamp' | 'linear';
}

/**
 * Interpolates every pixel's spectrum from `fromCentres` (the cube's bands, strictly increasing nm) onto
 * `toCentres`. Returns a new cube of shape [H, W, toCentres.length] with `wavelengths = toCentres`.
 * For CAVE -> CASSI: `resampleBands(cave, CAVE_31_BAND_CENTRES, CASSI_28_BAND_CENTRES)`.
 */
export function resampleBands(
  cube: Cube,
  fromCentres: readonly number[],
  toCentres: readonly number[],
  options: ResampleOptions = {},
): Cube {
  assertCube(cube);
  const [h, w, n] = cube.shape;
  const method = options.method ?? 'linear';
  if (method !== 'linear') throw new Error(`resampleBands: method must be 'linear', got ${String(method)}`);
  const extrapolate = options.extrapolate ?? 'error';
  if (!Array.isArray(fromCentres) || fromCentres.length !== n) {
    throw new Error(
      `resampleBands: the cube has ${n} bands, got ${Array.isArray(fromCentres) ? fromCentres.length : typeof fromCentres} source centres`,
    );
  }
  for (let i = 1; i < n; i++) {
    if (!(fromCentres[i] > fromCentres[i - 1]))
      throw new Error(
        `resampleBands: source centres must increase strictly (index ${i}: ${fromCentres[i - 1]} then ${fromCentres[i]})`,
      );
  }
  if (!Array.isArray(toCentres) || toCentres.length === 0 || toCentres.some((c) => !Number.isFinite(c))) {
    throw new Error('resampleBands: expected a non-empty array of finite target centres');
  }
  const low = fromCentres[0];
  const high = fromCentres[n - 1];
  // For each target: two source bands and weights.
  const m = toCentres.length;
  const left = new Int32Array(m);
  const weight = new Float64Array(m);
  for (let t = 0; t < m; t++) {
    const c = toCentres[t];
    if ((c < low || c > high) && extrapolate === 'error') {
      throw new Error(
        `resampleBands: target centre ${c} nm is outside the source range ${low}..${high} nm (pass extrapolate: 'clamp' or 'linear' to allow)`,
      );
    }
    if (n === 1) {
      left[t] = 0;
      weight[t] = 0;
      continue;
    }
    let i = 0;
    while (i < n - 2 && c > fromCentres[i + 1]) i++;
    let f = (c - fromCentres[i]) / (fromCentres[i + 1] - fromCentres[i]);
    if (extrapolate === 'clamp') f = Math.min(1, Math.max(0, f));
    left[t] = i;
    weight[t] = f;
  }
  const out = createCube([h, w, m], undefined, toCentres);
  const src = cube.data;
  const dst = out.data;
  for (let p = 0; p < h * w; p++) {
    const s = p * n;
    const d = p * m;
    for (let t = 0; t < m; t++) {
      const i = left[t];
      const f = weight[t];
      dst[d + t] = f === 0 ? src[s + i] : src[s + i] * (1 - f) + src[s + i + 1] * f;
    }
  }
  return out;
}
