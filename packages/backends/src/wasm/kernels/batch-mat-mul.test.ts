import { backendBuffers, expectNoLeaks, setBackend, uniformArray } from '@s2cassi/testing';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerGradients } from '../../register-gradients';
import { registerWasmKernels } from '../register-wasm-kernels';
import {
  registerWasmMatmul,
  setWasmMatmulMode,
  unregisterWasmMatmul,
  type WasmMatmulMode,
  wasmMatmulMode,
} from './batch-mat-mul';

/** out[t] = op(a[t]) op(b[t]) by an explicit triple loop in float64, with batch broadcasting of 1. */
function bruteForce(
  a: Float32Array,
  aShape: number[],
  b: Float32Array,
  bShape: number[],
  transposeA: boolean,
  transposeB: boolean,
): { values: Float64Array; shape: number[] } {
  const ra = aShape.length;
  const rb = bShape.length;
  const [ar, ac] = [aShape[ra - 2], aShape[ra - 1]];
  const [br, bc] = [bShape[rb - 2], bShape[rb - 1]];
  const m = transposeA ? ac : ar;
  const k = transposeA ? ar : ac;
  const n = transposeB ? br : bc;
  const batchA = aShape.slice(0, -2).reduce((p, d) => p * d, 1);
  const batchB = bShape.slice(0, -2).reduce((p, d) => p * d, 1);
  const batch = Math.max(batchA, batchB);
  // Outer dims broadcast right-aligned (only 1s broadcast in these cases).
  const oa = aShape.slice(0, -2);
  const ob = bShape.slice(0, -2);
  const rank = Math.max(oa.length, ob.length);
  const outer = Array.from({ length: rank }, (_, i) =>
    Math.max(oa[i - rank + oa.length] ?? 1, ob[i - rank + ob.length] ?? 1),
  );
  const values = new Float64Array(batch * m * n);
  for (let t = 0; t < batch; t++) {
    const ta = batchA === 1 ? 0 : t;
    const tb = batchB === 1 ? 0 : t;
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let sum = 0;
        for (let p = 0; p < k; p++) {
          const av = transposeA ? a[ta * ar * ac + p * ac + i] : a[ta * ar * ac + i * ac + p];
          const bv = transposeB ? b[tb * br * bc + j * bc + p] : b[tb * br * bc + p * bc + j];
          sum += av * bv;
        }
        values[t * m * n + i * n + j] = sum;
      }
    }
  }
  const shape = batchA === 1 && batchB === 1 && outer.length === 0 ? [m, n] : [...outer, m, n];
  return { values, shape };
}

// [a shape, b shape, transposeA, transposeB]: every micro-kernel edge (m mod 4; n mod 8 = 0..7), k = 1,
// k-blocking,
// batch broadcasting either way, rank 2 (transposed or not) and rank 4-5.
const CASES: Array<[number[], number[], boolean, boolean]> = [
  [[3, 5, 7], [3, 7, 13], false, false],
  [[3, 7, 5], [3, 13, 7], true, true],
  [[2, 8, 1], [2, 1, 16], false, false],
  [[4, 9, 6], [1, 6, 12], false, false],
  [[1, 9, 6], [4, 6, 12], false, false],
  [[5, 6, 11], [6, 3], true, false],
  [[2, 3, 17, 8], [2, 3, 17, 8], false, true],
  [[2, 1, 6, 64, 8], [2, 1, 6, 64, 8], false, true],
  [[6, 64, 64], [6, 64, 8], false, false],
  [[6, 64, 64], [6, 64, 8], true, false],
  [[37, 20], [13, 20], false, true],
  [[37, 20], [37, 9], true, false],
  [[20, 37], [9, 20], true, true],
  [[37, 20], [20, 9], false, false],
  [[1, 1], [1, 1], false, false],
  [[2, 64, 64], [2, 64, 10], false, false],
  [[3, 7, 5], [3, 5, 6], false, false],
  [[3, 9, 4], [3, 4, 7], false, false],
  [[2, 10, 64], [2, 10, 64], false, true],
  // k > 128: several passes over C (k-blocking), every edge width, A read transposed in place
  [[1, 300, 13], [1, 300, 9], true, false],
  [[2, 5, 260], [2, 260, 11], false, false],
  [[700, 6], [700, 10], true, false],
  [[700, 7], [3, 700], true, true],
  // m > 128: several row panels per pass (the last one partial and not a multiple of 4), with k-blocking too
  [[301, 9], [9, 13], false, false],
  [[261, 140], [11, 140], false, true],
];

