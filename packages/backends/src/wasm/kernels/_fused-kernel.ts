import * as tf from '@tensorflow/tfjs-core';
import {
  offsetOf,
  poolParts,
  type SimdExports,
  type SimdFunctionName,
  simdPoolFor,
  splitRange,
  tfjsKernels,
  type WasmBackendLike,
} from '../_simd-module';

export type Info = tf.TensorInfo;
export type KernelArgs = Parameters<tf.KernelFunc>[0];

/** The wasm backend and its SIMD kernels, or a clear error (these kernels have no fallback on wasm). */
export function fusedContext(
  args: KernelArgs,
  kernel: string,
): { backend: WasmBackendLike; kernels: SimdExports } {
  const backend = args.backend as WasmBackendLike;
  const kernels = tfjsKernels(backend);
  if (kernels == null) {
    throw new Error(`${kernel}: needs tfjs-backend-wasm's memory, which this build does not expose`);
  }
  return { backend, kernels };
}

/** Throws unless `info` is float32 with the given shape (undefined entries match any size). */
export function expectFloat32(
  info: Info | undefined,
  shape: Array<number | undefined>,
  what: string,
  kernel: string,
): Info {
  if (
    info == null ||
    info.dtype !== 'float32' ||
    info.shape.length !== shape.length ||
    shape.some((d, i) => d !== undefined && d !== info.shape[i])
  ) {
    const expected = `[${shape.map((d) => d ?? '*').join(', ')}]`;
    const actual = info == null ? 'nothing' : `${info.dtype} [${info.shape.join(', ')}]`;
    throw new Error(`${kernel}: expected ${what} float32 ${expected}, got ${actual}`);
  }
  return info;
}

/** Byte offsets of tensors in the wasm heap. */
export function offsets(backend: WasmBackendLike, infos: Info[], kernel: string): number[] {
  return infos.map((info) => offsetOf(backend, info, kernel));
}

/**
 * Runs `name` over [0, total) split into contiguous ranges, several per thread of the worker pool (claimed by
 * whichever thread is free) where one exists and the work (`cost`, multiply-adds or elements) is large enough, else
 * on the calling thread. `argsOf(start, end, part)` gives the arguments of one part. Returns the number of parts run.
 */
export function runParts(
  backend: WasmBackendLike,
  kernels: SimdExports,
  name: SimdFunctionName,
  total: number,
  cost: number,
  argsOf: (start: number, end: number, part: number) => number[],
): number {
  const pool = cost >= 1 << 18 ? simdPoolFor(backend.wasm) : undefined;
  const ranges = splitRange(total, pool == null ? 1 : poolParts(pool));
  const parts = ranges.map(([start, end], part) => argsOf(start, end, part));
  if (pool == null) {
    (kernels[name] as (...args: number[]) => void)(...parts[0]);
  } else {
    pool.run(name, parts);
  }
  return parts.length;
}

/** How many parts {@link runParts} will use (to size per-part scratch and partial sums before the call). */
export function partCount(backend: WasmBackendLike, total: number, cost: number): number {
  const pool = cost >= 1 << 18 ? simdPoolFor(backend.wasm) : undefined;
  return splitRange(total, pool == null ? 1 : poolParts(pool)).length;
}

/**
 * Sums `parts` per-part partial rows of `width` floats at `partial` (one row when there is one part) and copies
 * the sum's ranges into the outputs: `targets` [output, first float of the sum, count].
 */
export function reducePartials(
  backend: WasmBackendLike,
  kernels: SimdExports,
  partial: Info,
  parts: number,
  width: number,
  targets: Array<[Info, number, number]>,
  kernel: string,
): void {
  let source = partial;
  let sum: Info | undefined;
  if (parts > 1) {
    sum = backend.makeOutput([width], 'float32');
    kernels.sumRows(offsetOf(backend, partial, kernel), offsetOf(backend, sum, kernel), 1, parts, width);
    source = sum;
  }
  const heap = backend.wasm.HEAPF32;
  const from = offsetOf(backend, source, kernel) / 4;
  for (const [target, start, count] of targets) {
    const to = offsetOf(backend, target, kernel) / 4;
    heap.copyWithin(to, from + start, from + start + count);
  }
  if (sum != null) backend.disposeData(sum.dataId);
}

/** Writes zeros into whole outputs (the parameter gradients of an empty input): `[output, float count]`. */
export function fillZeros(backend: WasmBackendLike, outputs: Array<[Info, number]>, kernel: string): void {
  const heap = backend.wasm.HEAPF32;
  for (const [output, count] of outputs) {
    const at = offsetOf(backend, output, kernel) / 4;
    heap.fill(0, at, at + count);
  }
}

/**
 * The common end of the attention gradients: runs `name` over `windows` with the descriptor (split across
 * threads by `cost`), sums the per-part partial rows [dbias (biasFloats floats), dscale (heads floats)] into
 * `dbias` and `dscale`, and frees the descriptor, scratch and partial buffers whatever happens.
 */
export function runAttentionGradient(
  backend: WasmBackendLike,
  kernels: SimdExports,
  name: SimdFunctionName,
  kernel: string,
  call: {
    windows: number;
    cost: number;
    descriptor: Info;
    scratch: Info;
    partial: Info;
    dbias: Info;
    biasFloats: number;
    dscale: Info;
    heads: number;
  },
): void {
  const { windows, cost, descriptor, scratch, partial, dbias, biasFloats, dscale, heads } = call;
  const [pdesc] = offsets(backend, [descriptor], kernel);
  try {
    const used = runParts(backend, kernels, name, windows, cost, (w0, w1, part) => [pdesc, w0, w1, part]);
    reducePartials(
      backend,
      kernels,
      partial,
      used,
      biasFloats + heads,
      [
        [dbias, 0, biasFloats],
        [dscale, biasFloats, heads],
      ],
      kernel,
    );
  } finally {
    backend.disposeData(scratch.dataId);
    backend.disposeData(partial.dataId);
    backend.disposeData(descriptor.dataId);
  }
}

/** An int32 block of call parameters in the wasm heap (the SIMD attention kernels read a descriptor). */
export function writeDescriptor(backend: WasmBackendLike, words: number[], kernel: string): Info {
  const info = backend.makeOutput([words.length], 'int32');
  const heap = backend.wasm.HEAPF32; // after makeOutput: allocating may replace the view
  const view = new Int32Array(heap.buffer, offsetOf(backend, info, kernel), words.length);
  view.set(words);
  return info;
}

/** float32 bits of `value` as an int32 (the worker pool passes int32 arguments only). */
export function float32Bits(value: number): number {
  return new Int32Array(new Float32Array([value]).buffer)[0];
}

/** Registers `configs` for wasm (replacing other functions of the same name) and `gradients` (idempotent). */
export function registerFused(configs: tf.KernelConfig[], gradients: tf.GradConfig[]): void {
  for (const config of configs) {
    const current = tf.getKernel(config.kernelName, 'wasm');
    if (current?.kernelFunc === config.kernelFunc) continue;
    if (current != null) tf.unregisterKernel(config.kernelName, 'wasm');
    tf.registerKernel(config);
  }
  for (const gradient of gradients) {
    if (tf.getGradient(gradient.kernelName) !== gradient) tf.registerGradient(gradient);
  }
}

/** Removes `configs` from wasm where they are the registered ones. */
export function unregisterFused(configs: tf.KernelConfig[]): void {
  for (const config of configs) {
    if (tf.getKernel(config.kernelName, 'wasm')?.kernelFunc === config.kernelFunc) {
      tf.unregisterKernel(config.kernelName, 'wasm');
    }
  }
}
