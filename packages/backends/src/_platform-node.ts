/**
 * Node side of the `#platform` internal import (selected by the `node` condition in package.json
 * `imports`). Everything that needs Node built-ins lives here so browser bundles never see it.
 */
import { createRequire } from 'node:module';
import { dirname } from 'node:path';

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

export {
  MAX_WASM_THREADS,
  releasePthreadWorkers,
  startThreadedWasm,
  type ThreadedWasmModule,
  type ThreadedWasmOptions,
} from './_wasm-threads-node';
export { startSimdPool } from './wasm/_simd-pool-node';
