import * as tf from '@tensorflow/tfjs-core';
import { registerFused, unregisterFused } from './kernels/_fused-kernel';
import { replaceKernels, restoreKernels } from './kernels/_replaced-kernel';
import { registerWasmMatmul } from './kernels/batch-mat-mul';
import { concatKernel } from './kernels/concat';
import { conv2DBackpropFilterKernel } from './kernels/conv2d-backprop-filter';
import { conv2DBackpropInputKernel } from './kernels/conv2d-backprop-input';
import { depthwiseConv2dNativeBackpropFilterKernel } from './kernels/depthwise-conv2d-native-backprop-filter';
import { depthwiseConv2dNativeBackpropInputKernel } from './kernels/depthwise-conv2d-native-backprop-input';
import { erfKernel } from './kernels/erf';
import { expKernel } from './kernels/exp';
import { fusedMatMulKernel } from './kernels/fused-mat-mul';
import { geluGradient, geluKernel } from './kernels/gelu';
import { geluGradKernel } from './kernels/gelu-grad';
import { identityKernel } from './kernels/identity';
import { layerNormGradient, layerNormKernel } from './kernels/layer-norm';
import { layerNormGradKernel } from './kernels/layer-norm-grad';
import { sliceKernel } from './kernels/slice';
import { spectralAttentionGradient, spectralAttentionKernel } from './kernels/spectral-attention';
import { spectralAttentionGradKernel } from './kernels/spectral-attention-grad';
import { splitVKernel } from './kernels/split-v';
import { sumKernel } from './kernels/sum';
import { transposeKernel } from './kernels/transpose';
import { unsortedSegmentSumKernel } from './kernels/unsorted-segment-sum';
import { windowAttentionGradient, windowAttentionKernel } from './kernels/window-attention';
import { windowAttentionGradKernel } from './kernels/window-attention-grad';

/**
 * Kernels training needs that tfjs-backend-wasm 4.22 lacks (the conv and depthwise gradients, UnsortedSegmentSum),
 * and two of its kernels replaced outright (its naive Conv2DBackpropInput loop, its copying Identity). Registered
 * whether or not tfjs-backend-wasm is imported.
 */
const TRAINING_KERNELS: tf.KernelConfig[] = [
  conv2DBackpropFilterKernel,
  conv2DBackpropInputKernel,
  depthwiseConv2dNativeBackpropFilterKernel,
  depthwiseConv2dNativeBackpropInputKernel,
  unsortedSegmentSumKernel,
  identityKernel,
];

/** Faster versions of tfjs-backend-wasm's own kernels, each handing the cases it does not cover to the original. */
const SIMD_KERNELS: tf.KernelConfig[] = [
  erfKernel,
  expKernel,
  transposeKernel,
  sumKernel,
  sliceKernel,
  splitVKernel,
  concatKernel,
  fusedMatMulKernel,
];

/** This package's fused kernels (a protocol with @s2cassi/s2-attn, which asks for them by name) and their gradients. */
const FUSED_KERNELS: tf.KernelConfig[] = [
  geluKernel,
  geluGradKernel,
  layerNormKernel,
  layerNormGradKernel,
  windowAttentionKernel,
  windowAttentionGradKernel,
  spectralAttentionKernel,
  spectralAttentionGradKernel,
];
const FUSED_GRADIENTS: tf.GradConfig[] = [
  geluGradient,
  layerNormGradient,
  windowAttentionGradient,
  spectralAttentionGradient,
];

/** Names of the kernels {@link registerWasmKernels} adds or replaces whether or not tfjs-backend-wasm is imported. */
export const WASM_TRAINING_KERNELS: readonly string[] = TRAINING_KERNELS.map((k) => k.kernelName);
/** Names of tfjs-backend-wasm's kernels that {@link registerWasmKernels} replaces with faster SIMD ones. */
export const WASM_SIMD_KERNELS: readonly string[] = SIMD_KERNELS.map((k) => k.kernelName);
/** Names of the fused kernels {@link registerWasmKernels} adds (with the gradients of the forward ones). */
export const WASM_FUSED_KERNELS: readonly string[] = FUSED_KERNELS.map((k) => k.kernelName);

/**
 * Registers every wasm kernel of this package, for backend `'wasm'`: the training kernels tfjs-backend-wasm 4.22
 * lacks (Conv2DBackpropFilter, DepthwiseConv2dNativeBackpropFilter/Input, UnsortedSegmentSum), its slow
 * Conv2DBackpropInput and copying Identity replaced, and, once `@tensorflow/tfjs-backend-wasm` is imported, its
 * BatchMatMul, _FusedMatMul, Erf, Exp, Transpose, Sum, Slice, SplitV and Concat replaced with faster SIMD ones plus this package's
 * fused kernels (exact GELU, LayerNorm, spatial and spectral window attention, each with its gradient). The
 * training kernels are composed from wasm kernels (Conv2D, DepthwiseConv2dNative, Transpose, Reverse, PadV2, Slice,
 * Sum, Reshape); the others run the WebAssembly SIMD module of this package in tfjs's own memory.
 *
 * Idempotent; can run before or after the wasm backend is initialised, but after `@tensorflow/tfjs-backend-wasm`
 * is imported. `setupBackend('wasm')` calls it.
 */
export function registerWasmKernels(): void {
  for (const config of TRAINING_KERNELS) {
    const current = tf.getKernel(config.kernelName, 'wasm');
    if (current?.kernelFunc === config.kernelFunc) continue;
    if (current != null) tf.unregisterKernel(config.kernelName, 'wasm');
    tf.registerKernel(config);
  }
  if (tf.getKernel(tf.BatchMatMul, 'wasm') != null) registerWasmMatmul();
  if (tf.getKernel(tf.Erf, 'wasm') != null) registerSimdKernels();
}

/**
 * @deprecated Use {@link registerWasmKernels}, which it calls: it always registered the inference kernels too.
 */
export function registerWasmTrainingKernels(): void {
  registerWasmKernels();
}

/**
 * Replaces tfjs-backend-wasm's Erf, Exp, Transpose, Sum, Slice, SplitV, Concat and _FusedMatMul with the SIMD ones and adds the
 * fused kernels with their gradients (idempotent). {@link registerWasmKernels} calls it once tfjs-backend-wasm is
 * imported; exported for tests (not by the package).
 */
export function registerSimdKernels(): void {
  replaceKernels(SIMD_KERNELS, 'registerWasmKernels');
  registerFused(FUSED_KERNELS, FUSED_GRADIENTS);
}

/**
 * Puts tfjs-backend-wasm's own Erf, Exp, Transpose, Sum, Slice, SplitV, Concat and _FusedMatMul back and removes the fused
 * kernels (their gradient configs stay; without the kernels nothing runs them). For comparisons, e.g. libm's erf to
 * the last bit; exported for tests and benchmarks (not by the package). {@link registerSimdKernels} undoes it.
 */
export function unregisterSimdKernels(): void {
  restoreKernels(SIMD_KERNELS);
  unregisterFused(FUSED_KERNELS);
}
