/**
 * Node side of the `#platform` internal import (selected by the `node` condition in package.json
 * `imports`). Everything that needs Node built-ins lives here so browser bundles never see it.
 */
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { setFlagsFromString } from 'node:v8';

const require = createRequire(import.meta.url);

export const IS_NODE_PLATFORM = true;

/**
 * Registers every tfjs-core gradient config. tfjs-core's Node entry (`dist/tf-core.node.js`, CommonJS)
 * registers none, and its ESM `dist/register_all_gradients.js` cannot be loaded by Node (extension-less
 * relative imports). The `@tensorflow/tfjs` union package's CommonJS bundle carries the same configs and
 * registers them into tfjs-core's global gradient registry when it is required; it requires the very same
 * `@tensorflow/tfjs-core` CommonJS module the application imports, so there is still one engine.
 */
export function loadAllGradients(): void {
  require('@tensorflow/tfjs');
}

/** Directory (with a trailing slash) holding tfjs-backend-wasm's `.wasm` binaries. */
export function wasmBinaryDirectory(): string | undefined {
  return `${dirname(require.resolve('@tensorflow/tfjs-backend-wasm'))}/`;
}

/** True when `name` can be resolved from this package (an optional peer dependency is installed). */
export function isInstalled(name: string): boolean {
  try {
    require.resolve(name);
    return true;
  } catch {
    return false;
  }
}

/**
 * Imports an optional Node-only package. The specifier goes through a variable so bundlers do not try
 * to resolve packages that are deliberately not installed.
 */
export async function importOptional<T = unknown>(name: string): Promise<T> {
  return (await import(/* @vite-ignore */ name)) as T;
}

/**
 * Node 20 (V8 11.3) implements relaxed SIMD with the final opcodes but only behind
 * `--experimental-wasm-relaxed-simd` (V8 11.4 turned it on by default, so Node 21+ has it); V8 reads wasm feature
 * flags when it validates or compiles a module, so setting the flag at run time, before the SIMD kernels compile,
 * is enough. Returns true if it set the flag (only on Node 20; older versions had other opcodes).
 */
export function enableEngineRelaxedSimd(): boolean {
  if (Number(process.versions.node.split('.')[0]) !== 20) return false;
  setFlagsFromString('--experimental-wasm-relaxed-simd');
  return true;
}

/** `S2CASSI_RELAXED_SIMD=0` in the environment: keep the plain SIMD build (see setupBackend's `relaxedSimd`). */
export function relaxedSimdOffByEnvironment(): boolean {
  return process.env.S2CASSI_RELAXED_SIMD === '0';
}

export {
  MAX_WASM_THREADS,
  releasePthreadWorkers,
  startThreadedWasm,
  type ThreadedWasmModule,
  type ThreadedWasmOptions,
} from './_wasm-threads-node';
export { startSimdPool } from './wasm/_simd-pool-node';
