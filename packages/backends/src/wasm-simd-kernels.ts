import * as tf from '@tensorflow/tfjs-core';
import {
  offsetOf,
  type SimdExports,
  simdPoolFor,
  splitRange,
  tfjsKernels,
  type WasmBackendLike,
} from './_simd-module';
import { registerFusedWasmKernels, unregisterFusedWasmKernels } from './wasm/kernels/_register-fused';

type Info = tf.TensorInfo;
type KernelArgs = Parameters<tf.KernelFunc>[0];

/**
 * Faster versions of seven tfjs-backend-wasm 4.22 kernels that the S2-Transformer spends seconds in
 * (profiles in packages/s2-attn/bench/results-forward.md), each falling back to the original kernel for
 * the cases it does not cover:
 * - Erf: tfjs calls the C library's scalar erf, ~5 ns per element (12 % of a forward pass, through the
 *   exact GELU). Replaced by a vectorised rational approximation (the float32 erf of Eigen, XLA and TVM;
 *   scripts/build-simd-wasm.mjs), 6x faster: absolute error < 4e-7 (up to ~5 float32 steps just below 1,
 *   where libm's is within one), relative error < 3e-7 below 0.5, never outside [-1, 1]. float32 only.
 * - Exp: also libm's scalar exp, ~4.5 ns per element (the gradient of erf in training). Replaced by Cephes
 *   expf vectorised (relative error < 3e-7); +Infinity above 88.72283, 0 below -87.33654 (where libm gives
 *   subnormal numbers). float32 only.
 * - Transpose: tfjs's loops move one element at a time, ~2.7 ns per element. Every permutation that,
 *   once size-1 axes are dropped and axes that stay neighbours are merged, exchanges two adjacent axes
 *   (the head split [tokens, heads, ch] -> [heads, tokens, ch], window partition [.., a, b, c] ->
 *   [.., b, a, c], a matrix or batch of matrices transposed) becomes whole-row copies. 4-byte dtypes.
 * - Sum: tfjs transposes the reduced axes to the end first, ~5 ns per element for bias gradients
 *   ([rows, C] -> [C]). Reductions over one block of adjacent axes that is not the last are summed row
 *   by row with vectors ((x0 + x1) + (x2 + x3) added to a float32 running sum per column). float32 only.
 * - Slice: tfjs copies non-contiguous slices element by element in JavaScript, ~4.6 ns per element (the
 *   cyclic shift of shifted windows). Slices whose contiguous runs are at least 16 elements long are
 *   copied run by run (TypedArray.copyWithin). 4-byte dtypes. SplitV (which calls tfjs's slow slice
 *   directly) becomes one such Slice per part, and Concat whose runs are that long is copied run by run.
 * Results are bit-identical to the originals for Transpose and Slice; Erf and Sum differ by rounding.
 */

const originals = new Map<string, tf.KernelConfig>();

function fallback(name: string, args: KernelArgs): Info {
  const original = originals.get(name);
  if (original == null) throw new Error(`wasm ${name}: the original kernel is not registered`);
  return original.kernelFunc(args) as Info;
}

/** Smaller tensors stay on one thread where a worker pool exists (waking a worker costs ~10-50 us). */
const PARALLEL_MIN_ELEMENTS = 1 << 16;

/**
 * Runs an elementwise SIMD function on `size` floats at the byte offsets `pointers` (inputs, then output):
 * split into 4-aligned element ranges across the worker pool where one exists and the tensor is large.
 */
function runElementwise(
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
    splitRange(size, pool.threads, 4).map(([s, e]) => [...pointers.map((p) => p + s * 4), e - s]),
  );
}

const FOUR_BYTE: ReadonlySet<tf.DataType> = new Set<tf.DataType>(['float32', 'int32']);

