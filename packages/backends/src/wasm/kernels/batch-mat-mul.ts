import * as tf from '@tensorflow/tfjs-core';
import {
  guardWasmMalloc,
  offsetOf,
  poolParts,
  type SimdExports,
  simdOn,
  simdPoolFor,
  splitRange,
  tfjsMemory,
  type WasmBackendLike,
} from '../_simd-module';
import { WasmOps } from '../_wasm-ops';

type Info = tf.TensorInfo;
type KernelArgs = Parameters<tf.KernelFunc>[0];

/**
 * Why this exists: tfjs-backend-wasm 4.22 sends a BatchMatMul to XNNPACK only when both operands have batch 1
 * and neither is transposed; everything else (every attention product, and the gradients of every linear
 * layer, which are transposed products) runs a scalar triple loop at ~0.7 GMAC/s, 5-15x slower than the
 * XNNPACK path. This kernel replaces BatchMatMul on wasm with a register-blocked, k-blocked WebAssembly SIMD
 * kernel (scripts/wasm/matmul.mjs) that reads A transposed in place (B transposed explicitly if asked, by tfjs's
 * Transpose kernel), over the batch, in place in tfjs's own memory where tfjs exposes it, or through a private
 * memory (copy in, copy out) where it does not. It also takes the products XNNPACK ran (a linear layer's forward
 * pass and input gradient): on the tall, narrow products of the S2 model's linear layers it is as fast or faster
 * (bench/wasm-matmul.ts), and faster still where the engine has relaxed SIMD's fused multiply-add.
 * Batch broadcasting: equal batches, or a batch of 1 on either side; anything else, non-float32 operands and
 * empty products go to the original kernel unchanged.
 */

/** How the SIMD kernel reaches tensor data: in place in tfjs's memory, or through a copy. */
export type WasmMatmulMode = 'in-place' | 'copy';

interface Runner {
  mode: WasmMatmulMode;
  kernels: SimdExports;
  /** Copy mode only: the private memory. */
  memory?: WebAssembly.Memory;
}

const runners = new WeakMap<object, Partial<Record<WasmMatmulMode | 'auto', Runner>>>();
let forcedMode: WasmMatmulMode | undefined;

function runnerFor(backend: WasmBackendLike): Runner {
  let cache = runners.get(backend);
  if (cache == null) {
    cache = {};
    runners.set(backend, cache);
  }
  const key = forcedMode ?? 'auto';
  const cached = cache[key];
  if (cached != null) return cached;
  guardWasmMalloc(backend.wasm); // outputs this kernel writes itself must never be at offset 0
  const memory = forcedMode === 'copy' ? undefined : tfjsMemory(backend.wasm);
  let runner: Runner;
  if (memory != null) {
    runner = { mode: 'in-place', kernels: simdOn(memory) };
  } else {
    const own = new WebAssembly.Memory({ initial: 1 });
    runner = { mode: 'copy', kernels: simdOn(own), memory: own };
  }
  cache[key] = runner;
  return runner;
}

/**
 * For tests and benchmarks (not exported by the package): makes the SIMD kernel use `mode` (`undefined` =
 * automatic: in place where tfjs exposes its memory). Returns the previous setting.
 */
export function setWasmMatmulMode(mode: WasmMatmulMode | undefined): WasmMatmulMode | undefined {
  const previous = forcedMode;
  forcedMode = mode;
  return previous;
}

/** The mode the kernel runs in on the given (wasm) backend, instantiating it if needed (tests; ./fused-mat-mul.ts). */
export function wasmMatmulMode(backend: tf.KernelBackend): WasmMatmulMode {
  return runnerFor(backend as WasmBackendLike).mode;
}

const product = (dims: readonly number[]) => dims.reduce((p, d) => p * d, 1);

/** Rows of A per part at least, before a row-split product gets more parts than threads. */
const ROWS_PER_PART = 256;

/** Products smaller than this many multiply-adds stay on one thread (waking a worker costs ~10-50 us). */
const PARALLEL_MIN_MACS = 1 << 20;

