import * as tf from '@tensorflow/tfjs-core';

/**
 * Kernels that replace one of tfjs-backend-wasm's own and hand the cases they do not cover back to it: the
 * original kernel configs, kept when a replacement is registered (its setup function, which binds tfjs's C
 * function when the backend initialises, stays on the replacement).
 */
const originals = new Map<string, tf.KernelConfig>();

/** Runs tfjs-backend-wasm's own kernel `name` (the one a replacement took the place of). */
export function fallback(name: string, args: Parameters<tf.KernelFunc>[0]): tf.TensorInfo {
  const original = originals.get(name);
  if (original == null) throw new Error(`wasm ${name}: the original kernel is not registered`);
  return original.kernelFunc(args) as tf.TensorInfo;
}

/** Whether tfjs-backend-wasm's own `name` was kept (a replacement for it was registered). */
export function hasOriginal(name: string): boolean {
  return originals.has(name);
}

/**
 * Registers `configs` for wasm in place of the kernels of the same names, keeping the originals (and their setup
 * functions) for {@link fallback} (idempotent). `caller` names the public function in the error thrown when
 * tfjs-backend-wasm has no such kernel.
 */
export function replaceKernels(configs: readonly tf.KernelConfig[], caller: string): void {
  for (const { kernelName: name, kernelFunc } of configs) {
    const current = tf.getKernel(name, 'wasm');
    if (current == null) {
      throw new Error(
        `${caller}: the wasm backend has no ${name} kernel (import @tensorflow/tfjs-backend-wasm first)`,
      );
    }
    if (current.kernelFunc === kernelFunc) continue;
    originals.set(name, current);
    tf.unregisterKernel(name, 'wasm');
    tf.registerKernel({ kernelName: name, backendName: 'wasm', kernelFunc, setupFunc: current.setupFunc });
  }
}

/** Puts tfjs-backend-wasm's own kernels back where `configs` are the registered ones. */
export function restoreKernels(configs: readonly tf.KernelConfig[]): void {
  for (const { kernelName: name, kernelFunc } of configs) {
    const original = originals.get(name);
    if (tf.getKernel(name, 'wasm')?.kernelFunc !== kernelFunc || original == null) continue;
    tf.unregisterKernel(name, 'wasm');
    tf.registerKernel(original);
  }
}

/** Dtypes the copying kernels (Transpose, Slice, SplitV, Concat) move as 4-byte words. */
export const FOUR_BYTE: ReadonlySet<tf.DataType> = new Set<tf.DataType>(['float32', 'int32']);

/** Smaller tensors stay on one thread where a worker pool exists (waking a worker costs ~10-50 us). */
export const PARALLEL_MIN_ELEMENTS = 1 << 16;
