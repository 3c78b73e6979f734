import * as tf from '@tensorflow/tfjs-core';
import { expectPositiveInteger } from './_validate';

/**
 * Swin's `relative_position_index` for an M x M window: [M*M * M*M] int32, entry (p, q) (row-major,
 * p = hp*M + wp) = (hp - hq + M - 1) * (2M - 1) + (wp - wq + M - 1), an index into a (2M-1)^2 table.
 */
export function relativePositionIndex(windowSize: number): Int32Array {
  const m = expectPositiveInteger(windowSize, 'relativePositionIndex windowSize');
  const tokens = m * m;
  // Built the way Swin does: coordinates of every token, pairwise differences, shifted to start at
  // 0, the row offset scaled by the table width.
  const rows = new Int32Array(tokens);
  const cols = new Int32Array(tokens);
  for (let t = 0; t < tokens; t++) {
    rows[t] = Math.floor(t / m);
    cols[t] = t % m;
  }
  const out = new Int32Array(tokens * tokens);
  for (let p = 0; p < tokens; p++) {
    for (let q = 0; q < tokens; q++) {
      const dy = rows[p] - rows[q] + m - 1;
      const dx = cols[p] - cols[q] + m - 1;
      out[p * tokens + q] = dy * (2 * m - 1) + dx;
    }
  }
  return out;
}

/**
 * Index of the spectral relative bias: [Ch * Ch] int32, entry (i, j) = i - j + Ch - 1, an index into
 * a (2Ch - 1) table of channel offsets.
 */
export function spectralBiasIndex(headDim: number): Int32Array {
  const ch = expectPositiveInteger(headDim, 'spectralBiasIndex headDim');
  const out = new Int32Array(ch * ch);
  for (let i = 0; i < ch; i++) for (let j = 0; j < ch; j++) out[i * ch + j] = i - j + ch - 1;
  return out;
}

/**
 * Looks up a bias table [tableSize, heads] at `index` (length n*n) and returns [heads, n, n] (tf.gather;
 * its gradient is UnsortedSegmentSum, which wasm gets from `registerWasmKernels()` of
 * @s2cassi/backends, like the convolution gradients). A one-hot matMul formulation was dropped: its
 * [n*n, tableSize] constant (3.7 MB at M = 8) was kept, copied and differentiated in every block.
 */
export function lookupBias(table: tf.Tensor, index: Int32Array, n: number): tf.Tensor3D {
  return tf.tidy(() => {
    const heads = table.shape[1] as number;
    const gathered = tf.gather(table, tf.tensor1d(index, 'int32'));
    return tf.reshape(tf.transpose(gathered, [1, 0]), [heads, n, n]) as tf.Tensor3D;
  });
}