let original: tf.KernelFunc | undefined;
/** The original kernel's setup (it binds the C function when the backend initialises); kept on ours. */
let originalSetup: tf.KernelSetupFunc | undefined;

function batchMatMul(args: KernelArgs): Info {
  const { inputs, attrs } = args;
  const backend = args.backend as WasmBackendLike;
  const { a, b } = inputs as { a: Info; b: Info };
  const { transposeA, transposeB } = attrs as unknown as { transposeA: boolean; transposeB: boolean };
  const fallback = () => (original as tf.KernelFunc)(args) as Info;
  if (a.dtype !== 'float32' || b.dtype !== 'float32' || a.shape.length < 2 || b.shape.length < 2) {
    return fallback();
  }
  const ra = a.shape.length;
  const rb = b.shape.length;
  const m = transposeA ? a.shape[ra - 1] : a.shape[ra - 2];
  const k = transposeA ? a.shape[ra - 2] : a.shape[ra - 1];
  const kB = transposeB ? b.shape[rb - 1] : b.shape[rb - 2];
  const n = transposeB ? b.shape[rb - 2] : b.shape[rb - 1];
  if (k !== kB) {
    throw new Error(
      `BatchMatMul: inner dimensions must agree, got ${k} (a ${JSON.stringify(a.shape)}, transposeA ${transposeA}) ` +
        `and ${kB} (b ${JSON.stringify(b.shape)}, transposeB ${transposeB})`,
    );
  }
  const outerA = a.shape.slice(0, -2);
  const outerB = b.shape.slice(0, -2);
  const batchA = product(outerA);
  const batchB = product(outerB);
  const outer = tf.backend_util.assertAndGetBroadcastShape(outerA, outerB);
  const batch = product(outer);
  const broadcastOk = (batchA === batch && batchB === batch) || batchA === 1 || batchB === 1;
  if (!broadcastOk || m * n * k === 0) return fallback();

  const ops = new WasmOps(backend);
  // The SIMD kernel reads A transposed in place; B must be row-major [k, n].
  const b3 = transposeB ? ops.transpose(ops.reshape(b, [batchB, n, k]), [0, 2, 1]) : b;
  const out = backend.makeOutput([...outer, m, n], 'float32');
  runProduct(backend, { a, b: b3, out, batchA, batchB, m, k, n, transposeA });
  ops.dispose(out);
  return out;
}

/** One (batched) product for {@link runProduct}: out = op(a) b, b row-major [k, n] per batch index. */
export interface Product {
  a: Info;
  b: Info;
  out: Info;
  batchA: number;
  batchB: number;
  m: number;
  k: number;
  n: number;
  transposeA: boolean;
  /** n floats added to every row of out (batch 1 on both sides only). */
  bias?: Info;
}

/**
 * Runs a product on the SIMD kernel: whole products per part when the batch covers the pool, else blocks of
 * rows of each product per part (parts claimed by whichever thread is free); through the private memory where
 * tfjs does not expose its own (no bias there).
 */
