import type * as tf from '@tensorflow/tfjs-core';
import { registerFused, unregisterFused } from './_fused-kernel';
import { layerNormGradient, layerNormKernel } from './layer-norm';
import { layerNormGradKernel } from './layer-norm-grad';
import { spectralAttentionGradient, spectralAttentionKernel } from './spectral-attention';
import { spectralAttentionGradKernel } from './spectral-attention-grad';
import { windowAttentionGradient, windowAttentionKernel } from './window-attention';
import { windowAttentionGradKernel } from './window-attention-grad';

const KERNELS: tf.KernelConfig[] = [
  layerNormKernel,
  layerNormGradKernel,
  windowAttentionKernel,
  windowAttentionGradKernel,
  spectralAttentionKernel,
  spectralAttentionGradKernel,
];
const GRADIENTS: tf.GradConfig[] = [layerNormGradient, windowAttentionGradient, spectralAttentionGradient];

/** Names of the fused wasm kernels of this folder (with their gradient kernels). */
export const FUSED_WASM_KERNELS: readonly string[] = KERNELS.map((k) => k.kernelName);

/** Registers the fused wasm kernels and their gradients (idempotent). */
export function registerFusedWasmKernels(): void {
  registerFused(KERNELS, GRADIENTS);
}

/** Removes the fused wasm kernels (their gradient configs stay; without the kernels nothing runs them). */
export function unregisterFusedWasmKernels(): void {
  unregisterFused(KERNELS);
}
