import { registerGradients, registerWasmKernels } from '@s2cassi/backends';
import { describeBackends, expectNoLeaks, uniformArray } from '@s2cassi/testing';
import * as tf from '@tensorflow/tfjs-core';
import { afterEach, beforeAll, expect, it } from 'vitest';
import { setLeanGradients } from './lean-gradients';
import { Linear, linearWithBias } from './linear';

const [N, K, M] = [37, 6, 5];

/** float64: y = x W + b and the gradients of sum(y * r) with respect to x, W and b. */
function reference(x: Float32Array, w: Float32Array, b: Float32Array, r: Float32Array) {
  const y = new Float64Array(N * M);
  const dx = new Float64Array(N * K);
  const dw = new Float64Array(K * M);
  const db = new Float64Array(M);
  for (let n = 0; n < N; n++)
    for (let m = 0; m < M; m++) {
      let sum = b[m];
      for (let k = 0; k < K; k++) sum += x[n * K + k] * w[k * M + m];
      y[n * M + m] = sum;
      const g = r[n * M + m];
      db[m] += g;
      for (let k = 0; k < K; k++) {
        dx[n * K + k] += g * w[k * M + m];
        dw[k * M + m] += g * x[n * K + k];
      }
    }
  return [y, dx, dw, db];
}

describeBackends('linearWithBias (fused matMul + bias, own gradient)', () => {
  beforeAll(() => {
    registerGradients();
    registerWasmKernels();
  });
  afterEach(() => {
    setLeanGradients(true);
  });

  it('value and gradients equal a float64 reference; the tape keeps x and W only; no leaks', async () => {
    const values = [uniformArray(N * K, 1, -1, 1), uniformArray(K * M, 2, -1, 1), uniformArray(M, 3, -1, 1)];
    const r = uniformArray(N * M, 4, -1, 1);
    const [x, w, b] = [
      tf.tensor2d(values[0], [N, K]),
      tf.tensor2d(values[1], [K, M]),
      tf.tensor1d(values[2]),
    ];
    const weight = tf.tensor2d(r, [N, M]);
    let kept = -1;
    const got = await expectNoLeaks(() => {
      const grads = tf.grads((a: tf.Tensor, c: tf.Tensor, d: tf.Tensor) => {
        const y = linearWithBias(a as tf.Tensor2D, c as tf.Tensor2D, d as tf.Tensor1D);
        const tape = (tf.engine() as unknown as { state: { activeTape: Array<{ saved?: tf.Tensor[] }> } })
          .state.activeTape;
        kept = tape.reduce((total, node) => total + (node.saved ?? []).reduce((s, t) => s + t.size, 0), 0);
        return tf.sum(tf.mul(y, weight));
      })([x, w, b]);
      const y = linearWithBias(x, w, b);
      const out = [y, ...grads].map((t) => Float64Array.from(t.dataSync()));
      tf.dispose([y, ...grads]);
      return out;
    });
    const expected = reference(values[0], values[1], values[2], r);
    for (let i = 0; i < expected.length; i++) {
      expect(got[i].length).toBe(expected[i].length);
      for (let k = 0; k < expected[i].length; k++) expect(got[i][k]).toBeCloseTo(expected[i][k], 5);
    }
    // measured right after linearWithBias: the tape holds x and W, not its output or a product before the bias
    expect(kept).toBe(N * K + K * M);
    tf.dispose([x, w, b, weight]);
  });

  it('Linear uses it under lean gradients and matMul + add otherwise: same values and gradients to rounding', async () => {
    const layer = new Linear({ inFeatures: K, outFeatures: M, seed: 7 });
    const x = tf.tensor3d(uniformArray(2 * N * K, 5, -1, 1), [2, N, K]);
    const r = tf.tensor3d(uniformArray(2 * N * M, 6, -1, 1), [2, N, M]);
    const run = () =>
      expectNoLeaks(() => {
        const { value, grads } = tf.variableGrads(
          () => tf.sum(tf.mul(layer.apply(x), r)) as tf.Scalar,
          layer.trainableVariables(),
        );
        const out = [value, ...layer.trainableVariables().map((v) => grads[v.name])].map((t) =>
          Array.from(t.dataSync()),
        );
        tf.dispose([value, ...Object.values(grads)]);
        return out;
      });
    setLeanGradients(true);
    const fused = await run();
    setLeanGradients(false);
    const composed = await run();
    expect(fused.length).toBe(3);
    for (let i = 0; i < fused.length; i++)
      for (let k = 0; k < fused[i].length; k++) expect(fused[i][k]).toBeCloseTo(composed[i][k], 4);
    tf.dispose([x, r]);
    layer.dispose();
  });
});
