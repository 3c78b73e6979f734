import { expectNoLeaks, setBackend, uniformArray } from '@s2cassi/testing';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerGradients } from '../../register-gradients';
import { registerWasmKernels } from '../register-wasm-kernels';

describe('wasm Exp (SIMD)', () => {
  beforeAll(async () => {
    registerGradients();
    registerWasmKernels();
    await setBackend('wasm');
  });
  afterAll(async () => {
    await setBackend('cpu');
  });

  it('Exp is within 3e-7 relative of Math.exp, overflows to Infinity past 88.72283 and flushes below -87.33654', async () => {
    const special = [0, -0, 1, -1, 1e-30, 88.72, 88.7228, 88.73, 100, -87.33, -87.34, -100, -1e4];
    special.push(Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, Number.NaN);
    const xs = Float32Array.from([...special, ...uniformArray(5003, 6, -87, 88)]);
    const got = await expectNoLeaks(async () => {
      const x = tf.tensor1d(xs);
      const y = tf.exp(x);
      const data = await y.data();
      x.dispose();
      y.dispose();
      return data;
    });
    let worst = 0;
    for (let i = 0; i < xs.length; i++) {
      const expected = Math.exp(xs[i]);
      if (xs[i] > 88.72283) expect(got[i]).toBe(Number.POSITIVE_INFINITY);
      else if (xs[i] < -87.33654) expect(got[i]).toBe(0);
      else if (Number.isNaN(xs[i])) expect(Number.isNaN(got[i])).toBe(true);
      else worst = Math.max(worst, Math.abs(got[i] - expected) / expected);
    }
    expect(worst).toBeLessThan(3e-7);
    expect(got[0]).toBe(1);
    expect(Number.isFinite(got[special.indexOf(88.7228)])).toBe(true);
  });
});
