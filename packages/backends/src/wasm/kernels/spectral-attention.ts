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
import { spectralAttentionShapes, spectralScratchFloats } from './_spectral-attention-shapes';
import { FUSED_SPECTRAL_ATTENTION_GRAD } from './spectral-attention-grad';

/**
 * Spectral window attention (Ch x Ch maps) in one kernel (wasm SIMD), per window and head:
 * `A = softmax(scale_h K^T Q + B_h)` over each row, `out = V A` (the paper's Eq. 9) or `V A^T` (`transpose`,
 * MST's `attn @ v`); heads read from and written to their channel ranges in place (no head split, merge or
 * scaling copies).
 *
 * Inputs:
 * - `qkv` [windows, P, 3C]: the qkv Linear's output, channels [3][T][Ch] (q, k, v; head h at h Ch);
 * - `scale` [T]: 1 / beta per head;
 * - `bias` [T, Ch, Ch]: the spectral bias.
 *
 * Attrs: `heads` T, `transpose` (boolean). Outputs: [out [windows, P, C], stats [windows, T, Ch, 2]] with stats the
 * row maximum and the reciprocal row sum of the softmax: the gradient recomputes K^T Q and A from them.
 */
export const FUSED_SPECTRAL_ATTENTION = 'S2CassiSpectralAttention';

interface SpectralAttrs {
  heads: number;
  transpose?: boolean;
}

function spectralAttention(args: KernelArgs): Info[] {
  const { backend, kernels } = fusedContext(args, FUSED_SPECTRAL_ATTENTION);
  const inputs = args.inputs as { qkv: Info; scale: Info; bias: Info };
  const { heads, transpose } = args.attrs as unknown as SpectralAttrs;
  const shapes = spectralAttentionShapes(inputs, heads, FUSED_SPECTRAL_ATTENTION);
  const { windows, tokens, headDim } = shapes;
  const out = backend.makeOutput([windows, tokens, heads * headDim], 'float32');
  const stats = backend.makeOutput([windows, heads, headDim, 2], 'float32');
  if (windows === 0 || tokens === 0 || headDim === 0) {
    if (windows > 0 && headDim > 0) {
      // no tokens: A = softmax(B), out is empty; stats of softmax(B) are never read (the gradient is zero)
      const at = offsets(backend, [stats], FUSED_SPECTRAL_ATTENTION)[0] / 4;
      backend.wasm.HEAPF32.fill(0, at, at + windows * heads * headDim * 2);
    }
    return [out, stats];
  }
  const cost = windows * heads * tokens * headDim * headDim * 2;
  const parts = partCount(backend, windows, cost);
  const scratchFloats = spectralScratchFloats(shapes);
  const scratch = backend.makeOutput([parts * scratchFloats], 'float32');
  const [pqkv, pout, pstats, pbias, pscale, pscratch] = offsets(
    backend,
    [inputs.qkv, out, stats, inputs.bias, inputs.scale, scratch],
    FUSED_SPECTRAL_ATTENTION,
  );
  const descriptor = writeDescriptor(
    backend,
    [
      pqkv,
      pout,
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
    ],
    FUSED_SPECTRAL_ATTENTION,
  );
  const [pdesc] = offsets(backend, [descriptor], FUSED_SPECTRAL_ATTENTION);
  try {
    runParts(backend, kernels, 'spectralFwd', windows, cost, (w0, w1, part) => [pdesc, w0, w1, part]);
  } finally {
    backend.disposeData(scratch.dataId);
    backend.disposeData(descriptor.dataId);
  }
  return [out, stats];
}

export const spectralAttentionKernel: tf.KernelConfig = {
  kernelName: FUSED_SPECTRAL_ATTENTION,
  backendName: 'wasm',
  kernelFunc: spectralAttention as unknown as tf.KernelFunc,
};

/** Gradient of {@link FUSED_SPECTRAL_ATTENTION}: one {@link FUSED_SPECTRAL_ATTENTION_GRAD} call gives qkv, scale and bias. */
export const spectralAttentionGradient: tf.GradConfig = {
  kernelName: FUSED_SPECTRAL_ATTENTION,
  inputsToSave: ['qkv', 'scale', 'bias'],
  outputsToSave: [false, true],
  gradFunc: (dy, saved, attrs) => {
    const [qkv, scale, bias, stats] = saved;
    const upstream = Array.isArray(dy) ? dy[0] : dy;
    const { heads, transpose } = attrs as unknown as SpectralAttrs;
    const [dqkv, dscale, dbias] = tf
      .engine()
      .runKernel(FUSED_SPECTRAL_ATTENTION_GRAD, { qkv, scale, bias, stats, dy: upstream }, {
        heads,
        transpose: transpose === true,
      } as unknown as tf.NamedAttrMap) as tf.Tensor[];
    return { qkv: () => dqkv, scale: () => dscale, bias: () => dbias };
  },
};
