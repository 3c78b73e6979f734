import * as tf from '@tensorflow/tfjs-core';
import {
  fusedContext,
  type Info,
  type KernelArgs,
  offsets,
  partCount,
  runParts,
  writeDescriptor,
} from './_fused-kernel';
import { attentionScratchFloats, windowAttentionShapes } from './_window-attention-shapes';
import { FUSED_WINDOW_ATTENTION_GRAD } from './window-attention-grad';

/**
 * Spatial window attention in one kernel (wasm SIMD), per window and head:
 * `A = softmax(scale_h Q K^T + B_h + mask_w)`, `out = A V`, heads read from and written to their channel ranges in
 * place (no head split or merge transposes).
 *
 * Inputs:
 * - `qkv` [windows, P, 3C]: the qkv Linear's output, channels [3][T][Ch] (q, k, v; head h at h Ch);
 * - `scale` [T]: 1 / beta per head;
 * - `bias` [T, P, P]: the relative position bias;
 * - `mask` [maskWindows, P, P]: added to window w's logits as mask[w mod maskWindows] (zeros for unshifted blocks;
 *   the shifted-window mask, 0 / -100, otherwise), maskWindows dividing windows.
 *
 * Attrs: `heads` T. Outputs: [out [windows, P, C], stats [windows, T, P, 2]] with stats the row maximum and the
 * reciprocal row sum of the softmax: the gradient recomputes A from them instead of keeping the T P^2 floats per
 * window of A (the composed ops keep A and the logits).
 */
export const FUSED_WINDOW_ATTENTION = 'S2CassiWindowAttention';

function windowAttention(args: KernelArgs): Info[] {
  const { backend, kernels } = fusedContext(args, FUSED_WINDOW_ATTENTION);
  const inputs = args.inputs as { qkv: Info; scale: Info; bias: Info; mask: Info };
  const { heads } = args.attrs as unknown as { heads: number };
  const shapes = windowAttentionShapes(inputs, heads, FUSED_WINDOW_ATTENTION);
  const { windows, tokens, headDim, maskWindows } = shapes;
  const out = backend.makeOutput([windows, tokens, heads * headDim], 'float32');
  const stats = backend.makeOutput([windows, heads, tokens, 2], 'float32');
  if (windows === 0 || tokens === 0 || headDim === 0) return [out, stats];
  const cost = windows * heads * tokens * tokens * headDim * 2;
  const parts = partCount(backend, windows, cost);
  const scratchFloats = attentionScratchFloats(shapes, false);
  const scratch = backend.makeOutput([parts * scratchFloats], 'float32');
  const [pqkv, pout, pstats, pbias, pmask, pscale, pscratch] = offsets(
    backend,
    [inputs.qkv, out, stats, inputs.bias, inputs.mask, inputs.scale, scratch],
    FUSED_WINDOW_ATTENTION,
  );
  const descriptor = writeDescriptor(
    backend,
    [
      pqkv,
      pout,
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
    ],
    FUSED_WINDOW_ATTENTION,
  );
  const [pdesc] = offsets(backend, [descriptor], FUSED_WINDOW_ATTENTION);
  try {
    runParts(backend, kernels, 'attnFwd', windows, cost, (w0, w1, part) => [pdesc, w0, w1, part]);
  } finally {
    backend.disposeData(scratch.dataId);
    backend.disposeData(descriptor.dataId);
  }
  return [out, stats];
}

export const windowAttentionKernel: tf.KernelConfig = {
  kernelName: FUSED_WINDOW_ATTENTION,
  backendName: 'wasm',
  kernelFunc: windowAttention as unknown as tf.KernelFunc,
};

/**
 * Gradient of {@link FUSED_WINDOW_ATTENTION}: one {@link FUSED_WINDOW_ATTENTION_GRAD} call gives qkv, scale and
 * bias; the mask is a constant (its gradient, if ever asked for, is zero).
 */
export const windowAttentionGradient: tf.GradConfig = {
  kernelName: FUSED_WINDOW_ATTENTION,
  inputsToSave: ['qkv', 'scale', 'bias', 'mask'],
  outputsToSave: [false, true],
  gradFunc: (dy, saved, attrs) => {
    const [qkv, scale, bias, mask, stats] = saved;
    const upstream = Array.isArray(dy) ? dy[0] : dy;
    const { heads } = attrs as unknown as { heads: number };
    const [dqkv, dscale, dbias] = tf
      .engine()
      .runKernel(FUSED_WINDOW_ATTENTION_GRAD, { qkv, scale, bias, mask, stats, dy: upstream }, {
        heads,
      } as unknown as tf.NamedAttrMap) as tf.Tensor[];
    return { qkv: () => dqkv, scale: () => dscale, bias: () => dbias, mask: () => tf.zerosLike(mask) };
  },
};
