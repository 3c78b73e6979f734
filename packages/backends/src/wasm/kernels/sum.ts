import * as tf from '@tensorflow/tfjs-core';
import { offsetOf, tfjsKernels, type WasmBackendLike } from '../_simd-module';
import { fallback } from './_replaced-kernel';

type Info = tf.TensorInfo;
type KernelArgs = Parameters<tf.KernelFunc>[0];

/**
 * A reduction over `axes` of `shape` as [outer, rows, cols] -> [outer, cols] (the reduced axes one
 * adjacent block, ignoring size-1 axes, with at least one axis after it), or undefined.
 * @internal exported for tests
 */
export function asRowReduction(
  shape: readonly number[],
  axes: readonly number[],
): { outer: number; rows: number; cols: number } | undefined {
  const reduced = new Set(axes.map((axis) => (axis < 0 ? axis + shape.length : axis)));
  let outer = 1;
  let rows = 1;
  let cols = 1;
  let phase = 0; // 0: before the reduced block, 1: inside it, 2: after it
  for (let axis = 0; axis < shape.length; axis++) {
    if (shape[axis] === 1) continue;
    const isReduced = reduced.has(axis);
    if (phase === 0 && isReduced) phase = 1;
    else if (phase === 1 && !isReduced) phase = 2;
    else if (phase === 2 && isReduced) return undefined;
    if (phase === 0) outer *= shape[axis];
    else if (phase === 1) rows *= shape[axis];
    else cols *= shape[axis];
  }
  return phase === 2 ? { outer, rows, cols } : undefined;
}

/**
 * Sum on wasm, replacing tfjs-backend-wasm 4.22's, which transposes the reduced axes to the end first (~5 ns per
 * element for bias gradients, [rows, C] -> [C]). Reductions over one block of adjacent axes that is not the last
 * (with at least 4 values after it) are summed row by row with vectors ((x0 + x1) + (x2 + x3) added to a float32
 * running sum per column; scripts/wasm/sum.mjs): float32 sums in a different order than tfjs's. float32 only;
 * everything else goes to tfjs's kernel.
 */
function sum(args: KernelArgs): Info {
  const backend = args.backend as WasmBackendLike;
  const { x } = args.inputs as { x: Info };
  const { axis, keepDims } = args.attrs as unknown as { axis: number | number[]; keepDims: boolean };
  const kernels = tfjsKernels(backend);
  if (kernels == null || x.dtype !== 'float32' || tf.util.sizeFromShape(x.shape) === 0) {
    return fallback(tf.Sum, args);
  }
  const axes = tf.util.parseAxisParam(axis, x.shape);
  const rows = asRowReduction(x.shape, axes);
  if (rows == null || rows.cols < 4) return fallback(tf.Sum, args);
  const reduced = new Set(axes);
  const outShape = keepDims
    ? x.shape.map((d, i) => (reduced.has(i) ? 1 : d))
    : x.shape.filter((_, i) => !reduced.has(i));
  const out = backend.makeOutput(outShape, 'float32');
  kernels.sumRows(
    offsetOf(backend, x, tf.Sum),
    offsetOf(backend, out, tf.Sum),
    rows.outer,
    rows.rows,
    rows.cols,
  );
  return out;
}

export const sumKernel: tf.KernelConfig = {
  kernelName: tf.Sum,
  backendName: 'wasm',
  kernelFunc: sum,
};