describe('wasm BatchMatMul (SIMD kernel)', () => {
  beforeAll(async () => {
    registerGradients();
    registerWasmKernels();
    await setBackend('wasm');
  });
  afterAll(async () => {
    setWasmMatmulMode(undefined);
    await setBackend('cpu');
  });

  it('is registered by registerWasmKernels and runs in place in tfjs memory', () => {
    expect(tf.getKernel('BatchMatMul', 'wasm')).toBeDefined();
    expect(wasmMatmulMode(tf.backend())).toBe('in-place');
  });

  for (const mode of ['in-place', 'copy'] as WasmMatmulMode[]) {
    for (const [aShape, bShape, transposeA, transposeB] of CASES) {
      const label = `${mode}: ${JSON.stringify(aShape)}${transposeA ? 'ᵀ' : ''} x ${JSON.stringify(bShape)}${transposeB ? 'ᵀ' : ''}`;
      it(`${label} equals a brute-force loop, frees everything it made`, async () => {
        setWasmMatmulMode(mode);
        const aValues = uniformArray(
          aShape.reduce((p, d) => p * d, 1),
          11,
          -1,
          1,
        );
        const bValues = uniformArray(
          bShape.reduce((p, d) => p * d, 1),
          12,
          -1,
          1,
        );
        const expected = bruteForce(aValues, aShape, bValues, bShape, transposeA, transposeB);
        const buffers = backendBuffers();
        const { values, shape } = await expectNoLeaks(async () => {
          const a = tf.tensor(aValues, aShape);
          const b = tf.tensor(bValues, bShape);
          const out = tf.matMul(a, b, transposeA, transposeB);
          const result = { values: await out.data(), shape: out.shape };
          tf.dispose([a, b, out]);
          return result;
        });
        expect(backendBuffers()).toBe(buffers);
        expect(shape).toEqual(expected.shape);
        const k = transposeA ? aShape[aShape.length - 2] : aShape[aShape.length - 1];
        for (let i = 0; i < values.length; i++) {
          if (Math.abs(values[i] - expected.values[i]) > 1e-5 * k)
            expect(values[i], `element ${i}`).toBeCloseTo(expected.values[i], 5);
        }
        setWasmMatmulMode(undefined);
      });
    }
  }

  it('gradients through batched products match the original kernel', async () => {
    const aValues = uniformArray(3 * 16 * 8, 21, -1, 1);
    const bValues = uniformArray(3 * 16 * 8, 22, -1, 1);
    const run = async () =>
      expectNoLeaks(async () => {
        const a = tf.tensor(aValues, [3, 16, 8]);
        const b = tf.tensor(bValues, [3, 16, 8]);
        const grads = tf.grads((x: tf.Tensor, y: tf.Tensor) =>
          tf.sum(tf.square(tf.matMul(tf.matMul(x, y, false, true), y))),
        )([a, b]);
        const out = await Promise.all(grads.map((g) => g.data()));
        tf.dispose([a, b, ...grads]);
        return out;
      });
    const ours = await run();
    unregisterWasmMatmul();
    try {
      const theirs = await run();
      for (const [i, g] of ours.entries()) {
        let worst = 0;
        let scale = 0;
        for (let j = 0; j < g.length; j++) {
          worst = Math.max(worst, Math.abs(g[j] - theirs[i][j]));
          scale = Math.max(scale, Math.abs(theirs[i][j]));
        }
        expect(worst / scale, `gradient ${i}`).toBeLessThan(1e-5);
      }
    } finally {
      registerWasmMatmul();
    }
  });

  it('says which inner dimensions disagree', () => {
    const a = tf.zeros([2, 3, 4]);
    const b = tf.zeros([2, 5, 6]);
    expect(() => tf.matMul(a, b)).toThrow(/inner/);
    tf.dispose([a, b]);
  });
});
