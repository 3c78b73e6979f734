import { expectFloat32, type Info } from './_fused-kernel';

export interface SpectralAttentionShapes {
  windows: number;
  tokens: number;
  heads: number;
  headDim: number;
}

/** Checks the inputs of the spectral forward and backward kernels and returns their sizes. */
export function spectralAttentionShapes(
  inputs: { qkv: Info; scale: Info; bias: Info },
  heads: number,
  kernel: string,
): SpectralAttentionShapes {
  const { qkv, scale, bias } = inputs;
  expectFloat32(qkv, [undefined, undefined, undefined], 'qkv [windows, P, 3C]', kernel);
  const [windows, tokens, channels3] = qkv.shape;
  if (!Number.isInteger(heads) || heads < 1 || channels3 % (3 * heads) !== 0) {
    throw new Error(`${kernel}: qkv's last axis (${channels3}) must be 3 x heads (${heads}) x headDim`);
  }
  const headDim = channels3 / (3 * heads);
  expectFloat32(scale, [heads], 'scale', kernel);
  expectFloat32(bias, [heads, headDim, headDim], 'bias', kernel);
  return { windows, tokens, heads, headDim };
}

/** Scratch floats per part: S = K^T Q, A, dA (then dS) and one transposed Ch x Ch matrix. */
export function spectralScratchFloats(shapes: SpectralAttentionShapes): number {
  return 4 * shapes.headDim * shapes.headDim;
}
