import {
  expectFinite,
  expectNonNegativeInteger,
  expectOneOf,
  expectPositiveInteger,
  S2AttnInputError,
} from './_validate';
import { BLOCK_TYPES, type BlockType } from './s2-attn-block';
import type { SpectralProduct } from './spectral-window-msa';

/** How inputs are padded bottom/right to a multiple of M: 'reflect' (default, the authors' code) or 'symmetric'. */
export type PadMode = 'reflect' | 'symmetric';

/**
 * Hyper-parameters of the S2-Transformer. Every field is optional in {@link S2TransformerConfig};
 * {@link resolveS2TransformerConfig} fills the defaults (paper Sec. 4.1 / spec section 2) and is what
 * the weight files store.
 */
export interface ResolvedS2TransformerConfig {
  /** N, spectral bands of the input Y0 and of the output (28). */
  bandCount: number;
  /** C, embedding channels (60). */
  embeddingDim: number;
  /** K, stages (4). */
  stageCount: number;
  /** L, S2-attn blocks per stage (6). */
  blocksPerStage: number;
  /** T, attention heads; C must be divisible by T (6, so Ch = 10). */
  heads: number;
  /** M, window side (8). Odd-numbered blocks (1, 3, 5, ... zero-based within a stage) shift by floor(M/2). */
  windowSize: number;
  /** FFN hidden ratio (4). */
  ffnRatio: number;
  /** Block type (paper Table 5): 'parall-ss' (default), 'sequn-ss', 'spa-spa', 'spe-spe', 'spa', 'spe'. */
  blockType: BlockType;
  /**
   * k_ME: the mask-encoding head f_h reads the output of stage k_ME (1-based, 1..K, default 2);
   * 0 = no f_h (and no parameters for it).
   */
  maskEncodingStage: number;
  /** f_h's convolution kernel (3, the paper's CONV; 1 = the authors' 1x1 `RSTB_pin`). */
  maskHeadKernelSize: 1 | 3;
  /** f_h starts with a LayerNorm (paper: "LN-CONV", default true; the authors' code: false). */
  maskHeadNorm: boolean;
  /** Shift odd-numbered blocks by floor(M/2) (Swin; default true). */
  shiftOddBlocks: boolean;
  /** GELU: 'erf' (exact, default) or 'tanh'. */
  gelu: 'erf' | 'tanh';
  /** GELU after the FFN's second Linear (paper: true; the authors' code: false). */
  ffnOutputGelu: boolean;
  /** Spectral attention product: 'paper' (Z = V A, default) or 'mst' (Z = V A^T). */
  spectralProduct: SpectralProduct;
  /** Bias in Parall-SS's W_cat (default false, like the authors' `chl_reduce`). */
  fuseBias: boolean;
  /** LayerNorm epsilon (1e-5). */
  layerNormEpsilon: number;
  /** Shifted-window mask value between regions (-100). */
  maskValue: number;
  /** Padding to a multiple of M: 'reflect' (default) or 'symmetric'. */
  padMode: PadMode;
  /** Initialisation seed (weights are a deterministic function of the config). */
  seed: number;
}

export type S2TransformerConfig = Partial<ResolvedS2TransformerConfig>;

export const DEFAULT_S2_TRANSFORMER_CONFIG: Readonly<ResolvedS2TransformerConfig> = Object.freeze({
  bandCount: 28,
  embeddingDim: 60,
  stageCount: 4,
  blocksPerStage: 6,
  heads: 6,
  windowSize: 8,
  ffnRatio: 4,
  blockType: 'parall-ss',
  maskEncodingStage: 2,
  maskHeadKernelSize: 3,
  maskHeadNorm: true,
  shiftOddBlocks: true,
  gelu: 'erf',
  ffnOutputGelu: true,
  spectralProduct: 'paper',
  fuseBias: false,
  layerNormEpsilon: 1e-5,
  maskValue: -100,
  padMode: 'reflect',
  seed: 1,
});

const KNOWN_KEYS = new Set(Object.keys(DEFAULT_S2_TRANSFORMER_CONFIG));

