import { backendBuffers, expectNoLeaks, setBackend, uniformArray } from '@s2cassi/testing';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerGradients } from '../../register-gradients';
import { registerWasmKernels } from '../register-wasm-kernels';
import { FUSED_LAYER_NORM } from './layer-norm';
import { FUSED_LAYER_NORM_GRAD } from './layer-norm-grad';

const EPSILON = 1e-5;

/** Float64 LayerNorm of rows x cols values and its gradient for the upstream gradient `dy` (closed forms). */
function reference(x: Float32Array, gamma: Float32Array, beta: Float32Array, dy: Float32Array, cols: number) {
  const rows = x.length / cols;
  const y = new Float64Array(x.length);
  const dx = new Float64Array(x.length);
  const dgamma = new Float64Array(cols);
  const dbeta = new Float64Array(cols);
  for (let r = 0; r < rows; r++) {
    const row = Array.from(x.subarray(r * cols, (r + 1) * cols));
    const mean = row.reduce((s, v) => s + v, 0) / cols;
    const variance = row.reduce((s, v) => s + (v - mean) ** 2, 0) / cols;
    const rstd = 1 / Math.sqrt(variance + EPSILON);
    const xhat = row.map((v) => (v - mean) * rstd);
    const g = xhat.map((_, c) => dy[r * cols + c] * gamma[c]);
    const meanG = g.reduce((s, v) => s + v, 0) / cols;
    const meanGx = g.reduce((s, v, c) => s + v * xhat[c], 0) / cols;
    for (let c = 0; c < cols; c++) {
      y[r * cols + c] = xhat[c] * gamma[c] + beta[c];
      dx[r * cols + c] = rstd * (g[c] - meanG - xhat[c] * meanGx);
      dgamma[c] += dy[r * cols + c] * xhat[c];
      dbeta[c] += dy[r * cols + c];
    }
  }
  return { y, dx, dgamma, dbeta };
}

/** The composed tf ops (s2-attn's LayerNorm on backends without the kernel). */
function composed(x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor): tf.Tensor {
  const mean = tf.mean(x, -1, true);
  const centered = tf.sub(x, mean);
  const variance = tf.mean(tf.square(centered), -1, true);
  return tf.add(tf.mul(tf.mul(centered, tf.rsqrt(tf.add(variance, EPSILON))), gamma), beta);
}

function fused(x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor): tf.Tensor {
  const [y, stats] = tf
    .engine()
    .runKernel(FUSED_LAYER_NORM, { x, gamma, beta }, { epsilon: EPSILON }) as tf.Tensor[];
  stats.dispose();
  return y;
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
  return worst;
}

