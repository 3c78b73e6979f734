import * as tf from '@tensorflow/tfjs-core';
import { expectFinite, expectNonNegativeInteger, expectPositiveInteger, S2AttnInputError } from './_validate';

const cache = new Map<string, Float32Array>();

/**
 * The additive attention mask of Swin's shifted windows, [windowCount, M*M, M*M] with windowCount =
 * (H/M)(W/M) in {@link windowPartition} order: 0 between tokens of the same region, `maskValue`
 * (default -100) between tokens from different regions of the cyclically shifted map.
 *
 * Regions (Swin's labelling of the shifted map): rows [0, H-M), [H-M, H-s), [H-s, H) crossed with the
 * same column ranges, 9 labels. A zero shift gives an all-zero mask. H and W must be multiples of M and
 * 0 <= shift < M. The returned array is cached and shared: do not modify it.
 */
export function shiftedWindowMaskValues(
  height: number,
  width: number,
  windowSize: number,
  shift: number,
  maskValue = -100,
): Float32Array {
  const m = expectPositiveInteger(windowSize, 'shiftedWindowMask windowSize');
  expectPositiveInteger(height, 'shiftedWindowMask height');
  expectPositiveInteger(width, 'shiftedWindowMask width');
  const s = expectNonNegativeInteger(shift, 'shiftedWindowMask shift');
  expectFinite(maskValue, 'shiftedWindowMask maskValue');
  if (height % m !== 0 || width % m !== 0) {
    throw new S2AttnInputError(
      `shiftedWindowMask: expected height and width that are multiples of ${m}, got ${height} x ${width}`,
    );
  }
  if (s >= m) throw new S2AttnInputError(`shiftedWindowMask: expected 0 <= shift < ${m}, got ${s}`);
  const key = `${height}x${width}/${m}/${s}/${maskValue}`;
  const hit = cache.get(key);
  if (hit) return hit;
  const region = (i: number, size: number) => (i < size - m ? 0 : i < size - s ? 1 : 2);
  const labels = new Int32Array(height * width);
  for (let i = 0; i < height; i++) {
    for (let j = 0; j < width; j++) labels[i * width + j] = region(i, height) * 3 + region(j, width);
  }
  const windowRows = height / m;
  const windowCols = width / m;
  const tokens = m * m;
  const out = new Float32Array(windowRows * windowCols * tokens * tokens);
  const windowLabels = new Int32Array(tokens);
  for (let wr = 0; wr < windowRows; wr++) {
    for (let wc = 0; wc < windowCols; wc++) {
      for (let t = 0; t < tokens; t++) {
        windowLabels[t] = labels[(wr * m + Math.floor(t / m)) * width + wc * m + (t % m)];
      }
      const base = (wr * windowCols + wc) * tokens * tokens;
      for (let p = 0; p < tokens; p++) {
        for (let q = 0; q < tokens; q++) {
          if (windowLabels[p] !== windowLabels[q]) out[base + p * tokens + q] = maskValue;
        }
      }
    }
  }
  if (cache.size > 16) cache.clear();
  cache.set(key, out);
  return out;
}

/** {@link shiftedWindowMaskValues} as a tensor [windowCount, M*M, M*M]. */
export function shiftedWindowMask(
  height: number,
  width: number,
  windowSize: number,
  shift: number,
  maskValue = -100,
): tf.Tensor3D {
  const values = shiftedWindowMaskValues(height, width, windowSize, shift, maskValue);
  const tokens = windowSize * windowSize;
  return tf.tensor3d(values, [values.length / (tokens * tokens), tokens, tokens]);
}
