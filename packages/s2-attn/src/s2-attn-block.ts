import * as tf from '@tensorflow/tfjs-core';
import {
  describeShape,
  expectFinite,
  expectNonNegativeInteger,
  expectOneOf,
  expectPositiveInteger,
  S2AttnInputError,
} from './_validate';
import { FeedForward } from './feed-forward';
import type { GeluApproximation } from './gelu';
import { LayerNorm } from './layer-norm';
import { addSame, concatLastAxis } from './lean-gradients';
import { Linear } from './linear';
import { Module } from './module';
import { SpatialWindowMsa } from './spatial-window-msa';
import { type SpectralProduct, SpectralWindowMsa } from './spectral-window-msa';
import { cyclicShift, reverseCyclicShift, windowPartition, windowReverse } from './window';
import { shiftedWindowMask } from './window-mask';

/** The six S2-attn block types of paper Table 5 / Fig. 4. */
export const BLOCK_TYPES = ['spa', 'spe', 'spa-spa', 'spe-spe', 'sequn-ss', 'parall-ss'] as const;
export type BlockType = (typeof BLOCK_TYPES)[number];

export interface S2AttnBlockConfig {
  /** Embedding width C. */
  features: number;
  /** Heads T (C divisible by T). */
  heads: number;
  /** Window side M. */
  windowSize: number;
  /** Cyclic shift s applied before partitioning (0 = regular windows; Swin uses M/2 on odd blocks). */
  shift?: number;
  /** FFN hidden ratio (default 4). */
  ffnRatio?: number;
  /** GELU after the FFN's second Linear (default true, paper). */
  ffnOutputGelu?: boolean;
  gelu?: GeluApproximation;
  /** Spectral attention product (default 'paper', Z = V A). */
  spectralProduct?: SpectralProduct;
  /** Bias in the Parall-SS fusion Linear W_cat 2C->C (default false, like the authors' `chl_reduce`). */
  fuseBias?: boolean;
  /** LayerNorm epsilon (default 1e-5). */
  layerNormEpsilon?: number;
  /** Value of the shifted-window mask between regions (default -100). */
  maskValue?: number;
  seed?: number;
}

export interface BlockApplyOptions {
  /** A precomputed shifted-window mask for this map size ({@link shiftedWindowMask}); built if absent. */
  mask?: tf.Tensor;
}

interface ResolvedBlockConfig {
  features: number;
  heads: number;
  windowSize: number;
  shift: number;
  ffnRatio: number;
  ffnOutputGelu: boolean;
  gelu: GeluApproximation;
  spectralProduct: SpectralProduct;
  fuseBias: boolean;
  layerNormEpsilon: number;
  maskValue: number;
  seed: number;
}

function resolve(config: S2AttnBlockConfig, what: string): ResolvedBlockConfig {
  const features = expectPositiveInteger(config.features, `${what} features`);
  const heads = expectPositiveInteger(config.heads, `${what} heads`);
  const windowSize = expectPositiveInteger(config.windowSize, `${what} windowSize`);
  if (features % heads !== 0) {
    throw new S2AttnInputError(`${what}: features (${features}) must be divisible by heads (${heads})`);
  }
  const shift = expectNonNegativeInteger(config.shift ?? 0, `${what} shift`);
  if (shift >= windowSize) {
    throw new S2AttnInputError(`${what}: expected 0 <= shift < windowSize (${windowSize}), got ${shift}`);
  }
  return {
    features,
    heads,
    windowSize,
    shift,
    ffnRatio: expectPositiveInteger(config.ffnRatio ?? 4, `${what} ffnRatio`),
    ffnOutputGelu: expectOneOf(config.ffnOutputGelu ?? true, [true, false], `${what} ffnOutputGelu`),
    gelu: expectOneOf(config.gelu ?? 'erf', ['erf', 'tanh'] as const, `${what} gelu`),
    spectralProduct: expectOneOf(
      config.spectralProduct ?? 'paper',
      ['paper', 'mst'] as const,
      `${what} spectralProduct`,
    ),
    fuseBias: expectOneOf(config.fuseBias ?? false, [true, false], `${what} fuseBias`),
    layerNormEpsilon: expectFinite(config.layerNormEpsilon ?? 1e-5, `${what} layerNormEpsilon`),
    maskValue: expectFinite(config.maskValue ?? -100, `${what} maskValue`),
    seed: expectNonNegativeInteger(config.seed ?? 1, `${what} seed`),
  };
}

type AttentionKind = 'spa' | 'spe';

/**
 * Common part of every S2-attn block: cyclic shift + window partition of a feature map
 * [batch, H, W, C] (H, W multiples of M), the block body on windows [count, M*M, C], and the reverse.
 * Every operation of a block except attention is per token, so the whole body runs in window order.
 */
export abstract class S2AttnBlock extends Module {
  readonly features: number;
  readonly heads: number;
  readonly windowSize: number;
  readonly shift: number;
  protected readonly options: ResolvedBlockConfig;
  readonly ffnNorm: LayerNorm;
  readonly ffn: FeedForward;

