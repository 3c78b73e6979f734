import type * as tf from '@tensorflow/tfjs-core';
import {
  expectFloat32,
  fillZeros,
  fusedContext,
  type Info,
  type KernelArgs,
  offsets,
  partCount,
  runAttentionGradient,
  writeDescriptor,
} from './_fused-kernel';
import { spectralAttentionShapes, spectralScratchFloats } from './_spectral-attention-shapes';

/**
 * The gradient of S2CassiSpectralAttention (wasm SIMD). Inputs {qkv, scale, bias} as the forward kernel's,
 * `stats` [windows, T, Ch, 2] (its second output) and `dy` [windows, P, C]; attrs {heads, transpose}. Outputs
 * [dqkv [windows, P, 3C], dscale [T], dbias [T, Ch, Ch]]. Per window and head it recomputes S = K^T Q and
 * A = exp(scale S + B - max) / sum from the stats, then dA = V^T dy (V A) or dy^T V (V A^T),
 * dL = A (dA - rowsum(A dA)), dV = dy A^T (or dy A), dQ = scale K dL, dK = scale Q dL^T; dbias sums dL over
 * windows and dscale sums dL S (per-part partial sums, added at the end).
 */
export const FUSED_SPECTRAL_ATTENTION_GRAD = 'S2CassiSpectralAttentionGrad';

function spectralAttentionGrad(args: KernelArgs): Info[] {
  const { backend, kernels } = fusedContext(args, FUSED_SPECTRAL_ATTENTION_GRAD);
  const inputs = args.inputs as { qkv: Info; scale: Info; bias: Info; stats: Info; dy: Info };
  const { heads, transpose } = args.attrs as unknown as { heads: number; transpose?: boolean };
  const shapes = spectralAttentionShapes(inputs, heads, FUSED_SPECTRAL_ATTENTION_GRAD);
  const { windows, tokens, headDim } = shapes;
  expectFloat32(inputs.stats, [windows, heads, headDim, 2], 'stats', FUSED_SPECTRAL_ATTENTION_GRAD);
  expectFloat32(inputs.dy, [windows, tokens, heads * headDim], 'dy', FUSED_SPECTRAL_ATTENTION_GRAD);
  const dqkv = backend.makeOutput([...inputs.qkv.shape], 'float32');
  const dscale = backend.makeOutput([heads], 'float32');
  const dbias = backend.makeOutput([heads, headDim, headDim], 'float32');
  const biasFloats = heads * headDim * headDim;
  if (windows === 0 || tokens === 0 || headDim === 0) {
    fillZeros(
      backend,
      [
        [dscale, heads],
        [dbias, biasFloats],
      ],
      FUSED_SPECTRAL_ATTENTION_GRAD,
    );
    return [dqkv, dscale, dbias];
  }
  const cost = windows * heads * tokens * headDim * headDim * 4;
  const parts = partCount(backend, windows, cost);
  const scratchFloats = spectralScratchFloats(shapes);
  const partialFloats = biasFloats + heads;
  const scratch = backend.makeOutput([parts * scratchFloats], 'float32');
  const partial = backend.makeOutput([parts, partialFloats], 'float32');
  const [pqkv, pdy, pstats, pbias, pscale, pscratch, pdqkv, ppartial] = offsets(
    backend,
    [inputs.qkv, inputs.dy, inputs.stats, inputs.bias, inputs.scale, scratch, dqkv, partial],
    FUSED_SPECTRAL_ATTENTION_GRAD,
  );
  const descriptor = writeDescriptor(
    backend,
    [
      pqkv,
      pdy,
      pstats,
      pbias,
      transpose ? 1 : 0,
      pscale,
      heads,
      tokens,
      headDim,
      0,
      pscratch,
      scratchFloats * 4,
      pdqkv,
      ppartial,
      partialFloats * 4,
    ],
    FUSED_SPECTRAL_ATTENTION_GRAD,
  );
  runAttentionGradient(backend, kernels, 'spectralBwd', FUSED_SPECTRAL_ATTENTION_GRAD, {
    windows,
    cost,
    descriptor,
    scratch,
    partial,
    dbias,
    biasFloats,
    dscale,
    heads,
  });
  return [dqkv, dscale, dbias];
}

export const spectralAttentionGradKernel: tf.KernelConfig = {
  kernelName: FUSED_SPECTRAL_ATTENTION_GRAD,
  backendName: 'wasm',
  kernelFunc: spectralAttentionGrad as unknown as tf.KernelFunc,
};