describe('fused LayerNorm on wasm (S2CassiLayerNorm, S2CassiLayerNormGrad)', () => {
  beforeAll(async () => {
    registerGradients();
    registerWasmKernels();
    await setBackend('wasm');
  });
  afterAll(async () => {
    await setBackend('cpu');
  });

  // cols 13 and 61 exercise the vector loop and the scalar tail; 4 only vectors; 1 only the tail
  for (const [shape, seed] of [
    [[3, 7, 13], 1],
    [[64, 61], 2],
    [[5, 4], 3],
    [[6, 1], 4],
  ] as Array<[number[], number]>) {
    it(`values and gradients for x ${JSON.stringify(shape)} match a float64 reference and the composed ops`, async () => {
      const cols = shape[shape.length - 1];
      const size = shape.reduce((p, d) => p * d, 1);
      const xv = uniformArray(size, seed, -3, 5);
      const gv = uniformArray(cols, seed + 10, 0.5, 1.5);
      const bv = uniformArray(cols, seed + 20, -0.5, 0.5);
      const dyv = uniformArray(size, seed + 30, -1, 1);
      const ref = reference(xv, gv, bv, dyv, cols);
      const buffers = backendBuffers();
      const [y, dx, dgamma, dbeta, composedY, cdx, cdgamma, cdbeta] = await expectNoLeaks(() =>
        tf.tidy(() => {
          const x = tf.tensor(xv, shape);
          const gamma = tf.tensor1d(gv);
          const beta = tf.tensor1d(bv);
          const dy = tf.tensor(dyv, shape);
          const loss = (f: typeof fused) => (a: tf.Tensor, g: tf.Tensor, b: tf.Tensor) =>
            tf.sum(tf.mul(f(a, g, b), dy));
          const results = [
            fused(x, gamma, beta),
            ...tf.grads(loss(fused))([x, gamma, beta]),
            composed(x, gamma, beta),
            ...tf.grads(loss(composed))([x, gamma, beta]),
          ];
          return results.map((t) => t.dataSync().slice());
        }),
      );
      // cols = 1: the variance is 0 and y = beta; the gradient of x is 0
      expect(maxAbsDiff(y, ref.y)).toBeLessThan(2e-6);
      expect(maxAbsDiff(dx, ref.dx)).toBeLessThan(5e-5);
      expect(maxAbsDiff(dgamma, ref.dgamma)).toBeLessThan(2e-5 * size);
      expect(maxAbsDiff(dbeta, ref.dbeta)).toBeLessThan(2e-6 * size);
      expect(maxAbsDiff(y, composedY)).toBeLessThan(2e-6);
      expect(maxAbsDiff(dx, cdx)).toBeLessThan(5e-5);
      expect(maxAbsDiff(dgamma, cdgamma)).toBeLessThan(2e-5 * size);
      expect(maxAbsDiff(dbeta, cdbeta)).toBeLessThan(2e-5 * size);
      expect(backendBuffers()).toBe(buffers);
    });
  }

  it('agrees with the composed ops on cpu (values and gradients)', async () => {
    const shape = [9, 24];
    const xv = uniformArray(216, 7, -2, 2);
    const gv = uniformArray(24, 8, 0.5, 1.5);
    const bv = uniformArray(24, 9, -1, 1);
    const run = (f: typeof fused) => {
      const x = tf.tensor(xv, shape);
      const gamma = tf.tensor1d(gv);
      const beta = tf.tensor1d(bv);
      const weights = tf.tensor(uniformArray(216, 10, -1, 1), shape);
      const value = f(x, gamma, beta);
      const grads = tf.grads((a: tf.Tensor, g: tf.Tensor, b: tf.Tensor) =>
        tf.sum(tf.mul(f(a, g, b), weights)),
      )([x, gamma, beta]);
      const out = [value, ...grads].map((t) => Array.from(t.dataSync()));
      tf.dispose([x, gamma, beta, weights, value, ...grads]);
      return out;
    };
    const wasm = run(fused);
    await setBackend('cpu');
    const cpu = run(composed);
    await setBackend('wasm');
    for (let i = 0; i < 4; i++) expect(maxAbsDiff(wasm[i], cpu[i])).toBeLessThan(2e-5);
  });

  it('rejects a gamma, beta, stats or dy of the wrong shape or dtype with a clear error', () => {
    tf.tidy(() => {
      const x = tf.zeros([4, 6]);
      const good = tf.ones([6]);
      const bad = tf.ones([5]);
      const run = (name: string, inputs: Record<string, tf.Tensor>) => () =>
        tf.engine().runKernel(name, inputs, { epsilon: EPSILON });
      expect(run(FUSED_LAYER_NORM, { x, gamma: bad, beta: good })).toThrow(
        /S2CassiLayerNorm: expected gamma float32 \[6\], got float32 \[5\]/,
      );
      expect(run(FUSED_LAYER_NORM, { x: tf.zeros([4, 6], 'int32'), gamma: good, beta: good })).toThrow(
        /expected x float32/,
      );
      expect(run(FUSED_LAYER_NORM_GRAD, { x, gamma: good, stats: tf.zeros([3, 2]), dy: x })).toThrow(
        /S2CassiLayerNormGrad: expected stats float32 \[4, 2\], got float32 \[3, 2\]/,
      );
    });
  });
});
