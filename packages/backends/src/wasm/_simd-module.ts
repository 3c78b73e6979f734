import type * as tf from '@tensorflow/tfjs-core';
import {
  SIMD_WASM,
  SIMD_WASM_RELAXED,
  SIMD_WASM_SHARED,
  SIMD_WASM_SHARED_RELAXED,
} from '../simd-wasm.generated';

/** The functions of the generated SIMD module (scripts/wasm/<kernel>.mjs document each). */
export interface SimdExports {
  matmul(
    a: number,
    b: number,
    c: number,
    batch: number,
    m: number,
    k: number,
    n: number,
    strideA: number,
    strideB: number,
    transposeA: number,
  ): void;
  erf(x: number, y: number, count: number): void;
  exp(x: number, y: number, count: number): void;
  gelu(x: number, y: number, count: number): void;
  geluGrad(x: number, dy: number, dx: number, count: number): void;
  swap(
    src: number,
    dst: number,
    outer: number,
    a: number,
    b: number,
    inner: number,
    j0: number,
    j1: number,
  ): void;
  gemm(a: number, b: number, c: number, m: number, k: number, n: number, sRow: number, sCol: number): void;
  gemmBias(
    a: number,
    b: number,
    c: number,
    m: number,
    k: number,
    n: number,
    sRow: number,
    sCol: number,
    bias: number,
  ): void;
  sumRows(x: number, y: number, outer: number, rows: number, cols: number): void;
  layerNorm(
    x: number,
    gamma: number,
    beta: number,
    y: number,
    stats: number,
    rows: number,
    cols: number,
    epsilonBits: number,
  ): void;
  layerNormGrad(
    x: number,
    gamma: number,
    stats: number,
    dy: number,
    dx: number,
    partial: number,
    rows: number,
    cols: number,
  ): void;
  copyRuns(
    src: number,
    dst: number,
    count: number,
    bytes: number,
    srcStride: number,
    dstStride: number,
  ): void;
  attnFwd(descriptor: number, w0: number, w1: number, thread: number): void;
  attnBwd(descriptor: number, w0: number, w1: number, thread: number): void;
  spectralFwd(descriptor: number, w0: number, w1: number, thread: number): void;
  spectralBwd(descriptor: number, w0: number, w1: number, thread: number): void;
}

/** The module's functions in a fixed order (worker threads address them by index). */
export const SIMD_FUNCTIONS = [
  'matmul',
  'gemm',
  'erf',
  'exp',
  'gelu',
  'geluGrad',
  'swap',
  'sumRows',
  'layerNorm',
  'layerNormGrad',
  'attnFwd',
  'attnBwd',
  'spectralFwd',
  'spectralBwd',
  'gemmBias',
  'copyRuns',
] as const;
export type SimdFunctionName = (typeof SIMD_FUNCTIONS)[number];

/** Threads that run SIMD kernels on one shared memory (Node: `_simd-pool-node.ts`). */
export interface SimdPool {
  /** Threads including the caller's. */
  readonly threads: number;
  /**
   * Runs `name(...parts[i])` for every part, at most 64, each once, on whichever thread claims it first (the
   * caller's included), and returns when every part is done. More parts than threads balance the load.
   */
  run(name: SimdFunctionName, parts: number[][]): void;
  close(): Promise<void>;
}

/**
 * Parts per thread that the kernels split a pooled call into: the threads claim them one by one, so a thread that
 * starts late or runs slower takes fewer, instead of the caller waiting for a fixed share.
 */
export const POOL_PARTS_PER_THREAD = 4;

/** Parts of one {@link SimdPool.run} call at most (the Node pool keeps the count and the next part in 8 bits each). */
export const MAX_POOL_PARTS = 64;

/** How many parts the kernels split a pooled call into: {@link POOL_PARTS_PER_THREAD} per thread, at most 64. */
export function poolParts(pool: SimdPool): number {
  return Math.min(MAX_POOL_PARTS, pool.threads * POOL_PARTS_PER_THREAD);
}

const pools = new WeakMap<WebAssembly.Memory, SimdPool>();

/** Makes kernels on `memory` split their work across `pool` (undefined: single-threaded again). */
export function setSimdPool(memory: WebAssembly.Memory, pool: SimdPool | undefined): void {
  if (pool == null) pools.delete(memory);
  else pools.set(memory, pool);
}

/** The pool registered for `memory`, if any. */
export function simdPoolOn(memory: WebAssembly.Memory): SimdPool | undefined {
  return pools.get(memory);
}

