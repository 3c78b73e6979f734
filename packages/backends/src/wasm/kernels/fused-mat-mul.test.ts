import { backendBuffers, expectNoLeaks, setBackend, uniformArray } from '@s2cassi/testing';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerGradients } from '../../register-gradients';
import { registerSimdKernels, registerWasmKernels, unregisterSimdKernels } from '../register-wasm-kernels';
import { setWasmMatmulMode } from './batch-mat-mul';

/** x W (+ bias, + relu) by a float64 loop; W is [k, n], or [n, k] when transposeB. */
function bruteForce(
  x: Float32Array,
  m: number,
  k: number,
  w: Float32Array,
  n: number,
  transposeB: boolean,
  bias: Float32Array | undefined,
  relu = false,
): Float64Array {
  const out = new Float64Array(m * n);
  for (let i = 0; i < m; i++)
    for (let j = 0; j < n; j++) {
      let sum = bias == null ? 0 : bias[j];
      for (let p = 0; p < k; p++) sum += x[i * k + p] * (transposeB ? w[j * k + p] : w[p * n + j]);
      out[i * n + j] = relu ? Math.max(0, sum) : sum;
    }
  return out;
}

const kernelName = () => tf.getKernel(tf._FusedMatMul, 'wasm')?.kernelFunc.name;

/** Runs _FusedMatMul on fresh tensors and returns its values and shape, checking that nothing leaks. */
async function run(
  xShape: number[],
  wShape: number[],
  biasShape: number[] | undefined,
  attrs: { transposeB?: boolean; activation?: string } = {},
) {
  const size = (s: number[]) => s.reduce((p, d) => p * d, 1);
  const x = uniformArray(size(xShape), 41, -1, 1);
  const w = uniformArray(size(wShape), 42, -1, 1);
  const bias = biasShape == null ? undefined : uniformArray(size(biasShape), 43, -1, 1);
  const buffers = backendBuffers();
  const result = await expectNoLeaks(async () => {
    const inputs: Record<string, tf.Tensor> = { a: tf.tensor(x, xShape), b: tf.tensor(w, wShape) };
    if (bias != null && biasShape != null) inputs.bias = tf.tensor(bias, biasShape);
    const out = tf.engine().runKernel(tf._FusedMatMul, inputs, {
      transposeA: false,
      transposeB: false,
      activation: 'linear',
      ...attrs,
    }) as tf.Tensor;
    const values = { values: await out.data(), shape: out.shape };
    tf.dispose([...Object.values(inputs), out]);
    return values;
  });
  expect(backendBuffers()).toBe(buffers);
  return { ...result, x, w, bias };
}

// [x shape, W shape, bias shape, transposeB]: every micro-kernel edge (m mod 4, n mod 8), k-blocking (k > 128),
// rank 3 with batch 1 (what the linear layers pass), bias [n] and [1, n], no bias.
const CASES: Array<[number[], number[], number[] | undefined, boolean]> = [
  [[37, 20], [20, 9], [9], false],
  [[1, 37, 20], [1, 20, 13], [13], false],
  [[1, 70, 33], [1, 7, 33], [7], true],
  [[5, 260], [260, 11], [1, 11], false],
  [[9, 6], [6, 16], undefined, false],
  [[1, 1], [1, 1], [1], false],
  [[1, 4096, 32], [1, 32, 96], [96], false],
];

describe('wasm _FusedMatMul (SIMD kernel, bias first)', () => {
  beforeAll(async () => {
    registerGradients();
    registerWasmKernels();
    await setBackend('wasm');
  });
  afterAll(async () => {
    setWasmMatmulMode(undefined);
    await setBackend('cpu');
  });

  it("is registered by registerWasmKernels in place of tfjs-backend-wasm's kernel", () => {
    expect(kernelName()).toBe('_fusedMatMul');
  });

  for (const [xShape, wShape, biasShape, transposeB] of CASES) {
    it(`${JSON.stringify(xShape)} x ${JSON.stringify(wShape)}${transposeB ? 'ᵀ' : ''} + ${JSON.stringify(biasShape)} equals a float64 loop`, async () => {
      const { values, shape, x, w, bias } = await run(xShape, wShape, biasShape, { transposeB });
      const [m, k] = xShape.slice(-2);
      const n = transposeB ? wShape[wShape.length - 2] : wShape[wShape.length - 1];
      expect(shape).toEqual([...xShape.slice(0, -2), m, n]);
      const expected = bruteForce(x, m, k, w, n, transposeB, bias);
      let worst = 0;
      for (let i = 0; i < values.length; i++) worst = Math.max(worst, Math.abs(values[i] - expected[i]));
      expect(worst).toBeLessThan(2e-6 * k);
    });
  }

  // tfjs's own kernel takes rank-3 operands only (tf.fused.matMul reshapes to them)
  it('hands activations and the copy mode to the original kernel, with its results', async () => {
    const relu = await run([1, 6, 10], [1, 10, 5], [5], { activation: 'relu' });
    const expected = bruteForce(relu.x, 6, 10, relu.w, 5, false, relu.bias, true);
    for (let i = 0; i < relu.values.length; i++) expect(relu.values[i]).toBeCloseTo(expected[i], 5);
    setWasmMatmulMode('copy');
    try {
      const copy = await run([1, 7, 10], [1, 10, 5], [5]);
      const plain = bruteForce(copy.x, 7, 10, copy.w, 5, false, copy.bias);
      for (let i = 0; i < copy.values.length; i++) expect(copy.values[i]).toBeCloseTo(plain[i], 5);
    } finally {
      setWasmMatmulMode(undefined);
    }
  });

  it('gives what the original kernel gives, up to float32 rounding', async () => {
    const ours = await run([1, 300, 24], [1, 24, 40], [40]);
    unregisterSimdKernels();
    try {
      expect(kernelName()).not.toBe('_fusedMatMul');
      const theirs = await run([1, 300, 24], [1, 24, 40], [40]);
      let worst = 0;
      for (let i = 0; i < ours.values.length; i++)
        worst = Math.max(worst, Math.abs(ours.values[i] - theirs.values[i]));
      expect(worst).toBeLessThan(1e-5);
    } finally {
      registerSimdKernels();
    }
  });
});