export function runProduct(backend: WasmBackendLike, product: Product): void {
  const { a, b, out, batchA, batchB, m, k, n, transposeA, bias } = product;
  const batch = Math.max(batchA, batchB);
  const runner = runnerFor(backend);
  const strideA = batchA === 1 ? 0 : m * k * 4;
  const strideB = batchB === 1 ? 0 : k * n * 4;
  const tA = transposeA ? 1 : 0;
  if (bias != null && (batch !== 1 || runner.mode !== 'in-place'))
    throw new Error('runProduct: a bias needs batch 1 and the in-place mode');
  if (runner.mode === 'in-place') {
    const [pa, pb, pc] = [a, b, out].map((t) => offsetOf(backend, t, tf.BatchMatMul));
    const pbias = bias == null ? 0 : offsetOf(backend, bias, tf.BatchMatMul);
    const pool = batch * m * k * n >= PARALLEL_MIN_MACS ? simdPoolFor(backend.wasm) : undefined;
    const sRow = transposeA ? 4 : k * 4;
    const sCol = transposeA ? m * 4 : 4;
    if (pool == null) {
      if (bias != null) runner.kernels.gemmBias(pa, pb, pc, m, k, n, sRow, sCol, pbias);
      else runner.kernels.matmul(pa, pb, pc, batch, m, k, n, strideA, strideB, tA);
    } else if (batch >= pool.threads) {
      // whole products per part, several parts per thread
      const parts = splitRange(batch, poolParts(pool)).map(([t0, t1]) => [
        pa + t0 * strideA,
        pb + t0 * strideB,
        pc + t0 * m * n * 4,
        t1 - t0,
        m,
        k,
        n,
        strideA,
        strideB,
        tA,
      ]);
      pool.run('matmul', parts);
    } else {
      // blocks of rows of each product: several per thread when A is tall (B is read once per block, so not
      // for the short, wide products of a weight gradient)
      const rowParts = m >= ROWS_PER_PART * poolParts(pool) ? poolParts(pool) : pool.threads;
      for (let t = 0; t < batch; t++) {
        const parts = splitRange(m, rowParts, 4).map(([i0, i1]) => [
          pa + t * strideA + i0 * sRow,
          pb + t * strideB,
          pc + (t * m + i0) * n * 4,
          i1 - i0,
          k,
          n,
          sRow,
          sCol,
          ...(bias == null ? [] : [pbias]),
        ]);
        pool.run(bias == null ? 'gemm' : 'gemmBias', parts);
      }
    }
  } else {
    const sizeA = batchA * m * k;
    const sizeB = batchB * k * n;
    const sizeC = batch * m * n;
    const bytes = (sizeA + sizeB + sizeC) * 4;
    const memory = runner.memory as WebAssembly.Memory;
    if (memory.buffer.byteLength < bytes) memory.grow(Math.ceil((bytes - memory.buffer.byteLength) / 65536));
    const own = new Float32Array(memory.buffer);
    const heap = backend.wasm.HEAPF32;
    const pa = offsetOf(backend, a, tf.BatchMatMul) / 4;
    const pb = offsetOf(backend, b, tf.BatchMatMul) / 4;
    own.set(heap.subarray(pa, pa + sizeA), 0);
    own.set(heap.subarray(pb, pb + sizeB), sizeA);
    runner.kernels.matmul(0, sizeA * 4, (sizeA + sizeB) * 4, batch, m, k, n, strideA, strideB, tA);
    const pc = offsetOf(backend, out, tf.BatchMatMul) / 4;
    backend.wasm.HEAPF32.set(own.subarray(sizeA + sizeB, sizeA + sizeB + sizeC), pc);
  }
}

/**
 * Replaces the wasm backend's BatchMatMul with the faster one described above (idempotent; can run before
 * the wasm backend is initialised). Results equal the original kernel's up to float summation order.
 * `registerWasmKernels` calls it; exported for tests and bench/wasm-matmul.ts.
 */
export function registerWasmMatmul(): void {
  const current = tf.getKernel(tf.BatchMatMul, 'wasm');
  if (current?.kernelFunc === batchMatMul) return;
  if (current == null) {
    throw new Error(
      'registerWasmMatmul: the wasm backend has no BatchMatMul kernel (import @tensorflow/tfjs-backend-wasm first)',
    );
  }
  original = current.kernelFunc;
  originalSetup = current.setupFunc;
  tf.unregisterKernel(tf.BatchMatMul, 'wasm');
  tf.registerKernel({
    kernelName: tf.BatchMatMul,
    backendName: 'wasm',
    kernelFunc: batchMatMul,
    setupFunc: originalSetup,
  });
}

/** Puts tfjs-backend-wasm's own BatchMatMul back (for comparisons: tests and bench/wasm-matmul.ts). */
export function unregisterWasmMatmul(): void {
  const current = tf.getKernel(tf.BatchMatMul, 'wasm');
  if (current?.kernelFunc !== batchMatMul || original == null) return;
  tf.unregisterKernel(tf.BatchMatMul, 'wasm');
  tf.registerKernel({
    kernelName: tf.BatchMatMul,
    backendName: 'wasm',
    kernelFunc: original,
    setupFunc: originalSetup,
  });
}
