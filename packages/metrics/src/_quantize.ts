import type { NumericArray } from './cube-like';

/**
 * MATLAB's `im2uint8` for a double image: saturate `255 * x` to 0..255 and round half away from zero
 * (for the non-negative values left after saturation that is `Math.round`). Clipping a prediction to
 * [0, 1] first, as the CASSI scripts do, gives the same result, because saturation already clips.
 */
export function im2uint8(data: NumericArray): Float32Array {
  const n = data.length;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const scaled = data[i] * 255;
    out[i] = scaled <= 0 ? 0 : scaled >= 255 ? 255 : Math.round(scaled);
  }
  return out;
}

/** Round half to even, as `torch.round` and `numpy.round` do. */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  // Math.round rounds .5 up; undo that when the result is odd and x was exactly halfway.
  return r - x === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** MST's `torch_psnr` quantisation: `round(x * 256)` (half to even, no clipping, no saturation). */
export function round256(data: NumericArray): Float32Array {
  const n = data.length;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = roundHalfEven(data[i] * 256);
  return out;
}