/**
 * Splits [0, total) into at most `parts` contiguous ranges whose starts are multiples of `align` (the last
 * range takes the remainder); fewer ranges when there is too little work.
 */
export function splitRange(total: number, parts: number, align = 1): Array<[number, number]> {
  const units = Math.ceil(total / align);
  const count = Math.max(1, Math.min(parts, units));
  const ranges: Array<[number, number]> = [];
  for (let p = 0; p < count; p++) {
    const start = Math.min(total, Math.round((units * p) / count) * align);
    const end = p === count - 1 ? total : Math.min(total, Math.round((units * (p + 1)) / count) * align);
    if (end > start) ranges.push([start, end]);
  }
  return ranges;
}

/** The parts of tfjs-backend-wasm's BackendWasm the kernels use. */
export interface WasmBackendLike extends tf.KernelBackend {
  wasm: WasmModuleLike;
  disposeData(dataId: object, force?: boolean): boolean;
  dataIdMap: { get(dataId: object): { memoryOffset: number } | undefined };
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
}

/** Byte offset of a tensor's data in the wasm heap. */
export function offsetOf(backend: WasmBackendLike, info: tf.TensorInfo, kernel: string): number {
  const data = backend.dataIdMap.get(info.dataId);
  if (data == null) throw new Error(`wasm ${kernel}: an input has no data on the wasm backend`);
  return data.memoryOffset;
}

/** What the kernels need of tfjs-backend-wasm's emscripten module. */
export interface WasmModuleLike extends MallocModule {
  HEAPF32: Float32Array;
  asm?: { memory?: WebAssembly.Memory };
  wasmMemory?: WebAssembly.Memory;
}

function decode(base64: string): Uint8Array {
  if (typeof atob === 'function') {
    const text = atob(base64);
    const bytes = new Uint8Array(text.length);
    for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
    return bytes;
  }
  throw new Error('wasm SIMD kernels: no base64 decoder (atob) in this runtime');
}

const modules: Partial<Record<string, WebAssembly.Module>> = {};
const instances = new WeakMap<WebAssembly.Memory, SimdExports>();
let relaxedValidates: boolean | undefined;

/** Set by {@link configureRelaxedSimd}: the plain build even where the relaxed one would run. */
let relaxedOff = false;

/**
 * Whether this package's SIMD kernels run their relaxed-SIMD build (the matrix micro-kernels accumulate with
 * f32x4.relaxed_madd, a fused multiply-add on CPUs with FMA): decided once per process, when the first kernel
 * compiles, by validating that build and checking one small product of it against a JavaScript loop. Node 21+
 * and current Chromium, Firefox and Safari: yes; Node 20: yes once `setupBackend` has turned on V8's
 * `--experimental-wasm-relaxed-simd` (its default) or when node was started with that flag; otherwise, or after
 * {@link configureRelaxedSimd}(false), the plain SIMD build (a multiply and an add).
 */
export function relaxedSimdSupported(): boolean {
  relaxedValidates ??= !relaxedOff && relaxedBuildWorks();
  return relaxedValidates;
}

/** The relaxed build validates, and its `gemm` computes a 5 x 9 by 9 x 11 product as a loop does (1e-5). */
function relaxedBuildWorks(): boolean {
  const bytes = decode(SIMD_WASM_RELAXED) as BufferSource;
  if (!WebAssembly.validate(bytes)) return false;
  try {
    const memory = new WebAssembly.Memory({ initial: 1 });
    const { gemm } = new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { memory } })
      .exports as unknown as SimdExports;
    const [m, k, n] = [5, 9, 11];
    const heap = new Float32Array(memory.buffer);
    const [a, b, c] = [16, 16 + m * k, 16 + m * k + k * n];
    for (let i = 0; i < m * k + k * n; i++) heap[a + i] = ((i * 37) % 17) / 8 - 1;
    gemm(a * 4, b * 4, c * 4, m, k, n, k * 4, 4);
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let expected = 0;
        for (let p = 0; p < k; p++) expected += heap[a + i * k + p] * heap[b + p * n + j];
        if (!(Math.abs(heap[c + i * n + j] - expected) <= 1e-5 * (1 + Math.abs(expected)))) return false;
      }
    }
    return true;
  } catch {
    return false;
  }
}

/**
 * Before the first kernel compiles: `false` keeps the plain SIMD build even where the relaxed one would run,
 * `true` lets {@link relaxedSimdSupported} decide again (after a V8 flag was turned on). Returns false, changing
 * nothing, once a kernel module has been compiled (the choice is made for the process).
 */
