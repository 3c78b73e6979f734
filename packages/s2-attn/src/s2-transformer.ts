import * as tf from '@tensorflow/tfjs-core';
import { SeededRandom } from './_random';
import { describeShape, S2AttnInputError } from './_validate';
import { checkpoint } from './checkpoint';
import { Conv2d } from './conv2d';
import { LayerNorm } from './layer-norm';
import { addSame } from './lean-gradients';
import {
  DEFAULT_MEASUREMENT_SCALING,
  type MeasurementScaling,
  resolveMeasurementScaling,
} from './measurement-scaling';
import { Module } from './module';
import { createBlock, type S2AttnBlock } from './s2-attn-block';
import {
  blockShift,
  type PadMode,
  type ResolvedS2TransformerConfig,
  resolveS2TransformerConfig,
  type S2TransformerConfig,
} from './s2-transformer-config';
import { resolveSelfEnsemble, type SelfEnsemble } from './self-ensemble';
import { shiftedWindowMask } from './window-mask';

/**
 * Pads [batch, H, W, C] at the bottom and right to multiples of `multiple` by mirror padding
 * (tf.mirrorPad, 'reflect' by default, as the authors' `check_image_size`). A side shorter than the
 * padding it needs is padded in several reflections (each at most size - 1), so any size works.
 */
export function padToMultiple(x: tf.Tensor4D, multiple: number, mode: PadMode = 'reflect'): tf.Tensor4D {
  return tf.tidy(() => {
    let out = x;
    for (const axis of [1, 2] as const) {
      const target = Math.ceil(out.shape[axis] / multiple) * multiple;
      while (out.shape[axis] < target) {
        const size = out.shape[axis];
        const limit = mode === 'reflect' ? size - 1 : size;
        if (limit < 1) {
          out = tf.concat([out, out], axis) as tf.Tensor4D; // a 1-pixel side: replicate
          continue;
        }
        const amount = Math.min(target - size, limit);
        const paddings: Array<[number, number]> = [
          [0, 0],
          [0, 0],
          [0, 0],
          [0, 0],
        ];
        paddings[axis] = [0, amount];
        out = tf.mirrorPad(out, paddings, mode);
      }
    }
    return out;
  });
}

/** One stage: Z_k = Z_{k-1} + Conv3x3( blocks(Z_{k-1}) ) (paper Eq. 4). Names `blocks.<l>`, `conv`. */
export class S2TransformerStage extends Module {
  static readonly className = 's2cassi.S2TransformerStage';
  readonly blocks: S2AttnBlock[] = [];
  readonly conv: Conv2d;
  private readonly config: ResolvedS2TransformerConfig;
  private readonly stageSeed: number;

  constructor(config: S2TransformerConfig & { stageSeed?: number }) {
    super();
    const { stageSeed, ...rest } = config;
    this.config = resolveS2TransformerConfig(rest);
    this.stageSeed = stageSeed ?? this.config.seed;
    const c = this.config;
    const random = new SeededRandom(this.stageSeed);
    for (let l = 0; l < c.blocksPerStage; l++) {
      const block = createBlock(c.blockType, {
        features: c.embeddingDim,
        heads: c.heads,
        windowSize: c.windowSize,
        shift: blockShift(c, l),
        ffnRatio: c.ffnRatio,
        ffnOutputGelu: c.ffnOutputGelu,
        gelu: c.gelu,
        spectralProduct: c.spectralProduct,
        fuseBias: c.fuseBias,
        layerNormEpsilon: c.layerNormEpsilon,
        maskValue: c.maskValue,
        seed: Math.floor(random.next() * 1e9),
      });
      this.blocks.push(this.addChild(`blocks.${l}`, block));
    }
    this.conv = this.addChild(
      'conv',
      new Conv2d({
        inChannels: c.embeddingDim,
        outChannels: c.embeddingDim,
        kernelSize: 3,
        seed: Math.floor(random.next() * 1e9),
      }),
    );
  }

  /**
   * z [batch, H, W, C] with H, W multiples of M; `mask` = the shifted-window mask for that size.
   * `checkpointBlocks`: how many of this stage's blocks, from the first, run under gradient checkpointing
   * (`true`: all; see {@link S2TransformerApplyOptions}); those make their own masks (the backward pass
   * recomputes a block after the forward pass's tensors are gone).
   */
  apply(z: tf.Tensor4D, mask?: tf.Tensor, checkpointBlocks: boolean | number = false): tf.Tensor4D {
    this.assertLive();
    const checkpointed =
      checkpointBlocks === true ? this.blocks.length : checkpointBlocks === false ? 0 : checkpointBlocks;
    return tf.tidy(() => {
      let current: tf.Tensor4D = z;
      this.blocks.forEach((block, l) => {
        const next =
          l < checkpointed
            ? checkpoint((x: tf.Tensor4D) => block.apply(x), current, block.trainableVariables())
            : block.apply(current, { mask });
        if (current !== z) current.dispose(); // keep the peak low (gradient tapes keep their own copies)
        current = next;
      });
      return addSame(z, this.conv.apply(current)) as tf.Tensor4D;
    });
  }

