import { expectPositiveInteger } from './_validate';
import {
  type ResolvedS2TransformerConfig,
  resolveS2TransformerConfig,
  type S2TransformerConfig,
} from './s2-transformer-config';

/** Parameter counts of an S2-Transformer configuration, by part. */
export interface ParameterCounts {
  /** Everything, f_h included. */
  total: number;
  /** Everything used to produce F_hat (f_h excluded). */
  reconstructionPath: number;
  /** Conv3x3 N->C. */
  embedding: number;
  /** All K * L blocks. */
  blocks: number;
  /** One block. */
  perBlock: number;
  /** The K stage convolutions. */
  stageConvolutions: number;
  /** Conv3x3 C->N. */
  head: number;
  /** f_h (LayerNorm + Conv C->N), 0 without it. */
  maskHead: number;
}

const conv = (k: number, cin: number, cout: number) => k * k * cin * cout + cout;
const linear = (cin: number, cout: number, bias = true) => cin * cout + (bias ? cout : 0);

function msaParameters(c: ResolvedS2TransformerConfig, kind: 'spa' | 'spe'): number {
  const C = c.embeddingDim;
  const T = c.heads;
  const ch = C / T;
  const table = kind === 'spa' ? (2 * c.windowSize - 1) ** 2 * T : (2 * ch - 1) * T;
  return linear(C, 3 * C) + linear(C, C) + table + T; // qkv, proj, bias table, beta
}

function blockKinds(c: ResolvedS2TransformerConfig): Array<'spa' | 'spe'> {
  switch (c.blockType) {
    case 'spa':
      return ['spa'];
    case 'spe':
      return ['spe'];
    case 'spa-spa':
      return ['spa', 'spa'];
    case 'spe-spe':
      return ['spe', 'spe'];
    case 'sequn-ss':
    case 'parall-ss':
      return ['spe', 'spa'];
  }
}

/**
 * Counts parameters analytically from the configuration (no model is built); the tests check it
 * against the variables of a built model.
 */
export function countParameters(config: S2TransformerConfig = {}): ParameterCounts {
  const c = resolveS2TransformerConfig(config);
  const C = c.embeddingDim;
  const N = c.bandCount;
  const layerNorm = 2 * C;
  let perBlock = 0;
  for (const kind of blockKinds(c)) perBlock += layerNorm + msaParameters(c, kind);
  if (c.blockType === 'parall-ss') perBlock += linear(2 * C, C, c.fuseBias);
  perBlock += layerNorm + linear(C, c.ffnRatio * C) + linear(c.ffnRatio * C, C);
  const blocks = perBlock * c.blocksPerStage * c.stageCount;
  const embedding = conv(3, N, C);
  const stageConvolutions = c.stageCount * conv(3, C, C);
  const head = conv(3, C, N);
  const maskHead =
    c.maskEncodingStage > 0 ? (c.maskHeadNorm ? layerNorm : 0) + conv(c.maskHeadKernelSize, C, N) : 0;
  const reconstructionPath = embedding + blocks + stageConvolutions + head;
  return {
    total: reconstructionPath + maskHead,
    reconstructionPath,
    embedding,
    blocks,
    perBlock,
    stageConvolutions,
    head,
    maskHead,
  };
}

/** Multiply-accumulate counts of one forward pass, by kind. */
export interface MacCounts {
  /** Everything counted below. */
  total: number;
  /** 3x3 (and f_h's) convolutions. */
  convolutions: number;
  /** Linear layers (qkv, proj, W_cat, FFN). */
  linear: number;
  /** Attention products: Q K^T and A V (spatial), K^T Q and V A (spectral). */
  attention: number;
  /** The padded size the network runs at. */
  paddedHeight: number;
  paddedWidth: number;
}

/**
 * Multiply-accumulates of one forward pass on a [1, height, width, N] input (the network runs on the
 * input padded to multiples of M). Element-wise work (LayerNorm, GELU, softmax, bias and mask adds,
 * residuals) is not counted, as in fvcore/ptflops-style counts. `includeMaskHead` (default true when
 * the model has f_h) adds f_h's convolution.
 */
export function countMacs(
  config: S2TransformerConfig,
  height: number,
  width: number,
  options: { includeMaskHead?: boolean } = {},
): MacCounts {
  const c = resolveS2TransformerConfig(config);
  expectPositiveInteger(height, 'countMacs height');
  expectPositiveInteger(width, 'countMacs width');
  const m = c.windowSize;
  const paddedHeight = Math.ceil(height / m) * m;
  const paddedWidth = Math.ceil(width / m) * m;
  const tokens = paddedHeight * paddedWidth;
  const C = c.embeddingDim;
  const N = c.bandCount;
  const ch = C / c.heads;
  const P = m * m;
  let linearPerToken = 0;
  let attentionPerToken = 0;
  for (const kind of blockKinds(c)) {
    linearPerToken += 3 * C * C + C * C;
    // per window and head: spatial 2 * P*P*Ch, spectral 2 * Ch*Ch*P; per token (sum over heads): 2*P*C, 2*Ch*C
    attentionPerToken += kind === 'spa' ? 2 * P * C : 2 * ch * C;
  }
  if (c.blockType === 'parall-ss') linearPerToken += 2 * C * C;
  linearPerToken += 2 * c.ffnRatio * C * C;
  const blockCount = c.stageCount * c.blocksPerStage;
  const includeMaskHead = (options.includeMaskHead ?? true) && c.maskEncodingStage > 0;
  const convPerToken =
    9 * N * C +
    c.stageCount * 9 * C * C +
    9 * C * N +
    (includeMaskHead ? c.maskHeadKernelSize ** 2 * C * N : 0);
  const convolutions = tokens * convPerToken;
  const linearMacs = tokens * linearPerToken * blockCount;
  const attention = tokens * attentionPerToken * blockCount;
  return {
    total: convolutions + linearMacs + attention,
    convolutions,
    linear: linearMacs,
    attention,
    paddedHeight,
    paddedWidth,
  };
}