export function configureRelaxedSimd(allowed: boolean): boolean {
  if (Object.keys(modules).length > 0) return false;
  // decide again when the setting changes, or when the engine said no (a V8 flag may have been turned on since)
  if (relaxedOff === allowed || relaxedValidates === false) {
    relaxedOff = !allowed;
    relaxedValidates = undefined;
  }
  return true;
}

function isShared(memory: WebAssembly.Memory): boolean {
  return typeof SharedArrayBuffer !== 'undefined' && memory.buffer instanceof SharedArrayBuffer;
}

/**
 * The compiled module for a plain or a shared memory (compiled once per process): the relaxed-SIMD build where
 * {@link relaxedSimdSupported}, else the plain SIMD one.
 */
export function simdModule(shared: boolean): WebAssembly.Module {
  const relaxed = relaxedSimdSupported();
  const key = `${shared ? 'shared' : 'plain'}${relaxed ? '-relaxed' : ''}`;
  const base64 = shared
    ? relaxed
      ? SIMD_WASM_SHARED_RELAXED
      : SIMD_WASM_SHARED
    : relaxed
      ? SIMD_WASM_RELAXED
      : SIMD_WASM;
  modules[key] ??= new WebAssembly.Module(decode(base64) as BufferSource);
  return modules[key];
}

/** The SIMD kernels instantiated on `memory` (one instance per memory). */
export function simdOn(memory: WebAssembly.Memory): SimdExports {
  let exports = instances.get(memory);
  if (exports == null) {
    const instance = new WebAssembly.Instance(simdModule(isShared(memory)), { env: { memory } });
    exports = instance.exports as unknown as SimdExports;
    instances.set(memory, exports);
  }
  return exports;
}

/** tfjs-backend-wasm's own memory, where its module exposes it (so kernels can work on tensors in place). */
export function tfjsMemory(wasm: WasmModuleLike): WebAssembly.Memory | undefined {
  const memory = wasm.asm?.memory ?? wasm.wasmMemory;
  if (memory instanceof WebAssembly.Memory && memory.buffer === wasm.HEAPF32.buffer) return memory;
  return undefined;
}

/**
 * The SIMD kernels on tfjs's own memory, or undefined where tfjs does not expose it. Also guards tfjs's
 * malloc ({@link guardWasmMalloc}) the first time, so that kernels writing their outputs never get offset 0.
 */
export function tfjsKernels(backend: WasmBackendLike): SimdExports | undefined {
  guardWasmMalloc(backend.wasm);
  const memory = tfjsMemory(backend.wasm);
  return memory == null ? undefined : simdOn(memory);
}

/** The pool for tfjs's memory, if one was started (the threaded build in Node). */
export function simdPoolFor(wasm: WasmModuleLike): SimdPool | undefined {
  const memory = tfjsMemory(wasm);
  return memory == null ? undefined : pools.get(memory);
}

export interface MallocModule {
  _malloc(bytes: number): number;
  _free(pointer: number): void;
}

const GUARDED = Symbol('s2cassi.guardedMalloc');

/**
 * Makes tfjs-backend-wasm's `_malloc` throw when the wasm heap cannot grow, instead of returning 0. tfjs
 * does not check: it would hand out offset 0 and its kernels would write over the start of the heap (seen
 * as "memory access out of bounds" single-threaded, and as a never-ending spin in the threaded build).
 * Idempotent. Returns true if it installed the guard now. `setupBackend('wasm')` installs it, and so does the
 * first call of any kernel of this package.
 */
export function guardWasmMalloc(module: MallocModule): boolean {
  if ((module._malloc as unknown as Record<symbol, boolean>)[GUARDED]) return false;
  // Emscripten binds `_malloc` lazily (the first call replaces the property): bind it first.
  module._free(module._malloc(16));
  const raw = module._malloc.bind(module);
  const guarded = (bytes: number): number => {
    const pointer = raw(bytes);
    if (pointer === 0 && bytes > 0) {
      throw new Error(
        `wasm backend: could not allocate ${(bytes / 2 ** 20).toFixed(1)} MiB: the wasm heap is full ` +
          '(tfjs-backend-wasm grows it to at most 4 GiB); use smaller inputs, tiles or gradient checkpointing',
      );
    }
    return pointer;
  };
  Object.defineProperty(guarded, GUARDED, { value: true });
  module._malloc = guarded;
  return true;
}