/** An elementwise float32 kernel from the SIMD module (split across the worker pool where one exists). */
function unary(kernelName: string, fn: 'erf' | 'exp' | 'gelu'): tf.KernelFunc {
  const kernel = (args: KernelArgs): Info => {
    const backend = args.backend as WasmBackendLike;
    const { x } = args.inputs as { x: Info };
    const kernels = tfjsKernels(backend);
    const size = tf.util.sizeFromShape(x.shape);
    if (kernels == null || x.dtype !== 'float32') {
      if (originals.has(kernelName)) return fallback(kernelName, args);
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

/**
 * The exact GELU as one kernel, x Phi(x) = 0.5 x (1 + erf(x / sqrt 2)), with its gradient kernel: five
 * elementwise passes forward (and about seven backward) become one each. Kernels of this name are a protocol
 * with @s2cassi/s2-attn, whose `gelu` runs {@link FUSED_GELU} when the active backend has it and composes tf
 * ops otherwise; they exist on wasm only, for float32.
 */
export const FUSED_GELU = 'S2CassiGelu';
/** Inputs {x, dy}: dy (Phi(x) + x phi(x)). */
export const FUSED_GELU_GRAD = 'S2CassiGeluGrad';

function geluGrad(args: KernelArgs): Info {
  const backend = args.backend as WasmBackendLike;
  const { x, dy } = args.inputs as { x: Info; dy: Info };
  const kernels = tfjsKernels(backend);
  const size = tf.util.sizeFromShape(x.shape);
  if (x.dtype !== 'float32' || dy.dtype !== 'float32' || !tf.util.arraysEqual(x.shape, dy.shape)) {
    throw new Error(
      `${FUSED_GELU_GRAD}: expected float32 x and dy of one shape, got ${x.dtype} [${x.shape}] and ${dy.dtype} [${dy.shape}]`,
    );
  }
  if (kernels == null)
    throw new Error(`${FUSED_GELU_GRAD}: needs tfjs-backend-wasm's memory, which this build does not expose`);
  const out = backend.makeOutput([...x.shape], 'float32');
  if (size > 0) {
    const pointers = [x, dy, out].map((t) => offsetOf(backend, t, FUSED_GELU_GRAD));
    runElementwise(backend, kernels, 'geluGrad', pointers, size);
  }
  return out;
}

const geluKernel = unary(FUSED_GELU, 'gelu');

const GELU_KERNELS: tf.KernelConfig[] = [
  { kernelName: FUSED_GELU, backendName: 'wasm', kernelFunc: geluKernel },
  { kernelName: FUSED_GELU_GRAD, backendName: 'wasm', kernelFunc: geluGrad },
];

const geluGradient: tf.GradConfig = {
  kernelName: FUSED_GELU,
  inputsToSave: ['x'],
  gradFunc: (dy, saved) => {
    const [x] = saved;
    return { x: () => tf.engine().runKernel(FUSED_GELU_GRAD, { x, dy: dy as tf.Tensor }, {}) as tf.Tensor };
  },
};

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
      splitRange(swap.b, pool.threads).map(([j0, j1]) => [...head, j0, j1]),
    );
  } else {
    kernels.swap(...head, 0, swap.b);
  }
  return out;
}

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

/** Shortest contiguous run Slice copies with copyWithin (shorter ones go to the original kernel). */
const MIN_SLICE_RUN = 16;

function slice(args: KernelArgs): Info {
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
  if (run < MIN_SLICE_RUN) return fallback(tf.Slice, args);
  const strides = tf.util.computeStrides(x.shape);
  const out = backend.makeOutput([...size], x.dtype as 'float32' | 'int32');
  const heap = backend.wasm.HEAPF32; // after makeOutput: allocating may grow (and replace) the heap view
  const source = offsetOf(backend, x, tf.Slice) / 4;
  let target = offsetOf(backend, out, tf.Slice) / 4;
  // Odometer over the axes before `cut`.
  const index = new Array<number>(cut).fill(0);
  const runs = total / run;
  for (let r = 0; r < runs; r++) {
    let from = source + begin[cut] * (cut < rank - 1 ? strides[cut] : 1); // strides omit the last axis (1)
    for (let d = 0; d < cut; d++) from += (begin[d] + index[d]) * strides[d];
    heap.copyWithin(target, from, from + run);
    target += run;
    for (let d = cut - 1; d >= 0; d--) {
      if (++index[d] < size[d]) break;
      index[d] = 0;
    }
  }
  return out;
}

