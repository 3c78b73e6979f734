import * as tf from '@tensorflow/tfjs-core';
import { unary } from './_elementwise';

/**
 * Exp on wasm, replacing tfjs-backend-wasm 4.22's, which calls libm's scalar exp at ~4.5 ns per element (the
 * gradient of erf in training). Cephes expf vectorised instead (scripts/wasm/exp.mjs; relative error < 3e-7);
 * +Infinity above 88.72283, 0 below -87.33654 (where libm gives subnormal numbers). float32 only; other dtypes go
 * to tfjs's kernel. Split across the worker pool for large tensors.
 */
export const expKernel: tf.KernelConfig = {
  kernelName: tf.Exp,
  backendName: 'wasm',
  kernelFunc: unary(tf.Exp, 'exp'),
};
