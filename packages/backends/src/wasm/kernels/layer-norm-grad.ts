import * as tf from '@tensorflow/tfjs-core';
import {
  expectFloat32,
  fillZeros,
  fusedContext,
  type Info,
  type KernelArgs,
  offsets,
  partCount,
  reducePartials,
  runParts,
} from './_fused-kernel';

/**
 * The gradient of S2CassiLayerNorm in one pass per row (wasm SIMD). Inputs {x [..., C], gamma [C], stats [rows, 2]
 * (the forward kernel's second output), dy (the shape of x)}; outputs [dx, dgamma [C], dbeta [C]] with
 * xhat = (x - mean) rstd, dx = rstd (dy gamma - mean(dy gamma) - xhat mean(dy gamma xhat)), dgamma = sum over rows
 * of dy xhat, dbeta = sum of dy (per-part partial sums, added at the end).
 */
export const FUSED_LAYER_NORM_GRAD = 'S2CassiLayerNormGrad';

function layerNormGrad(args: KernelArgs): Info[] {
  const { backend, kernels } = fusedContext(args, FUSED_LAYER_NORM_GRAD);
  const { x, gamma, stats, dy } = args.inputs as { x: Info; gamma: Info; stats: Info; dy: Info };
  if (x == null || x.shape.length < 1) throw new Error(`${FUSED_LAYER_NORM_GRAD}: expected x [..., C]`);
  const cols = x.shape[x.shape.length - 1];
  const rows = cols === 0 ? 0 : tf.util.sizeFromShape(x.shape) / cols;
  expectFloat32(x, x.shape, 'x', FUSED_LAYER_NORM_GRAD);
  expectFloat32(gamma, [cols], 'gamma', FUSED_LAYER_NORM_GRAD);
  expectFloat32(stats, [rows, 2], 'stats', FUSED_LAYER_NORM_GRAD);
  expectFloat32(dy, x.shape, 'dy', FUSED_LAYER_NORM_GRAD);
  const dx = backend.makeOutput([...x.shape], 'float32');
  const dgamma = backend.makeOutput([cols], 'float32');
  const dbeta = backend.makeOutput([cols], 'float32');
  if (cols === 0) return [dx, dgamma, dbeta];
  if (rows === 0) {
    fillZeros(
      backend,
      [
        [dgamma, cols],
        [dbeta, cols],
      ],
      FUSED_LAYER_NORM_GRAD,
    );
    return [dx, dgamma, dbeta];
  }
  const parts = partCount(backend, rows, rows * cols);
  const partial = backend.makeOutput([parts, 2 * cols], 'float32');
  const [px, pg, ps, pdy, pdx, pp] = offsets(
    backend,
    [x, gamma, stats, dy, dx, partial],
    FUSED_LAYER_NORM_GRAD,
  );
  const used = runParts(backend, kernels, 'layerNormGrad', rows, rows * cols, (r0, r1, part) => [
    px + r0 * cols * 4,
    pg,
    ps + r0 * 8,
    pdy + r0 * cols * 4,
    pdx + r0 * cols * 4,
    pp + part * 2 * cols * 4,
    r1 - r0,
    cols,
  ]);
  reducePartials(
    backend,
    kernels,
    partial,
    used,
    2 * cols,
    [
      [dgamma, 0, cols],
      [dbeta, cols, cols],
    ],
    FUSED_LAYER_NORM_GRAD,
  );
  backend.disposeData(partial.dataId);
  return [dx, dgamma, dbeta];
}

export const layerNormGradKernel: tf.KernelConfig = {
  kernelName: FUSED_LAYER_NORM_GRAD,
  backendName: 'wasm',
  kernelFunc: layerNormGrad as unknown as tf.KernelFunc,
};
