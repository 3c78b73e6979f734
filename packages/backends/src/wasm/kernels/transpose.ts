import * as tf from '@tensorflow/tfjs-core';
import {
  offsetOf,
  poolParts,
  simdPoolFor,
  splitRange,
  tfjsKernels,
  type WasmBackendLike,
} from '../_simd-module';
import { FOUR_BYTE, fallback, PARALLEL_MIN_ELEMENTS } from './_replaced-kernel';

type Info = tf.TensorInfo;
type KernelArgs = Parameters<tf.KernelFunc>[0];

/**
 * `perm` on `shape` as an exchange of two adjacent axes: [outer, a, b, inner] -> [outer, b, a, inner], or
 * undefined when it is something else. Size-1 axes are dropped and runs of axes that stay adjacent merged.
 * @internal exported for tests
 */
export function asAxisSwap(
  shape: readonly number[],
  perm: readonly number[],
): { outer: number; a: number; b: number; inner: number } | undefined {
  const kept = perm.filter((axis) => shape[axis] !== 1);
  const order = [...kept].sort((p, q) => p - q);
  // Groups of input axes that stay adjacent and in order in the output.
  const groups: number[][] = [];
  for (const axis of kept) {
    const last = groups[groups.length - 1];
    const previous = last?.[last.length - 1];
    if (previous != null && order.indexOf(axis) === order.indexOf(previous) + 1) last.push(axis);
    else groups.push([axis]);
  }
  const sizes = groups.map((g) => g.reduce((p, axis) => p * shape[axis], 1));
  const rank = (g: number[]) => order.indexOf(g[0]);
  // Output group i came from input position rank(group i); a swap is the identity with one adjacent exchange.
  const positions = groups.map(rank);
  const inputOrder = [...positions].sort((p, q) => p - q);
  const at = positions.map((p) => inputOrder.indexOf(p)); // input index of each output group
  let swapAt = -1;
  for (let i = 0; i < at.length; i++) {
    if (at[i] === i) continue;
    if (swapAt >= 0 || at[i] !== i + 1 || at[i + 1] !== i) return undefined;
    swapAt = i;
    i++;
  }
  if (swapAt < 0) return undefined;
  const product = (list: number[]) => list.reduce((p, d) => p * d, 1);
  return {
    outer: product(sizes.slice(0, swapAt)),
    // input order: [..., group at swapAt + 1 (a), group at swapAt (b), ...]
    a: sizes[swapAt + 1],
    b: sizes[swapAt],
    inner: product(sizes.slice(swapAt + 2)),
  };
}

/**
 * Transpose on wasm, replacing tfjs-backend-wasm 4.22's, whose loops move one element at a time (~2.7 ns per
 * element). Every permutation that, once size-1 axes are dropped and axes that stay neighbours are merged, exchanges
 * two adjacent axes (the head split [tokens, heads, ch] -> [heads, tokens, ch], window partition [.., a, b, c] ->
 * [.., b, a, c], a matrix or batch of matrices transposed) becomes whole-row copies (scripts/wasm/transpose.mjs),
 * split across the worker pool by the moved axis for large tensors. Bit-identical to tfjs's; 4-byte dtypes; every
 * other permutation goes to tfjs's kernel.
 */
function transpose(args: KernelArgs): Info {
  const backend = args.backend as WasmBackendLike;
  const { x } = args.inputs as { x: Info };
  const { perm } = args.attrs as unknown as { perm: number[] };
  const kernels = tfjsKernels(backend);
  const size = tf.util.sizeFromShape(x.shape);
  if (kernels == null || !FOUR_BYTE.has(x.dtype) || size === 0) return fallback(tf.Transpose, args);
  const swap = asAxisSwap(x.shape, perm);
  if (swap == null) return fallback(tf.Transpose, args);
  const out = backend.makeOutput(
    perm.map((axis) => x.shape[axis]),
    x.dtype as 'float32' | 'int32',
  );
  const head = [
    offsetOf(backend, x, tf.Transpose),
    offsetOf(backend, out, tf.Transpose),
    swap.outer,
    swap.a,
    swap.b,
    swap.inner,
  ] as const;
  const pool = size >= PARALLEL_MIN_ELEMENTS ? simdPoolFor(backend.wasm) : undefined;
  if (pool != null) {
    pool.run(
      'swap',
      splitRange(swap.b, poolParts(pool)).map(([j0, j1]) => [...head, j0, j1]),
    );
  } else {
    kernels.swap(...head, 0, swap.b);
  }
  return out;
}

export const transposeKernel: tf.KernelConfig = {
  kernelName: tf.Transpose,
  backendName: 'wasm',
  kernelFunc: transpose,
};
