import { expectNoLeaks, setBackend, uniformArray } from '@s2cassi/testing';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerGradients } from '../../register-gradients';
import { registerWasmKernels } from '../register-wasm-kernels';
import { erfReference } from './_test-references';
import { FUSED_GELU } from './gelu';
import { FUSED_GELU_GRAD } from './gelu-grad';

describe('wasm fused GELU (S2CassiGelu, S2CassiGeluGrad)', () => {
  beforeAll(async () => {
    registerGradients();
    registerWasmKernels();
    await setBackend('wasm');
  });
  afterAll(async () => {
    await setBackend('cpu');
  });

  it('the fused GELU kernel and its gradient equal x Phi(x) and Phi(x) + x phi(x) in float64 (erf by integral)', async () => {
    const xs = Float32Array.from([
      0,
      -0.0,
      1e-20,
      -3e-4,
      0.5,
      -1,
      2,
      -4,
      6,
      -9,
      30,
      -30,
      ...uniformArray(1003, 7, -5, 5),
    ]);
    const dys = uniformArray(xs.length, 8, -2, 2);
    const { y, dx } = await expectNoLeaks(async () => {
      const x = tf.tensor1d(xs);
      const dy = tf.tensor1d(dys);
      const out = tf.engine().runKernel(FUSED_GELU, { x }, {}) as tf.Tensor;
      const grad = tf.engine().runKernel(FUSED_GELU_GRAD, { x, dy }, {}) as tf.Tensor;
      // the registered gradient: d/dx sum(dy * gelu(x)) = dy (Phi + x phi)
      const viaTape = tf.grad((v: tf.Tensor) =>
        tf.sum(tf.mul(tf.engine().runKernel(FUSED_GELU, { x: v }, {}) as tf.Tensor, dy)),
      )(x);
      const result = { y: await out.data(), dx: await grad.data(), tape: await viaTape.data() };
      expect(Array.from(result.tape)).toEqual(Array.from(result.dx));
      for (const t of [x, dy, out, grad, viaTape]) t.dispose();
      return result;
    });
    for (let i = 0; i < xs.length; i++) {
      const v = xs[i];
      const phi = 0.5 * (1 + erfReference(v / Math.SQRT2));
      const density = Math.exp((-v * v) / 2) / Math.sqrt(2 * Math.PI);
      expect(Math.abs(y[i] - v * phi), `gelu(${v})`).toBeLessThan(4e-7 * Math.max(1, Math.abs(v)));
      expect(Math.abs(dx[i] - dys[i] * (phi + v * density)), `gelu'(${v})`).toBeLessThan(
        1e-6 * Math.abs(dys[i]) + 1e-7,
      );
    }
    expect(() =>
      tf.tidy(() => tf.engine().runKernel(FUSED_GELU_GRAD, { x: tf.zeros([3]), dy: tf.zeros([4]) }, {})),
    ).toThrow(/S2CassiGeluGrad: expected float32 x and dy of one shape, got float32 \[3\] and float32 \[4\]/);
  });
});
