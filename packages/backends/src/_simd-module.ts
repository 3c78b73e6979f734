import { SIMD_WASM, SIMD_WASM_SHARED } from './simd-wasm.generated';

/** The functions of the generated SIMD module (scripts/build-simd-wasm.mjs documents each). */
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
  swap(src: number, dst: number, outer: number, a: number, b: number, inner: number): void;
  sumRows(x: number, y: number, outer: number, rows: number, cols: number): void;
}

/** What the kernels need of tfjs-backend-wasm's emscripten module. */
export interface WasmModuleLike {
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

const modules: Partial<Record<'plain' | 'shared', WebAssembly.Module>> = {};
const instances = new WeakMap<WebAssembly.Memory, SimdExports>();

function isShared(memory: WebAssembly.Memory): boolean {
  return typeof SharedArrayBuffer !== 'undefined' && memory.buffer instanceof SharedArrayBuffer;
}

/** The compiled module for a plain or a shared memory (compiled once per process). */
export function simdModule(shared: boolean): WebAssembly.Module {
  const key = shared ? 'shared' : 'plain';
  modules[key] ??= new WebAssembly.Module(decode(shared ? SIMD_WASM_SHARED : SIMD_WASM) as BufferSource);
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
