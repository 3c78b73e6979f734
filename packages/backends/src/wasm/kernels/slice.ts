import * as tf from '@tensorflow/tfjs-core';
import { offsetOf, tfjsKernels, type WasmBackendLike } from '../_simd-module';
import { FOUR_BYTE, fallback } from './_replaced-kernel';

type Info = tf.TensorInfo;
type KernelArgs = Parameters<tf.KernelFunc>[0];

/** Shortest contiguous run Slice copies with copyWithin (shorter ones go to the original kernel)... */
export const MIN_SLICE_RUN = 16;
/**
 * ... unless there are at most this many runs: tfjs's kernel starts by copying the whole input out of the heap
 * (readSync), ~5 ms for 1.8 M floats, so a few short runs of a large tensor (the parts of a flat vector that SplitV
 * cuts into weights and biases) cost far more there than one copyWithin each.
 */
export const MAX_SHORT_RUNS = 64;

/**
 * Slice on wasm, replacing tfjs-backend-wasm 4.22's, which copies non-contiguous slices element by element in
 * JavaScript (~4.6 ns per element; the cyclic shift of shifted windows). Slices whose contiguous runs are at least
 * {@link MIN_SLICE_RUN} elements long, or that have at most {@link MAX_SHORT_RUNS} runs, are copied run by run
 * (the SIMD module's copyRuns for each row of equally spaced runs, or TypedArray.copyWithin per run where tfjs's
 * memory is not exposed); bit-identical; 4-byte dtypes. Many short runs and other dtypes go to tfjs's kernel. Also what SplitV runs per part (./split-v.ts).
 */
export function slice(args: KernelArgs): Info {
  const backend = args.backend as WasmBackendLike;
  const { x } = args.inputs as { x: Info };
  const attrs = args.attrs as unknown as { begin: number | number[]; size: number | number[] };
  if (!FOUR_BYTE.has(x.dtype) || x.shape.length === 0) return fallback(tf.Slice, args);
  const [begin, size] = tf.slice_util.parseSliceParams(x as unknown as tf.Tensor, attrs.begin, attrs.size);
  const rank = x.shape.length;
  const total = tf.util.sizeFromShape(size);
  if (total === 0) return fallback(tf.Slice, args);
  // The last axis not taken whole; everything after it is one contiguous run per index before it.
  let cut = rank - 1;
  while (cut > 0 && size[cut] === x.shape[cut]) cut--;
  const run = size.slice(cut).reduce((p, d) => p * d, 1);
  const runs = total / run;
  if (run < MIN_SLICE_RUN && runs > MAX_SHORT_RUNS) return fallback(tf.Slice, args);
  const strides = tf.util.computeStrides(x.shape);
  const out = backend.makeOutput([...size], x.dtype as 'float32' | 'int32');
  const kernels = tfjsKernels(backend);
  const heap = backend.wasm.HEAPF32; // after makeOutput: allocating may grow (and replace) the heap view
  const source = offsetOf(backend, x, tf.Slice) / 4;
  let target = offsetOf(backend, out, tf.Slice) / 4;
  // The runs along axis cut - 1 are equally spaced: one copyRuns call each (the SIMD module's strided copy) where
  // tfjs's memory is exposed, else one copyWithin per run.
  const fast = kernels != null && cut > 0 ? cut - 1 : cut;
  const count = fast < cut ? size[fast] : 1;
  // Odometer over the axes before `fast`.
  const index = new Array<number>(fast).fill(0);
  for (let r = 0; r < runs / count; r++) {
    let from = source + begin[cut] * (cut < rank - 1 ? strides[cut] : 1); // strides omit the last axis (1)
    for (let d = 0; d < fast; d++) from += (begin[d] + index[d]) * strides[d];
    if (fast < cut && kernels != null) {
      from += begin[fast] * strides[fast];
      kernels.copyRuns(from * 4, target * 4, count, run * 4, strides[fast] * 4, run * 4);
    } else heap.copyWithin(target, from, from + run);
    target += count * run;
    for (let d = fast - 1; d >= 0; d--) {
      if (++index[d] < size[d]) break;
      index[d] = 0;
    }
  }
  return out;
}

export const sliceKernel: tf.KernelConfig = {
  kernelName: tf.Slice,
  backendName: 'wasm',
  kernelFunc: slice,
};
