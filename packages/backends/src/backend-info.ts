import * as tf from '@tensorflow/tfjs-core';
import { gradientsRegistered } from './register-gradients';
import { relaxedSimdSupported } from './wasm/_simd-module';

/** A snapshot of the active tfjs backend. */
export interface BackendInfo {
  /** Active backend name ('wasm', 'cpu', 'webgpu', 'tensorflow'), or undefined before one is set. */
  name: string | undefined;
  /** wasm threads in use (1 for single-threaded wasm); undefined for other backends. */
  threads: number | undefined;
  /**
   * wasm: whether this package's SIMD kernels run their relaxed-SIMD build (fused multiply-add in the matrix
   * kernels; Node 21+ and current browsers, Node 20 once setupBackend turned on its V8 flag); undefined for other
   * backends.
   */
  relaxedSimd: boolean | undefined;
  /** Whether tfjs gradient configs are registered (tf.grad works). */
  gradientsRegistered: boolean;
  /** tf.memory(): numTensors, numDataBuffers, numBytes (and backend-specific fields). */
  memory: tf.MemoryInfo;
}

/** Describes the active backend. Never initialises a backend itself. */
export function backendInfo(): BackendInfo {
  const engine = tf.engine() as unknown as { backendName: string | null };
  const name = engine.backendName ?? undefined;
  let threads: number | undefined;
  let relaxedSimd: boolean | undefined;
  if (name === 'wasm') {
    relaxedSimd = relaxedSimdSupported();
    const backend = tf.backend() as unknown as { wasm?: { tfjs?: { getThreadsCount?: () => number } } };
    threads = backend.wasm?.tfjs?.getThreadsCount?.() ?? 1;
  }
  return { name, threads, relaxedSimd, gradientsRegistered: gradientsRegistered(), memory: tf.memory() };
}
