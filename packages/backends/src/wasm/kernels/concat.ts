import * as tf from '@tensorflow/tfjs-core';
import { offsetOf, tfjsKernels, type WasmBackendLike } from '../_simd-module';
import { FOUR_BYTE, fallback } from './_replaced-kernel';
import { MIN_SLICE_RUN } from './slice';

type Info = tf.TensorInfo;
type KernelArgs = Parameters<tf.KernelFunc>[0];

/**
 * Concat on wasm, replacing tfjs-backend-wasm 4.22's element-by-element copies: by contiguous runs (one per input
 * per index before `axis`: the SIMD module's copyRuns, one call per input, or TypedArray.copyWithin per run where
 * tfjs's memory is not exposed) when every run is at least {@link MIN_SLICE_RUN} elements long;
 * bit-identical; 4-byte dtypes. Everything else goes to tfjs's kernel.
 */
function concat(args: KernelArgs): Info {
  const backend = args.backend as WasmBackendLike;
  const inputs = args.inputs as unknown as Info[];
  const { axis } = args.attrs as unknown as { axis: number };
  const dtype = inputs[0]?.dtype;
  if (inputs.length === 0 || !FOUR_BYTE.has(dtype) || inputs.some((t) => t.dtype !== dtype)) {
    return fallback(tf.Concat, args);
  }
  const $axis = tf.util.parseAxisParam(axis, inputs[0].shape)[0];
  const shapes = inputs.map((t) => t.shape);
  tf.backend_util.assertParamsConsistent(shapes, $axis);
  const outShape = tf.backend_util.computeOutShape(shapes, $axis);
  const parts = inputs.filter((t) => tf.util.sizeFromShape(t.shape) > 0);
  const inner = outShape.slice($axis + 1).reduce((p, d) => p * d, 1);
  const runs = parts.map((t) => t.shape[$axis] * inner);
  if (parts.length === 0 || Math.min(...runs) < MIN_SLICE_RUN) return fallback(tf.Concat, args);
  const out = backend.makeOutput(outShape, dtype as 'float32' | 'int32');
  const kernels = tfjsKernels(backend);
  const heap = backend.wasm.HEAPF32; // after makeOutput
  const sources = parts.map((t) => offsetOf(backend, t, tf.Concat) / 4);
  let target = offsetOf(backend, out, tf.Concat) / 4;
  const outer = outShape.slice(0, $axis).reduce((p, d) => p * d, 1);
  if (kernels != null) {
    // one strided copy per input: its outer runs go to every row of the output, rowSize floats apart
    const rowSize = runs.reduce((p, r) => p + r, 0);
    for (let i = 0; i < parts.length; i++) {
      kernels.copyRuns(sources[i] * 4, target * 4, outer, runs[i] * 4, runs[i] * 4, rowSize * 4);
      target += runs[i];
    }
    return out;
  }
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < parts.length; i++) {
      const from = sources[i] + o * runs[i];
      heap.copyWithin(target, from, from + runs[i]);
      target += runs[i];
    }
  }
  return out;
}

export const concatKernel: tf.KernelConfig = {
  kernelName: tf.Concat,
  backendName: 'wasm',
  kernelFunc: concat,
};