  protected constructor(config: S2AttnBlockConfig, what: string) {
    super();
    this.options = resolve(config, what);
    this.features = this.options.features;
    this.heads = this.options.heads;
    this.windowSize = this.options.windowSize;
    this.shift = this.options.shift;
    // Children created by subclasses first (attention), then the FFN: see `finish`.
    this.ffnNorm = undefined as unknown as LayerNorm;
    this.ffn = undefined as unknown as FeedForward;
  }

  /** Adds the FFN part (called by subclasses after their attention children, for the name order). */
  protected finish(): void {
    const o = this.options;
    (this as { ffnNorm: LayerNorm }).ffnNorm = this.addChild(
      'norm_ffn',
      new LayerNorm({ features: o.features, epsilon: o.layerNormEpsilon }),
    );
    (this as { ffn: FeedForward }).ffn = this.addChild(
      'ffn',
      new FeedForward({
        features: o.features,
        ratio: o.ffnRatio,
        outputGelu: o.ffnOutputGelu,
        gelu: o.gelu,
        seed: o.seed + 100,
      }),
    );
  }

  protected makeMsa(kind: AttentionKind, seed: number): SpatialWindowMsa | SpectralWindowMsa {
    const o = this.options;
    const common = { features: o.features, heads: o.heads, windowSize: o.windowSize, seed };
    return kind === 'spa'
      ? new SpatialWindowMsa(common)
      : new SpectralWindowMsa({ ...common, product: o.spectralProduct });
  }

  /** The block body on windows [count, M*M, C]; `mask` is the shifted-window mask when shifted. */
  abstract applyWindows(windows: tf.Tensor, mask: tf.Tensor | undefined): tf.Tensor3D;

  /** Z_out = block(Z_in) on a feature map [batch, H, W, C] with H and W multiples of M. */
  apply(x: tf.Tensor, options: BlockApplyOptions = {}): tf.Tensor4D {
    this.assertLive();
    const m = this.windowSize;
    if (!(x instanceof tf.Tensor) || x.rank !== 4 || x.shape[3] !== this.features) {
      throw new S2AttnInputError(
        `${this.getClassName()}: expected a feature map [batch, height, width, ${this.features}], got ${x instanceof tf.Tensor ? `shape ${describeShape(x.shape)}` : typeof x}`,
      );
    }
    const [, height, width] = x.shape;
    if (height % m !== 0 || width % m !== 0) {
      throw new S2AttnInputError(
        `${this.getClassName()}: expected height and width that are multiples of the window size ${m}, got shape ${describeShape(x.shape)}`,
      );
    }
    return tf.tidy(() => {
      const shifted = this.shift > 0 ? cyclicShift(x, this.shift) : x;
      const windows = windowPartition(shifted, m);
      let mask = options.mask;
      if (this.shift > 0 && mask === undefined) {
        mask = shiftedWindowMask(height, width, m, this.shift, this.options.maskValue);
      }
      const out = windowReverse(
        this.applyWindows(windows, this.shift > 0 ? mask : undefined),
        m,
        height,
        width,
      );
      return this.shift > 0 ? reverseCyclicShift(out, this.shift) : out;
    });
  }

  protected applyFfn(z: tf.Tensor): tf.Tensor3D {
    return addSame(z, this.ffn.apply(this.ffnNorm.apply(z))) as tf.Tensor3D;
  }

  protected applyMsa(msa: SpatialWindowMsa | SpectralWindowMsa, x: tf.Tensor, mask: tf.Tensor | undefined) {
    return msa instanceof SpatialWindowMsa ? msa.apply(x, { mask }) : msa.apply(x);
  }

  getConfig(): tf.serialization.ConfigDict {
    return { ...this.options };
  }
}

/**
 * Attention units applied in sequence, each with its own LayerNorm and residual, then the FFN:
 * Z <- MSA_i(LN_i Z) + Z for each unit, out = FFN(LN Z) + Z. Unit names: `norm_<kind>`, `<kind>`
 * (numbered `spa1`, `spa2` when a kind repeats).
 */
abstract class SequentialBlock extends S2AttnBlock {
  readonly units: Array<{ norm: LayerNorm; msa: SpatialWindowMsa | SpectralWindowMsa }> = [];

  protected constructor(config: S2AttnBlockConfig, what: string, kinds: AttentionKind[]) {
    super(config, what);
    const o = this.options;
    kinds.forEach((kind, i) => {
      const repeated = kinds.filter((k) => k === kind).length > 1;
      const name = repeated ? `${kind}${kinds.slice(0, i + 1).filter((k) => k === kind).length}` : kind;
      const norm = this.addChild(
        `norm_${name}`,
        new LayerNorm({ features: o.features, epsilon: o.layerNormEpsilon }),
      );
      const msa = this.addChild(name, this.makeMsa(kind, o.seed + 10 * (i + 1)));
      this.units.push({ norm, msa });
    });
    this.finish();
  }

