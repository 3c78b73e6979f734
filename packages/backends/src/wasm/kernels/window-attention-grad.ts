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
import { attentionScratchFloats, windowAttentionShapes } from './_window-attention-shapes';

/**
 * The gradient of S2CassiWindowAttention (wasm SIMD). Inputs {qkv, scale, bias, mask} as the forward kernel's,
 * `stats` [windows, T, P, 2] (its second output) and `dy` [windows, P, C]; attrs {heads}. Outputs
 * [dqkv [windows, P, 3C], dscale [T], dbias [T, P, P]]. Per window and head it recomputes S = Q K^T and
 * A = exp(scale S + B + mask - max) / sum from the stats, then dV = A^T dy, dA = dy V^T,
 * dL = A (dA - rowsum(A dA)), dQ = scale dL K, dK = scale dL^T Q; dbias sums dL over windows and dscale sums
 * dL S (per-part partial sums, added at the end).
 */
export const FUSED_WINDOW_ATTENTION_GRAD = 'S2CassiWindowAttentionGrad';

function windowAttentionGrad(args: KernelArgs): Info[] {
  const { backend, kernels } = fusedContext(args, FUSED_WINDOW_ATTENTION_GRAD);
  const inputs = args.inputs as { qkv: Info; scale: Info; bias: Info; mask: Info; stats: Info; dy: Info };
  const { heads } = args.attrs as unknown as { heads: number };
  const shapes = windowAttentionShapes(inputs, heads, FUSED_WINDOW_ATTENTION_GRAD);
  const { windows, tokens, headDim, maskWindows } = shapes;
  expectFloat32(inputs.stats, [windows, heads, tokens, 2], 'stats', FUSED_WINDOW_ATTENTION_GRAD);
  expectFloat32(inputs.dy, [windows, tokens, heads * headDim], 'dy', FUSED_WINDOW_ATTENTION_GRAD);
  const dqkv = backend.makeOutput([...inputs.qkv.shape], 'float32');
  const dscale = backend.makeOutput([heads], 'float32');
  const dbias = backend.makeOutput([heads, tokens, tokens], 'float32');
  const biasFloats = heads * tokens * tokens;
  if (windows === 0 || tokens === 0 || headDim === 0) {
    fillZeros(
      backend,
      [
        [dscale, heads],
        [dbias, biasFloats],
      ],
      FUSED_WINDOW_ATTENTION_GRAD,
    );
    return [dqkv, dscale, dbias];
  }
  const cost = windows * heads * tokens * tokens * headDim * 4;
  const parts = partCount(backend, windows, cost);
  const scratchFloats = attentionScratchFloats(shapes, true);
  const partialFloats = biasFloats + heads;
  const scratch = backend.makeOutput([parts * scratchFloats], 'float32');
  const partial = backend.makeOutput([parts, partialFloats], 'float32');
  const [pqkv, pdy, pstats, pbias, pmask, pscale, pscratch, pdqkv, ppartial] = offsets(
    backend,
    [inputs.qkv, inputs.dy, inputs.stats, inputs.bias, inputs.mask, inputs.scale, scratch, dqkv, partial],
    FUSED_WINDOW_ATTENTION_GRAD,
  );
  const descriptor = writeDescriptor(
    backend,
    [
      pqkv,
      pdy,
      pstats,
      pbias,
      pmask,
      pscale,
      heads,
      tokens,
      headDim,
      maskWindows,
      pscratch,
      scratchFloats * 4,
      pdqkv,
      ppartial,
      partialFloats * 4,
    ],
    FUSED_WINDOW_ATTENTION_GRAD,
  );
  runAttentionGradient(backend, kernels, 'attnBwd', FUSED_WINDOW_ATTENTION_GRAD, {
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

export const windowAttentionGradKernel: tf.KernelConfig = {
  kernelName: FUSED_WINDOW_ATTENTION_GRAD,
  backendName: 'wasm',
  kernelFunc: windowAttentionGrad as unknown as tf.KernelFunc,
};
