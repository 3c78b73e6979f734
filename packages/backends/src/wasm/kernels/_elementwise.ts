import * as tf from '@tensorflow/tfjs-core';
import {
  offsetOf,
  poolParts,
  type SimdExports,
  simdPoolFor,
  splitRange,
  tfjsKernels,
  type WasmBackendLike,
} from '../_simd-module';
import { fallback, hasOriginal, PARALLEL_MIN_ELEMENTS } from './_replaced-kernel';

type Info = tf.TensorInfo;
type KernelArgs = Parameters<tf.KernelFunc>[0];

/**
 * Runs an elementwise SIMD function on `size` floats at the byte offsets `pointers` (inputs, then output):
 * split into 4-aligned element ranges across the worker pool where one exists and the tensor is large.
 */
export function runElementwise(
  backend: WasmBackendLike,
  kernels: SimdExports,
  fn: 'erf' | 'exp' | 'gelu' | 'geluGrad',
  pointers: number[],
  size: number,
): void {
  const pool = size >= PARALLEL_MIN_ELEMENTS ? simdPoolFor(backend.wasm) : undefined;
  if (pool == null) {
    (kernels[fn] as (...args: number[]) => void)(...pointers, size);
    return;
  }
  pool.run(
    fn,
    splitRange(size, poolParts(pool), 4).map(([s, e]) => [...pointers.map((p) => p + s * 4), e - s]),
  );
}

/**
 * An elementwise float32 kernel from the SIMD module (split across the worker pool where one exists); other dtypes
 * go to tfjs-backend-wasm's own kernel where this one replaces it. The function is named `fn`.
 */
export function unary(kernelName: string, fn: 'erf' | 'exp' | 'gelu'): tf.KernelFunc {
  const kernel = (args: KernelArgs): Info => {
    const backend = args.backend as WasmBackendLike;
    const { x } = args.inputs as { x: Info };
    const kernels = tfjsKernels(backend);
    const size = tf.util.sizeFromShape(x.shape);
    if (kernels == null || x.dtype !== 'float32') {
      if (hasOriginal(kernelName)) return fallback(kernelName, args);
      throw new Error(
        `${kernelName}: expected a float32 tensor in tfjs-backend-wasm's memory, got ${x.dtype}${kernels == null ? ' (memory not exposed)' : ''}`,
      );
    }
    const out = backend.makeOutput([...x.shape], 'float32');
    if (size > 0) {
      const pointers = [x, out].map((t) => offsetOf(backend, t, kernelName));
      runElementwise(backend, kernels, fn, pointers, size);
    }
    return out;
  };
  Object.defineProperty(kernel, 'name', { value: fn });
  return kernel as tf.KernelFunc;
}
