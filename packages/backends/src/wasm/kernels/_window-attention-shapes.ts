import { expectFloat32, type Info } from './_fused-kernel';

export interface WindowAttentionShapes {
  windows: number;
  tokens: number;
  heads: number;
  headDim: number;
  maskWindows: number;
}

/** Checks the inputs of the forward and backward kernels and returns their sizes. */
export function windowAttentionShapes(
  inputs: { qkv: Info; scale: Info; bias: Info; mask: Info },
  heads: number,
  kernel: string,
): WindowAttentionShapes {
  const { qkv, scale, bias, mask } = inputs;
  expectFloat32(qkv, [undefined, undefined, undefined], 'qkv [windows, P, 3C]', kernel);
  const [windows, tokens, channels3] = qkv.shape;
  if (!Number.isInteger(heads) || heads < 1 || channels3 % (3 * heads) !== 0) {
    throw new Error(`${kernel}: qkv's last axis (${channels3}) must be 3 x heads (${heads}) x headDim`);
  }
  expectFloat32(scale, [heads], 'scale', kernel);
  expectFloat32(bias, [heads, tokens, tokens], 'bias', kernel);
  expectFloat32(mask, [undefined, tokens, tokens], 'mask', kernel);
  const maskWindows = mask.shape[0];
  if (maskWindows < 1 || windows % maskWindows !== 0) {
    throw new Error(`${kernel}: the mask's ${maskWindows} windows must divide the ${windows} windows`);
  }
  return { windows, tokens, heads, headDim: channels3 / (3 * heads), maskWindows };
}

/** Scratch floats per part: forward S [P, P] + K^T [Ch, P]; backward also dA [P, P] and one row. */
export function attentionScratchFloats(shapes: WindowAttentionShapes, backward: boolean): number {
  const { tokens: p, headDim: ch } = shapes;
  return backward ? 2 * p * p + p * ch + p : p * p + p * ch;
}