/** Fills defaults and validates every field; unknown keys are an error (typos would otherwise be silent). */
export function resolveS2TransformerConfig(config: S2TransformerConfig = {}): ResolvedS2TransformerConfig {
  if (config === null || typeof config !== 'object') {
    throw new S2AttnInputError(
      `S2Transformer config: expected an object, got ${config === null ? 'null' : typeof config}`,
    );
  }
  for (const key of Object.keys(config)) {
    if (!KNOWN_KEYS.has(key)) {
      throw new S2AttnInputError(
        `S2Transformer config: unknown option '${key}' (known: ${[...KNOWN_KEYS].join(', ')})`,
      );
    }
  }
  const c = { ...DEFAULT_S2_TRANSFORMER_CONFIG, ...config };
  const resolved: ResolvedS2TransformerConfig = {
    bandCount: expectPositiveInteger(c.bandCount, 'S2Transformer bandCount'),
    embeddingDim: expectPositiveInteger(c.embeddingDim, 'S2Transformer embeddingDim'),
    stageCount: expectPositiveInteger(c.stageCount, 'S2Transformer stageCount'),
    blocksPerStage: expectPositiveInteger(c.blocksPerStage, 'S2Transformer blocksPerStage'),
    heads: expectPositiveInteger(c.heads, 'S2Transformer heads'),
    windowSize: expectPositiveInteger(c.windowSize, 'S2Transformer windowSize'),
    ffnRatio: expectPositiveInteger(c.ffnRatio, 'S2Transformer ffnRatio'),
    blockType: expectOneOf(c.blockType, BLOCK_TYPES, 'S2Transformer blockType'),
    maskEncodingStage: expectNonNegativeInteger(c.maskEncodingStage, 'S2Transformer maskEncodingStage'),
    maskHeadKernelSize: expectOneOf(
      c.maskHeadKernelSize,
      [1, 3] as const,
      'S2Transformer maskHeadKernelSize',
    ),
    maskHeadNorm: expectOneOf(c.maskHeadNorm, [true, false], 'S2Transformer maskHeadNorm'),
    shiftOddBlocks: expectOneOf(c.shiftOddBlocks, [true, false], 'S2Transformer shiftOddBlocks'),
    gelu: expectOneOf(c.gelu, ['erf', 'tanh'] as const, 'S2Transformer gelu'),
    ffnOutputGelu: expectOneOf(c.ffnOutputGelu, [true, false], 'S2Transformer ffnOutputGelu'),
    spectralProduct: expectOneOf(
      c.spectralProduct,
      ['paper', 'mst'] as const,
      'S2Transformer spectralProduct',
    ),
    fuseBias: expectOneOf(c.fuseBias, [true, false], 'S2Transformer fuseBias'),
    layerNormEpsilon: expectFinite(c.layerNormEpsilon, 'S2Transformer layerNormEpsilon'),
    maskValue: expectFinite(c.maskValue, 'S2Transformer maskValue'),
    padMode: expectOneOf(c.padMode, ['reflect', 'symmetric'] as const, 'S2Transformer padMode'),
    seed: expectNonNegativeInteger(c.seed, 'S2Transformer seed'),
  };
  if (resolved.embeddingDim % resolved.heads !== 0) {
    throw new S2AttnInputError(
      `S2Transformer: embeddingDim (${resolved.embeddingDim}) must be divisible by heads (${resolved.heads})`,
    );
  }
  if (resolved.maskEncodingStage > resolved.stageCount) {
    throw new S2AttnInputError(
      `S2Transformer: maskEncodingStage must be 0 (no f_h) or 1..stageCount (${resolved.stageCount}), got ${resolved.maskEncodingStage}`,
    );
  }
  return resolved;
}

/** The cyclic shift of block `index` (zero-based within its stage): floor(M/2) on odd blocks when enabled. */
export function blockShift(config: ResolvedS2TransformerConfig, index: number): number {
  return config.shiftOddBlocks && index % 2 === 1 ? Math.floor(config.windowSize / 2) : 0;
}
