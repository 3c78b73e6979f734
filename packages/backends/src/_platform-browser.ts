/**
 * Browser (and any non-Node bundler target) side of the `#platform` internal import. Bundlers resolve
 * tfjs-core to its ESM build (`module` field), where `dist/register_all_gradients` is an ordinary module
 * that registers every gradient config into the same global registry.
 */
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import type { ThreadedWasmModule, ThreadedWasmOptions } from './_wasm-threads-node';
// Types only (erased): the Node loader's signatures, so setup-backend type-checks against either file.
import type { SimdPool } from './wasm/_simd-module';

export type { ThreadedWasmModule, ThreadedWasmOptions };

export const IS_NODE_PLATFORM = false;

/** The gradient configs were registered by the side-effect import above. */
export function loadAllGradients(): void {}

/** Browsers fetch the `.wasm` files by URL: the caller passes `wasmPaths`. */
export function wasmBinaryDirectory(): string | undefined {
  return undefined;
}

export function isInstalled(_name: string): boolean {
  return false;
}

export async function importOptional<T = unknown>(name: string): Promise<T> {
  throw new Error(`'${name}' can only be loaded in Node; this is a browser build of @s2cassi/backends`);
}

/** Browsers decide relaxed SIMD themselves (current Chromium, Firefox and Safari have it). */
export function enableEngineRelaxedSimd(): boolean {
  return false;
}

export function relaxedSimdOffByEnvironment(): boolean {
  return false;
}

/** Same cap as tfjs-backend-wasm's pthread pool; browsers go through tfjs's own `setThreadsCount`. */
export const MAX_WASM_THREADS = 8;

export async function startThreadedWasm(_options: ThreadedWasmOptions): Promise<ThreadedWasmModule> {
  throw new Error("the Node threaded-wasm loader is Node only; browsers use tfjs's own threaded build");
}

export function releasePthreadWorkers(_module: ThreadedWasmModule): number {
  return 0;
}

/** Browsers cannot block their main thread on Atomics.wait; SIMD kernels stay single-threaded there. */
export async function startSimdPool(_memory: WebAssembly.Memory, _threads: number): Promise<SimdPool> {
  throw new Error('the SIMD worker pool is Node only');
}
