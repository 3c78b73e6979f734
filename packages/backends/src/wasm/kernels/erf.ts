import * as tf from '@tensorflow/tfjs-core';
import { unary } from './_elementwise';

/**
 * Erf on wasm, replacing tfjs-backend-wasm 4.22's, which calls the C library's scalar erf at ~5 ns per element (12 %
 * of an S2-Transformer forward pass, through the exact GELU). A vectorised rational approximation instead (the
 * float32 erf of Eigen, XLA and TVM; scripts/wasm/erf.mjs), 6x faster: absolute error < 4e-7 (up to ~5 float32
 * steps just below 1, where libm's is within one), relative error < 3e-7 below 0.5, never outside [-1, 1].
 * float32 only; other dtypes go to tfjs's kernel. Split across the worker pool for large tensors.
 */
export const erfKernel: tf.KernelConfig = {
  kernelName: tf.Erf,
  backendName: 'wasm',
  kernelFunc: unary(tf.Erf, 'erf'),
};