  getConfig(): tf.serialization.ConfigDict {
    return { ...this.config, stageSeed: this.stageSeed };
  }
}

/** f_h: LayerNorm + Conv C->N (paper "LN-CONV"); names `norm` (when enabled) and `conv`. */
export class MaskEncodingHead extends Module {
  static readonly className = 's2cassi.MaskEncodingHead';
  readonly norm: LayerNorm | undefined;
  readonly conv: Conv2d;
  private readonly settings: {
    features: number;
    bandCount: number;
    kernelSize: 1 | 3;
    norm: boolean;
    epsilon: number;
    seed: number;
  };

  constructor(config: {
    features: number;
    bandCount: number;
    kernelSize?: 1 | 3;
    norm?: boolean;
    epsilon?: number;
    seed?: number;
  }) {
    super();
    this.settings = {
      features: config.features,
      bandCount: config.bandCount,
      kernelSize: config.kernelSize ?? 3,
      norm: config.norm ?? true,
      epsilon: config.epsilon ?? 1e-5,
      seed: config.seed ?? 1,
    };
    const s = this.settings;
    this.norm = s.norm
      ? this.addChild('norm', new LayerNorm({ features: s.features, epsilon: s.epsilon }))
      : undefined;
    this.conv = this.addChild(
      'conv',
      new Conv2d({
        inChannels: s.features,
        outChannels: s.bandCount,
        kernelSize: s.kernelSize,
        seed: s.seed,
      }),
    );
  }

  apply(z: tf.Tensor4D): tf.Tensor4D {
    this.assertLive();
    return tf.tidy(() => this.conv.apply(this.norm ? this.norm.apply(z) : z) as tf.Tensor4D);
  }

  getConfig(): tf.serialization.ConfigDict {
    return { ...this.settings };
  }
}

export interface S2TransformerApplyOptions {
  /** Also return f_h's output (the mask-encoded prediction of M * F, for the L_ME / L_MA losses). */
  withIntermediate?: boolean;
  /**
   * Gradient checkpointing for training: a gradient tape keeps only each S2-attn block's input and the
   * backward pass recomputes the block ({@link checkpoint}). Peak memory of a training step falls by
   * roughly the number of blocks per stage (the attention maps of one block at a time instead of all),
   * for about one extra forward pass. No effect on values or gradients (up to float summation order) or
   * outside a gradient tape. Default false.
   *
   * A number n checkpoints only the first n blocks (counted over the whole network in forward order, stage by
   * stage; 0 = none, the block count = `true`): memory between none and all, for n/(block count) of the extra
   * forward pass. The peak of a step is about the tape of the blocks that are not checkpointed plus one block's
   * intermediates.
   */
  checkpointBlocks?: boolean | number;
}

export interface S2TransformerOutput {
  /** F_hat [batch, H, W, N]. */
  reconstruction: tf.Tensor4D;
  /** f_h(Z_kME) [batch, H, W, N], cropped like the reconstruction; only with `withIntermediate`. */
  maskEncoded?: tf.Tensor4D;
}

/**
 * The S2-Transformer (paper Sec. 3.2-3.3, Fig. 3):
 * Y0 [batch, H, W, N] -> Conv3x3 N->C (`embedding`) -> Z0 -> K stages (`stages.<k>`) ->
 * Conv3x3 C->N (`head`) -> F_hat = Y0 + head(Z_K). Optional f_h (`mask_head`) on Z_kME.
 *
 * Any H x W: the input is mirror-padded at the bottom/right to multiples of M and the outputs are
 * cropped back. Deterministic (no dropout, no stochastic depth). All computation runs in the current
 * tfjs backend; gradients flow to every parameter (register gradients first, see README).
 */
export class S2Transformer extends Module {
  static readonly className = 's2cassi.S2Transformer';
  readonly config: ResolvedS2TransformerConfig;
  readonly embedding: Conv2d;
  readonly stages: S2TransformerStage[] = [];
  readonly head: Conv2d;
  readonly maskHead: MaskEncodingHead | undefined;
  private scaling: MeasurementScaling = DEFAULT_MEASUREMENT_SCALING;

  /**
   * How this model expects measurements scaled (see {@link MeasurementScaling}); not part of the architecture.
   * Weight files store it (`measurement` metadata) when it is not the default (`band-sum`, gain 1), and
   * reconstruction pipelines apply it. Assigning checks the value.
   */
  get measurementScaling(): MeasurementScaling {
    return this.scaling;
  }

  set measurementScaling(value: MeasurementScaling) {
    this.scaling = Object.freeze(resolveMeasurementScaling(value, 'S2Transformer measurementScaling'));
  }

  private ensemble: SelfEnsemble = 'none';

  /**
   * The self-ensemble `reconstructTiled` runs by default for this model ({@link SelfEnsemble}; `'none'`: one pass).
   * Not part of the architecture: weight files store it (`selfEnsemble` metadata) when it is not `'none'`, so a
   * model shipped with a measured ensemble is reconstructed with it everywhere. Assigning checks the value.
   */
  get selfEnsemble(): SelfEnsemble {
    return this.ensemble;
  }

