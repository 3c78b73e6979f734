import * as tf from '@tensorflow/tfjs-core';

/**
 * Fused kernels are a protocol between this package and a tfjs backend: when the active backend has a kernel of
 * one of these names (and its gradient is registered), the layer runs it instead of composing tf ops; every
 * other backend runs the composed ops. @s2cassi/backends registers all of them on wasm (`setupBackend('wasm')`,
 * `registerWasmKernels`). Values agree with the composed ops to float32 rounding (tests).
 *
 * - `S2CassiGelu` ({@link gelu} 'erf'): inputs {x} -> x Phi(x).
 * - `S2CassiLayerNorm` ({@link LayerNorm}): inputs {x [..., C], gamma [C], beta [C]}, attrs {epsilon} ->
 *   [y, stats [rows, 2]].
 * - `S2CassiWindowAttention` ({@link SpatialWindowMsa}): inputs {qkv [windows, P, 3C] (channels [3][T][Ch]),
 *   scale [T] (1 / beta), bias [T, P, P], mask [maskWindows, P, P]}, attrs {heads} -> [out [windows, P, C]
 *   (heads concatenated), stats [windows, T, P, 2]]: out = softmax(scale Q K^T + B + mask) V per window and head.
 * - `S2CassiSpectralAttention` ({@link SpectralWindowMsa}): inputs {qkv [windows, P, 3C] (channels [3][T][Ch]),
 *   scale [T] (1 / beta), bias [T, Ch, Ch]}, attrs {heads, transpose} -> [out [windows, P, C] (heads concatenated),
 *   stats [windows, T, Ch, 2]]: A = softmax(scale K^T Q + B) per window and head (rows over the Q channel),
 *   out = V A, or V A^T when `transpose` (the 'mst' product).
 */
export const FUSED_KERNELS = {
  gelu: 'S2CassiGelu',
  layerNorm: 'S2CassiLayerNorm',
  windowAttention: 'S2CassiWindowAttention',
  spectralAttention: 'S2CassiSpectralAttention',
} as const;
export type FusedKernel = keyof typeof FUSED_KERNELS;

const enabled: Record<FusedKernel, boolean> = {
  gelu: true,
  layerNorm: true,
  windowAttention: true,
  spectralAttention: true,
};

/**
 * Turns the use of fused kernels on or off (all: a boolean; some: an object), for comparisons and benchmarks;
 * all are on by default. Returns the previous setting.
 */
export function setFusedKernels(
  setting: boolean | Partial<Record<FusedKernel, boolean>>,
): Record<FusedKernel, boolean> {
  const previous = { ...enabled };
  for (const key of Object.keys(enabled) as FusedKernel[]) {
    const value = typeof setting === 'boolean' ? setting : setting[key];
    if (value !== undefined) enabled[key] = value;
  }
  return previous;
}

/** Whether `kind` runs fused now: enabled and a kernel of its name exists for the active backend. */
export function useFusedKernel(kind: FusedKernel): boolean {
  return enabled[kind] && tf.getKernel(FUSED_KERNELS[kind], tf.getBackend()) != null;
}