  applyWindows(windows: tf.Tensor, mask: tf.Tensor | undefined): tf.Tensor3D {
    return tf.tidy(() => {
      let z = windows;
      for (const { norm, msa } of this.units) z = addSame(z, this.applyMsa(msa, norm.apply(z), mask));
      return this.applyFfn(z);
    });
  }
}

/** Spa block: Z = Spa-MSA(LN Z) + Z; out = FFN(LN Z) + Z (paper Eq. 6). */
export class SpaBlock extends SequentialBlock {
  static readonly className = 's2cassi.SpaBlock';
  constructor(config: S2AttnBlockConfig) {
    super(config, 'SpaBlock', ['spa']);
  }
}

/** Spe block: Z = Spe-MSA(LN Z) + Z; out = FFN(LN Z) + Z. */
export class SpeBlock extends SequentialBlock {
  static readonly className = 's2cassi.SpeBlock';
  constructor(config: S2AttnBlockConfig) {
    super(config, 'SpeBlock', ['spe']);
  }
}

/** SpaSpa block (paper Fig. 4a with the dashed MSA-LN): two spatial MSAs in sequence, then FFN. */
export class SpaSpaBlock extends SequentialBlock {
  static readonly className = 's2cassi.SpaSpaBlock';
  constructor(config: S2AttnBlockConfig) {
    super(config, 'SpaSpaBlock', ['spa', 'spa']);
  }
}

/** SpeSpe block: two spectral MSAs in sequence, then FFN. */
export class SpeSpeBlock extends SequentialBlock {
  static readonly className = 's2cassi.SpeSpeBlock';
  constructor(config: S2AttnBlockConfig) {
    super(config, 'SpeSpeBlock', ['spe', 'spe']);
  }
}

/** Sequn-SS (paper Eq. 10): Z1 = Spe(LN Z) + Z; Z2 = Spa(LN Z1) + Z1; out = FFN(LN Z2) + Z2. */
export class SequnSsBlock extends SequentialBlock {
  static readonly className = 's2cassi.SequnSsBlock';
  constructor(config: S2AttnBlockConfig) {
    super(config, 'SequnSsBlock', ['spe', 'spa']);
  }
}

/**
 * Parall-SS (paper Eq. 11, the default): Zc = W_cat [Spe(LN_a Z), Spa(LN_b Z)] + Z with W_cat a Linear
 * 2C->C (`fuse`), out = FFN(LN_c Zc) + Zc. Both branches read the same block input.
 */
export class ParallSsBlock extends S2AttnBlock {
  static readonly className = 's2cassi.ParallSsBlock';
  readonly normSpe: LayerNorm;
  readonly spe: SpectralWindowMsa;
  readonly normSpa: LayerNorm;
  readonly spa: SpatialWindowMsa;
  readonly fuse: Linear;

  constructor(config: S2AttnBlockConfig) {
    super(config, 'ParallSsBlock');
    const o = this.options;
    this.normSpe = this.addChild(
      'norm_spe',
      new LayerNorm({ features: o.features, epsilon: o.layerNormEpsilon }),
    );
    this.spe = this.addChild('spe', this.makeMsa('spe', o.seed + 10) as SpectralWindowMsa);
    this.normSpa = this.addChild(
      'norm_spa',
      new LayerNorm({ features: o.features, epsilon: o.layerNormEpsilon }),
    );
    this.spa = this.addChild('spa', this.makeMsa('spa', o.seed + 20) as SpatialWindowMsa);
    this.fuse = this.addChild(
      'fuse',
      new Linear({
        inFeatures: 2 * o.features,
        outFeatures: o.features,
        bias: o.fuseBias,
        seed: o.seed + 30,
      }),
    );
    this.finish();
  }

  applyWindows(windows: tf.Tensor, mask: tf.Tensor | undefined): tf.Tensor3D {
    return tf.tidy(() => {
      const spectral = this.spe.apply(this.normSpe.apply(windows));
      const spatial = this.spa.apply(this.normSpa.apply(windows), { mask });
      const zc = addSame(windows, this.fuse.apply(concatLastAxis(spectral, spatial)));
      return this.applyFfn(zc);
    });
  }
}

/** Builds the block of the given type. */
export function createBlock(type: BlockType, config: S2AttnBlockConfig): S2AttnBlock {
  switch (expectOneOf(type, BLOCK_TYPES, 'createBlock type')) {
    case 'spa':
      return new SpaBlock(config);
    case 'spe':
      return new SpeBlock(config);
    case 'spa-spa':
      return new SpaSpaBlock(config);
    case 'spe-spe':
      return new SpeSpeBlock(config);
    case 'sequn-ss':
      return new SequnSsBlock(config);
    case 'parall-ss':
      return new ParallSsBlock(config);
  }
}