/** SplitV as one Slice per part (tfjs-backend-wasm's calls its slow JavaScript slice directly). */
function splitV(args: KernelArgs): Info[] {
  const { x } = args.inputs as { x: Info };
  const { numOrSizeSplits, axis } = args.attrs as unknown as {
    numOrSizeSplits: number | number[];
    axis: number;
  };
  const $axis = tf.util.parseAxisParam(axis, x.shape)[0];
  const sizes = tf.backend_util.prepareSplitSize(x as unknown as tf.Tensor, numOrSizeSplits, $axis);
  const begin = new Array<number>(x.shape.length).fill(0);
  const size = [...x.shape];
  return sizes.map((part) => {
    size[$axis] = part;
    const out = slice({ ...args, inputs: { x }, attrs: { begin: [...begin], size: [...size] } });
    begin[$axis] += part;
    return out;
  });
}

/** Concat by contiguous runs (one per input per index before `axis`) when every run is long enough. */
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
  const heap = backend.wasm.HEAPF32; // after makeOutput
  const sources = parts.map((t) => offsetOf(backend, t, tf.Concat) / 4);
  let target = offsetOf(backend, out, tf.Concat) / 4;
  const outer = outShape.slice(0, $axis).reduce((p, d) => p * d, 1);
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < parts.length; i++) {
      const from = sources[i] + o * runs[i];
      heap.copyWithin(target, from, from + runs[i]);
      target += runs[i];
    }
  }
  return out;
}

const KERNELS: Array<[string, tf.KernelFunc]> = [
  [tf.Erf, unary(tf.Erf, 'erf')],
  [tf.Exp, unary(tf.Exp, 'exp')],
  [tf.Transpose, transpose],
  [tf.Sum, sum],
  [tf.Slice, slice],
  [tf.SplitV, splitV as unknown as tf.KernelFunc],
  [tf.Concat, concat],
];

/** Names of the kernels `registerWasmSimdKernels` replaces on the wasm backend. */
export const WASM_SIMD_KERNELS: readonly string[] = KERNELS.map(([name]) => name);

/**
 * Replaces the wasm backend's Erf, Exp, Transpose, Sum, Slice, SplitV and Concat with the faster ones described above,
 * and adds the fused GELU kernels {@link FUSED_GELU} and {@link FUSED_GELU_GRAD} with the gradient of the first
 * (idempotent; after `@tensorflow/tfjs-backend-wasm` is imported, before or after it initialises).
 * `setupBackend('wasm')` and `registerWasmTrainingKernels` call it.
 */
export function registerWasmSimdKernels(): void {
  for (const [name, kernelFunc] of KERNELS) {
    const current = tf.getKernel(name, 'wasm');
    if (current == null) {
      throw new Error(
        `registerWasmSimdKernels: the wasm backend has no ${name} kernel (import @tensorflow/tfjs-backend-wasm first)`,
      );
    }
    if (current.kernelFunc === kernelFunc) continue;
    originals.set(name, current);
    tf.unregisterKernel(name, 'wasm');
    tf.registerKernel({ kernelName: name, backendName: 'wasm', kernelFunc, setupFunc: current.setupFunc });
  }
  for (const config of GELU_KERNELS) {
    const current = tf.getKernel(config.kernelName, 'wasm');
    if (current?.kernelFunc === config.kernelFunc) continue;
    if (current != null) tf.unregisterKernel(config.kernelName, 'wasm');
    tf.registerKernel(config);
  }
  if (tf.getGradient(FUSED_GELU) !== geluGradient) tf.registerGradient(geluGradient);
  registerFusedWasmKernels();
}

/**
 * Puts tfjs-backend-wasm's own Erf, Exp, Transpose, Sum, Slice, SplitV and Concat back and removes the fused
 * GELU kernels (for comparisons).
 */
export function unregisterWasmSimdKernels(): void {
  for (const [name, kernelFunc] of KERNELS) {
    const original = originals.get(name);
    if (tf.getKernel(name, 'wasm')?.kernelFunc !== kernelFunc || original == null) continue;
    tf.unregisterKernel(name, 'wasm');
    tf.registerKernel(original);
  }
  for (const config of GELU_KERNELS) {
    if (tf.getKernel(config.kernelName, 'wasm')?.kernelFunc === config.kernelFunc) {
      tf.unregisterKernel(config.kernelName, 'wasm');
    }
  }
  unregisterFusedWasmKernels();
}
