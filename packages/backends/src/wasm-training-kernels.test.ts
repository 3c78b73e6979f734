import { backendBuffers, expectNoLeaks, setBackend, uniformArray } from '@s2cassi/testing';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { evaluateCase, OP_CASES, relativeError } from './_test-cases';
import { registerGradients } from './register-gradients';
import { registerWasmTrainingKernels, WASM_TRAINING_KERNELS } from './wasm-training-kernels';

describe('registerWasmTrainingKernels', () => {
  beforeAll(async () => {
    registerGradients();
    registerWasmTrainingKernels();
    registerWasmTrainingKernels(); // idempotent
  });
  afterAll(async () => {
    await setBackend('cpu');
  });

  it('registers every training kernel wasm lacks', () => {
    for (const name of WASM_TRAINING_KERNELS) expect(tf.getKernel(name, 'wasm'), name).toBeDefined();
    expect(WASM_TRAINING_KERNELS).toEqual(
      expect.arrayContaining([
        'Conv2DBackpropFilter',
        'Conv2DBackpropInput',
        'DepthwiseConv2dNativeBackpropFilter',
        'DepthwiseConv2dNativeBackpropInput',
        'UnsortedSegmentSum',
        'Identity',
      ]),
    );
  });

  it('Identity (tf.clone, and every tensor a gradient tape saves) shares the buffer instead of copying it', async () => {
    await setBackend('wasm');
    const x = tf.tensor1d([1, 2, 3]);
    const buffers = backendBuffers();
    const y = tf.clone(x);
    expect(backendBuffers()).toBe(buffers);
    x.dispose();
    expect(Array.from(await y.data())).toEqual([1, 2, 3]);
    const z = tf.add(y, 1);
    y.dispose();
    expect(Array.from(await z.data())).toEqual([2, 3, 4]);
    z.dispose();
    expect(backendBuffers()).toBe(buffers - 1);
  });

  const agreement: string[] = [];
  afterAll(() => {
    console.info(`cpu vs wasm, max relative error (output, gradients...):\n${agreement.join('\n')}`);
  });

  for (const opCase of OP_CASES) {
    it(`${opCase.name}: forward and gradients on wasm match cpu to 1e-4`, async () => {
      await setBackend('cpu');
      const reference = await expectNoLeaks(() => evaluateCase(opCase));
      await setBackend('wasm');
      const buffers = backendBuffers();
      const actual = await expectNoLeaks(() => evaluateCase(opCase));
      expect(backendBuffers()).toBe(buffers);
      expect(actual.length).toBe(reference.length);
      const errors = actual.map((a, i) => relativeError(a, reference[i]));
      agreement.push(`  ${opCase.name}: ${errors.map((e) => e.toExponential(1)).join(', ')}`);
      for (const [i, error] of errors.entries())
        expect(error, `${opCase.name} result ${i}`).toBeLessThan(1e-4);
    });
  }

  it('UnsortedSegmentSum equals a brute-force loop (ids out of range dropped)', async () => {
    await setBackend('wasm');
    const values = uniformArray(6 * 4, 5, -1, 1);
    const ids = [2, 0, 2, -1, 5, 1];
    const expected = new Float32Array(3 * 4);
    ids.forEach((k, i) => {
      if (k < 0 || k >= 3) return;
      for (let j = 0; j < 4; j++) expected[k * 4 + j] += values[i * 4 + j];
    });
    const x = tf.tensor2d(values, [6, 4]);
    const segmentIds = tf.tensor1d(ids, 'int32');
    const out = tf.unsortedSegmentSum(x, segmentIds, 3);
    expect(out.shape).toEqual([3, 4]);
    const got = await out.data();
    for (let i = 0; i < expected.length; i++) expect(got[i]).toBeCloseTo(expected[i], 6);
    tf.dispose([x, segmentIds, out]);
  });

  it('Conv2DBackpropFilter equals a brute-force loop (stride 2, SAME)', async () => {
    await setBackend('wasm');
    const [b, h, w, ci, co, k, s] = [2, 7, 6, 3, 2, 3, 2];
    const xs = uniformArray(b * h * w * ci, 11, -1, 1);
    const x = tf.tensor4d(xs, [b, h, w, ci]);
    const oh = Math.ceil(h / s);
    const ow = Math.ceil(w / s);
    const dys = uniformArray(b * oh * ow * co, 12, -1, 1);
    const dy = tf.tensor4d(dys, [b, oh, ow, co]);
    const filter = tf.zeros([k, k, ci, co]);
    const [, dw] = tf.grads((a: tf.Tensor, f: tf.Tensor) =>
      tf.sum(tf.mul(tf.conv2d(a as tf.Tensor4D, f as tf.Tensor4D, s, 'same'), dy)),
    )([x, filter]);
    const padTop = Math.floor(Math.max((oh - 1) * s + k - h, 0) / 2);
    const padLeft = Math.floor(Math.max((ow - 1) * s + k - w, 0) / 2);
    const expected = new Float64Array(k * k * ci * co);
    for (let n = 0; n < b; n++)
      for (let i = 0; i < oh; i++)
        for (let j = 0; j < ow; j++)
          for (let p = 0; p < k; p++)
            for (let q = 0; q < k; q++) {
              const y = i * s + p - padTop;
              const xx = j * s + q - padLeft;
              if (y < 0 || y >= h || xx < 0 || xx >= w) continue;
              for (let c = 0; c < ci; c++)
                for (let o = 0; o < co; o++)
                  expected[((p * k + q) * ci + c) * co + o] +=
                    xs[((n * h + y) * w + xx) * ci + c] * dys[((n * oh + i) * ow + j) * co + o];
            }
    const got = await dw.data();
    for (let i = 0; i < expected.length; i++) expect(got[i]).toBeCloseTo(expected[i], 4);
    tf.dispose([x, dy, dw, filter]);
  });

  it('rejects NCHW with an error naming the data format', async () => {
    await setBackend('wasm');
    const x = tf.zeros([1, 4, 4, 2]) as tf.Tensor4D;
    const dy = tf.zeros([1, 4, 4, 3]) as tf.Tensor4D;
    const attrs = { strides: 1, pad: 'same', dataFormat: 'NCHW', filterShape: [3, 3, 2, 3] };
    expect(() => tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, attrs)).toThrow(/NHWC.*NCHW/);
    tf.dispose([x, dy]);
  });
});
