import * as tf from '@tensorflow/tfjs-core';
import {
  expectFloat32,
  float32Bits,
  fusedContext,
  type Info,
  type KernelArgs,
  offsets,
  runParts,
} from './_fused-kernel';
import { FUSED_LAYER_NORM_GRAD } from './layer-norm-grad';

/**
 * LayerNorm over the last axis in one pass per row (wasm SIMD): y = (x - mean) / sqrt(var + epsilon) * gamma +
 * beta, biased variance. Inputs {x [..., C], gamma [C], beta [C]}, attrs {epsilon}; outputs [y (the shape of x),
 * stats [rows, 2] (mean and 1 / sqrt(var + epsilon) per row)]. The composed form runs nine kernels forward and
 * keeps four [rows, C] intermediates for the gradient; this kernel keeps x and the 2 floats of stats per row.
 * A protocol with @s2cassi/s2-attn, whose LayerNorm runs a kernel of this name when the backend has one.
 */
export const FUSED_LAYER_NORM = 'S2CassiLayerNorm';

function layerNorm(args: KernelArgs): Info[] {
  const { backend, kernels } = fusedContext(args, FUSED_LAYER_NORM);
  const { x, gamma, beta } = args.inputs as { x: Info; gamma: Info; beta: Info };
  const { epsilon } = args.attrs as unknown as { epsilon: number };
  if (x == null || x.shape.length < 1) throw new Error(`${FUSED_LAYER_NORM}: expected x [..., C]`);
  const cols = x.shape[x.shape.length - 1];
  expectFloat32(x, x.shape, 'x', FUSED_LAYER_NORM);
  expectFloat32(gamma, [cols], 'gamma', FUSED_LAYER_NORM);
  expectFloat32(beta, [cols], 'beta', FUSED_LAYER_NORM);
  if (!Number.isFinite(epsilon) || epsilon < 0) {
    throw new Error(`${FUSED_LAYER_NORM}: expected a finite epsilon >= 0, got ${epsilon}`);
  }
  const rows = cols === 0 ? 0 : tf.util.sizeFromShape(x.shape) / cols;
  const y = backend.makeOutput([...x.shape], 'float32');
  const stats = backend.makeOutput([rows, 2], 'float32');
  if (rows === 0 || cols === 0) return [y, stats];
  const [px, pg, pb, py, ps] = offsets(backend, [x, gamma, beta, y, stats], FUSED_LAYER_NORM);
  const bits = float32Bits(epsilon);
  runParts(backend, kernels, 'layerNorm', rows, rows * cols, (r0, r1) => [
    px + r0 * cols * 4,
    pg,
    pb,
    py + r0 * cols * 4,
    ps + r0 * 8,
    r1 - r0,
    cols,
    bits,
  ]);
  return [y, stats];
}

export const layerNormKernel: tf.KernelConfig = {
  kernelName: FUSED_LAYER_NORM,
  backendName: 'wasm',
  kernelFunc: layerNorm as unknown as tf.KernelFunc,
};

/** Gradient of {@link FUSED_LAYER_NORM}: one {@link FUSED_LAYER_NORM_GRAD} call for x, gamma and beta. */
export const layerNormGradient: tf.GradConfig = {
  kernelName: FUSED_LAYER_NORM,
  inputsToSave: ['x', 'gamma'],
  outputsToSave: [false, true],
  gradFunc: (dy, saved) => {
    const [x, gamma, stats] = saved;
    const upstream = Array.isArray(dy) ? dy[0] : dy;
    const [dx, dgamma, dbeta] = tf
      .engine()
      .runKernel(FUSED_LAYER_NORM_GRAD, { x, gamma, stats, dy: upstream }, {}) as tf.Tensor[];
    return { x: () => dx, gamma: () => dgamma, beta: () => dbeta };
  },
};