  set selfEnsemble(value: SelfEnsemble) {
    this.ensemble = resolveSelfEnsemble(value, 'S2Transformer selfEnsemble');
  }

  constructor(config: S2TransformerConfig = {}) {
    super();
    this.config = resolveS2TransformerConfig(config);
    const c = this.config;
    const random = new SeededRandom(c.seed);
    const seed = () => Math.floor(random.next() * 1e9);
    this.embedding = this.addChild(
      'embedding',
      new Conv2d({ inChannels: c.bandCount, outChannels: c.embeddingDim, kernelSize: 3, seed: seed() }),
    );
    for (let k = 0; k < c.stageCount; k++) {
      this.stages.push(this.addChild(`stages.${k}`, new S2TransformerStage({ ...c, stageSeed: seed() })));
    }
    this.head = this.addChild(
      'head',
      new Conv2d({ inChannels: c.embeddingDim, outChannels: c.bandCount, kernelSize: 3, seed: seed() }),
    );
    this.maskHead =
      c.maskEncodingStage > 0
        ? this.addChild(
            'mask_head',
            new MaskEncodingHead({
              features: c.embeddingDim,
              bandCount: c.bandCount,
              kernelSize: c.maskHeadKernelSize,
              norm: c.maskHeadNorm,
              epsilon: c.layerNormEpsilon,
              seed: seed(),
            }),
          )
        : undefined;
  }

  /** Runs the network on Y0 [batch, H, W, N] (any H, W >= 1). */
  apply(y0: tf.Tensor, options: S2TransformerApplyOptions = {}): S2TransformerOutput {
    this.assertLive();
    const c = this.config;
    if (
      !(y0 instanceof tf.Tensor) ||
      y0.rank !== 4 ||
      y0.shape[3] !== c.bandCount ||
      y0.dtype !== 'float32'
    ) {
      throw new S2AttnInputError(
        `S2Transformer: expected Y0 as a float32 tensor [batch, height, width, ${c.bandCount}], got ${y0 instanceof tf.Tensor ? `${y0.dtype} shape ${describeShape(y0.shape)}` : typeof y0}`,
      );
    }
    const withIntermediate = options.withIntermediate === true;
    if (withIntermediate && !this.maskHead) {
      throw new S2AttnInputError(
        'S2Transformer: withIntermediate needs maskEncodingStage > 0 (the model has no f_h)',
      );
    }
    const [batch, height, width] = y0.shape;
    const m = c.windowSize;
    // One tidy returning both outputs (no tf.keep: a kept tensor would escape an enclosing tidy, e.g.
    // optimizer.minimize, and leak).
    const outputs = tf.tidy(() => {
      const padded = padToMultiple(y0 as tf.Tensor4D, m, c.padMode);
      const [, ph, pw] = padded.shape;
      const shift = Math.floor(m / 2);
      const checkpointed = checkpointedBlockCount(options.checkpointBlocks, c.stageCount * c.blocksPerStage);
      const mask =
        c.shiftOddBlocks &&
        c.blocksPerStage > 1 &&
        shift > 0 &&
        checkpointed < c.stageCount * c.blocksPerStage
          ? shiftedWindowMask(ph, pw, m, shift, c.maskValue)
          : undefined;
      let z = this.embedding.apply(padded) as tf.Tensor4D;
      let maskEncoded: tf.Tensor4D | undefined;
      this.stages.forEach((stage, k) => {
        const inStage = Math.min(c.blocksPerStage, Math.max(0, checkpointed - k * c.blocksPerStage));
        const next = stage.apply(z, mask, inStage);
        z.dispose();
        z = next;
        if (withIntermediate && this.maskHead && k + 1 === c.maskEncodingStage) {
          maskEncoded = tf.slice(this.maskHead.apply(z), [0, 0, 0, 0], [batch, height, width, c.bandCount]);
        }
      });
      const out = addSame(padded, this.head.apply(z));
      const reconstruction = tf.slice(out, [0, 0, 0, 0], [batch, height, width, c.bandCount]) as tf.Tensor4D;
      return maskEncoded ? { reconstruction, maskEncoded } : { reconstruction };
    });
    return outputs as S2TransformerOutput;
  }

  getConfig(): tf.serialization.ConfigDict {
    return { ...this.config };
  }
}

/** How many blocks `checkpointBlocks` checkpoints (validated: a whole number from 0 to the block count). */
function checkpointedBlockCount(setting: boolean | number | undefined, blocks: number): number {
  if (setting === undefined || setting === false) return 0;
  if (setting === true) return blocks;
  if (!Number.isInteger(setting) || setting < 0 || setting > blocks) {
    throw new S2AttnInputError(
      `S2Transformer: checkpointBlocks must be true, false or a whole number of blocks from 0 to ${blocks}, got ${String(setting)}`,
    );
  }
  return setting;
}
