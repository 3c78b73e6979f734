import { backendBuffers, expectNoLeaks, setBackend, uniformArray } from '@s2cassi/testing';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerGradients } from '../../register-gradients';
import { registerWasmKernels } from '../register-wasm-kernels';
import { erfReference } from './_test-references';

describe('wasm Erf (SIMD)', () => {
  beforeAll(async () => {
    registerGradients();
    registerWasmKernels();
    await setBackend('wasm');
  });
  afterAll(async () => {
    await setBackend('cpu');
  });

  it('Erf is within 4e-7 of a float64 integral everywhere (float32 spacing near 1 is 6e-8), never leaves [-1, 1] and keeps relative accuracy near 0', async () => {
    const values: number[] = [
      0, -0, 1e-30, -1e-20, 1e-8, 3e-4, -0.25, 0.4999, 0.5, -0.5, 0.5001, 1, -1.5, 2.5, 3.9,
    ];
    values.push(5, -6, 9.5, -12, 40, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY);
    const random = uniformArray(4003, 5, -4.5, 4.5); // not a multiple of 4: the partial-vector tail
    values.push(...random);
    const xs = Float32Array.from(values);
    const buffers = backendBuffers();
    const got = await expectNoLeaks(async () => {
      const x = tf.tensor1d(xs);
      const y = tf.erf(x);
      const data = await y.data();
      x.dispose();
      y.dispose();
      return data;
    });
    expect(backendBuffers()).toBe(buffers);
    let worst = 0;
    for (let i = 0; i < xs.length; i++) {
      const expected = erfReference(xs[i]);
      const error = Math.abs(got[i] - expected);
      worst = Math.max(worst, error);
      if (Math.abs(xs[i]) < 0.5 && xs[i] !== 0) expect(error / Math.abs(expected)).toBeLessThan(3e-7);
    }
    expect(worst).toBeLessThan(4e-7);
    expect(Math.max(...Array.from(got, Math.abs))).toBe(1);
    expect(Object.is(got[0], 0)).toBe(true);
    expect(Object.is(got[1], -0)).toBe(true);
    expect(got[values.indexOf(Number.POSITIVE_INFINITY)]).toBe(1);
    expect(got[values.indexOf(Number.NEGATIVE_INFINITY)]).toBe(-1);
    const nan = await tf.tidy(() => tf.erf(tf.tensor1d([Number.NaN, 1, 2]))).data();
    expect(Number.isNaN(nan[0])).toBe(true);
    for (const count of [1, 2, 3, 5, 6, 7]) {
      const part = xs.subarray(10, 10 + count);
      const y = tf.tidy(() => tf.erf(tf.tensor1d(part)));
      expect(Array.from(await y.data())).toEqual(Array.from(got.subarray(10, 10 + count)));
      y.dispose();
    }
  });
});
