import { z } from 'zod';

const positiveInt = z.number().int().positive();
const nonNegativeInt = z.number().int().nonnegative();
const probabilityLike = z.number().gt(0).lte(1);

/** Where training and validation scenes come from. */
export const dataSourceSchema = z.discriminatedUnion('kind', [
  z
    .object({
      kind: z.literal('cave'),
      /** Folder holding CAVE scene folders (`<scene>_ms/<scene>_ms_01..31.png`). */
      root: z.string().min(1),
      /** Scene names held out for validation (never trained on). */
      validationScenes: z.array(z.string().min(1)),
      /** Scene names to train on; null = every scene in `root` that is not held out. */
      trainScenes: z.array(z.string().min(1)).nullable(),
      /** 16-bit PNG divisor: 65535 (real pipelines) or 65536 (the simulation toolbox). */
      divisor: z.union([z.literal(65535), z.literal(65536)]),
    })
    .strict(),
  z
    .object({
      kind: z.literal('synthetic'),
      /** Number of in-memory training scenes (smooth random spectra, seeded by the run seed). */
      trainScenes: positiveInt,
      validationScenes: nonNegativeInt,
      height: positiveInt,
      width: positiveInt,
    })
    .strict(),
]);

/**
 * The coded aperture: `standard` (the 256 x 256 TSA mask bundled in @s2cassi/demo-data), a file (`.mat` key
 * `mask`, `.npy`, `.safetensors`) or a seeded random one.
 */
export const maskSchema = z.discriminatedUnion('kind', [
  z
    .object({
      kind: z.literal('standard'),
      /** Take a random crop of the mask for every sample instead of its top-left corner. */
      randomCrop: z.boolean(),
    })
    .strict(),
  z
    .object({
      kind: z.literal('file'),
      path: z.string().min(1),
      /** Variable name inside the file (`.mat`/`.safetensors`); null = the only / first one. */
      key: z.string().nullable(),
      /** Take a random crop of the (larger) mask for every sample instead of its top-left corner. */
      randomCrop: z.boolean(),
    })
    .strict(),
  z
    .object({
      kind: z.literal('random'),
      /** Side of the square random mask (>= the crop size). */
      size: positiveInt,
      /** Bernoulli(0.5) {0,1} values when true; uniform [0,1) otherwise. */
      binary: z.boolean(),
      randomCrop: z.boolean(),
    })
    .strict(),
]);

/** Measurement noise, applied to the raw band sum before normalisation (spec section 1.3). */
export const noiseSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('none') }).strict(),
  z
    .object({
      kind: z.literal('gaussian'),
      /** Standard deviation relative to the normalised measurement Y * 2 / N (values ~0..1). */
      std: z.number().nonnegative(),
    })
    .strict(),
  z
    .object({
      kind: z.literal('shot'),
      quantumEfficiency: probabilityLike,
      bitDepth: positiveInt,
      /** Measurement gain applied before the Binomial draw (1.2 in the real-data toolbox). */
      scale: z.number().positive(),
    })
    .strict(),
]);

export const learningRateScheduleSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('constant') }).strict(),
  z
    .object({
      kind: z.literal('step'),
      /** Multiply the rate by `factor` every `everyEpochs` epochs (the paper: 0.5 every 50). */
      everyEpochs: positiveInt,
      factor: z.number().gt(0).lte(1),
    })
    .strict(),
  z
    .object({
      kind: z.literal('cosine'),
      /**
       * Cosine annealing from the base rate to `minLearningRate` (per step) over all epochs, or, with
       * `startEpoch`, the base rate until that epoch and the annealing over the epochs after it (a constant
       * phase, then the decay).
       */
      minLearningRate: z.number().nonnegative(),
      /** The epoch (0-based) where the annealing starts; omitted: 0. Must be below training.epochs. */
      startEpoch: z.number().int().nonnegative().optional(),
    })
    .strict(),
]);

export const lossSchema = z
  .object({
    /**
     * `objective: mask-aware`: L_ME (Recon + alphaME * ME) before `switchFraction` of training, then L_MA (Recon +
     * alphaMA * ME + beta * MA), through @s2cassi/mask-aware-loss's schedule. `l1` / `rmse`: the
     * reconstruction term alone for the whole run (the intermediate head is then not trained).
     */
    objective: z.enum(['mask-aware', 'l1', 'rmse']),
    /** Norm of the Recon term inside the mask-aware objective. */
    reconstruction: z.enum(['l1', 'rmse']),
    alphaME: z.number().nonnegative(),
    alphaMA: z.number().nonnegative(),
    beta: z.number().nonnegative(),
    /** Fraction of the epochs after which L_MA takes over (0.5: 150 of 300 epochs). */
    switchFraction: z.number().min(0).max(1),
    /** MA ratio region: per pixel, per window (M x M, the default) or the whole sample. */
    region: z.enum(['pixel', 'window', 'global']),
    epsilon: z.number().positive(),
  })
  .strict();

export const trainerConfigSchema = z
  .object({
    /** Seeds the data pipeline (crops, augmentation, masks, noise) and the weight initialisation. */
    seed: z
      .number()
      .int()
      .nonnegative()
      .max(2 ** 32 - 1),
    /** `auto` picks the fastest backend that works (webgpu > tensorflow > wasm > cpu). */
    backend: z.enum(['auto', 'webgpu', 'wasm', 'cpu', 'tensorflow']),
    /** The S2-Transformer (names as in @s2cassi/s2-attn's S2TransformerConfig; spec section 2). */
    model: z
      .object({
        blockType: z.enum(['parall-ss', 'sequn-ss', 'spa-spa', 'spe-spe', 'spa', 'spe']),
        /** K */
        stageCount: positiveInt,
        /** L */
        blocksPerStage: positiveInt,
        /** C */
        embeddingDim: positiveInt,
        /** T */
        heads: positiveInt,
        /** M */
        windowSize: positiveInt,
        /** FFN hidden ratio (4). */
        ffnRatio: positiveInt,
        /** N */
        bandCount: positiveInt,
        /** k_ME: the stage whose output feeds the mask-encoding head f_h (1-based). */
        maskEncodingStage: positiveInt,
      })
      .strict()
      .refine((m) => m.embeddingDim % m.heads === 0, {
        message: 'embeddingDim must be a multiple of heads',
        path: ['embeddingDim'],
      })
      .refine((m) => m.maskEncodingStage <= m.stageCount, {
        message: 'maskEncodingStage must be <= stageCount',
        path: ['maskEncodingStage'],
      }),
    data: z
      .object({
        source: dataSourceSchema,
        /** Side of the square random training crops. */
        cropSize: positiveInt,
        augment: z.object({ rot90: z.boolean(), flip: z.boolean() }).strict(),
        mask: maskSchema,
        noise: noiseSchema,
        /** Dispersion shift per band in pixels (d). */
        shiftStep: positiveInt,
        /** Network input: `HM` = shiftBack(Y * 2 / N) * M (S2's default), `H` without the mask product. */
        input: z.enum(['HM', 'H']),
      })
      .strict(),
    training: z
      .object({
        epochs: positiveInt,
        samplesPerEpoch: positiveInt,
        batchSize: positiveInt,
        /**
         * Gradient checkpointing (S2Transformer apply option `checkpointBlocks`): keeps each block's input
         * instead of its intermediates and recomputes the block in the backward pass. Same values and
         * gradients; ~1/L of the activation memory for ~1/3 more compute. Default false. A number n
         * checkpoints only the first n blocks (0 to stageCount x blocksPerStage): memory and the extra compute
         * in between. Not part of the configuration hash: a run may be resumed with it switched.
         */
        checkpointBlocks: z.union([z.boolean(), z.number().int().nonnegative()]).optional(),
      })
      .strict(),
    optimizer: z
      .object({
        kind: z.literal('adam'),
        learningRate: z.number().positive(),
        beta1: z.number().gte(0).lt(1),
        beta2: z.number().gte(0).lt(1),
        epsilon: z.number().positive(),
        /** Clip gradients to this global L2 norm; null = no clipping. */
        gradientClipNorm: z.number().positive().nullable(),
      })
      .strict(),
    learningRateSchedule: learningRateScheduleSchema,
    loss: lossSchema,
    validation: z
      .object({
        /** Validate after every N-th epoch (and after the last). 0 disables validation. */
        everyEpochs: nonNegativeInt,
        /** Centre crop of each validation scene; null = the whole scene (must fit the mask). */
        cropSize: positiveInt.nullable(),
        /** Which @s2cassi/metrics preset scores PSNR/SSIM. */
        metricsPreset: z.enum(['matlab']),
      })
      .strict(),
    checkpoint: z
      .object({
        /** Write a checkpoint every N optimiser steps (and at every epoch end). 0 = epoch ends only. */
        everySteps: nonNegativeInt,
        /** How many step checkpoints to keep besides `best` (>= 2, so a corrupt latest has a fallback). */
        keep: z.number().int().min(2),
      })
      .strict(),
    log: z.object({ everySteps: positiveInt }).strict(),
    /** Refuse configurations whose estimated peak exceeds this many bytes; null = backend's own limit. */
    memoryLimitBytes: positiveInt.nullable(),
    /**
     * How measurements are scaled for the trained model at inference, stored with its weights (S2Transformer
     * `measurementScaling`): `band-sum` (default: Y * 2 / N, the simulation convention) or `peak` (the real-data
     * convention: a frame of unknown scale is scaled to `peak` at its maximum, 0.8 in the TSA-Net / MST code; the
     * output is scaled back to the measurement's units). The gain the network was trained at follows from
     * `data.noise` (shot noise's `scale`, else 1). Validation reconstructs the way inference will. Absent: `band-sum`
     * with gain 1 whatever the noise (how runs validated before this field existed; give `{ kind: 'band-sum' }` for a
     * shot-noise run's gain).
     */
    measurementScaling: z
      .discriminatedUnion('kind', [
        z.object({ kind: z.literal('band-sum') }).strict(),
        z.object({ kind: z.literal('peak'), peak: z.number().positive() }).strict(),
      ])
      .optional(),
    /**
     * Start from these weights instead of the seed's random initialisation (fine-tuning: e.g. a model trained
     * on the simulation mask, adapted to another system's mask and noise). A safetensors file of the same
     * model: every tensor name and shape must match, and an S2-Transformer weights file's stored config must
     * equal `model`. `sha256` pins the file's content: the Node runner fills it in when it is absent, so a
     * run's config records exactly which weights it started from (the path may change, the content may not).
     * Read only when a run starts; a resume continues from its checkpoint. Absent: random initialisation.
     */
    initialWeights: z
      .object({
        path: z.string().min(1),
        sha256: z
          .string()
          .regex(/^[0-9a-f]{64}$/, 'expected 64 lowercase hex digits (the SHA-256 of the weights file)')
          .optional(),
      })
      .strict()
      .optional(),
  })
  .strict()
  .superRefine((config, ctx) => {
    const { data, training } = config;
    if (data.source.kind === 'synthetic') {
      if (data.cropSize > Math.min(data.source.height, data.source.width)) {
        ctx.addIssue({
          code: 'custom',
          path: ['data', 'cropSize'],
          message: `cropSize ${data.cropSize} exceeds the synthetic scenes (${data.source.height} x ${data.source.width})`,
        });
      }
    }
    if (data.mask.kind === 'standard' && data.cropSize > 256) {
      ctx.addIssue({
        code: 'custom',
        path: ['data', 'cropSize'],
        message: `the standard mask is 256 x 256; cropSize ${data.cropSize} needs a larger mask (data.mask.kind 'file' or 'random')`,
      });
    }
    if (data.mask.kind === 'random' && data.mask.size < data.cropSize) {
      ctx.addIssue({
        code: 'custom',
        path: ['data', 'mask', 'size'],
        message: `the random mask (${data.mask.size}) must be at least the crop size (${data.cropSize})`,
      });
    }
    const blocks = config.model.stageCount * config.model.blocksPerStage;
    if (typeof training.checkpointBlocks === 'number' && training.checkpointBlocks > blocks) {
      ctx.addIssue({
        code: 'custom',
        path: ['training', 'checkpointBlocks'],
        message: `checkpointBlocks ${training.checkpointBlocks} exceeds the model's ${blocks} blocks (stageCount x blocksPerStage); use true for all`,
      });
    }
    const schedule = config.learningRateSchedule;
    if (
      schedule.kind === 'cosine' &&
      schedule.startEpoch !== undefined &&
      schedule.startEpoch >= training.epochs
    ) {
      ctx.addIssue({
        code: 'custom',
        path: ['learningRateSchedule', 'startEpoch'],
        message: `startEpoch ${schedule.startEpoch} leaves no epoch to anneal over: it must be below training.epochs (${training.epochs})`,
      });
    }
    if (training.samplesPerEpoch < training.batchSize) {
      ctx.addIssue({
        code: 'custom',
        path: ['training', 'samplesPerEpoch'],
        message: `samplesPerEpoch (${training.samplesPerEpoch}) must be >= batchSize (${training.batchSize})`,
      });
    }
  });

/** A complete, validated trainer configuration. */
export type TrainerConfig = z.infer<typeof trainerConfigSchema>;

/** Thrown for an invalid configuration; `issues` lists every problem with its dotted path. */
export class TrainerConfigError extends Error {
  readonly issues: { path: string; message: string }[];
  constructor(issues: { path: string; message: string }[], context = 'trainer config') {
    super(
      `${context} is invalid:\n${issues.map((issue) => `  - ${issue.path || '(root)'}: ${issue.message}`).join('\n')}`,
    );
    this.name = 'TrainerConfigError';
    this.issues = issues;
  }
}

/**
 * Validates a complete configuration object and returns it typed, or throws a {@link TrainerConfigError}
 * listing every problem as `path.to.field: what was expected, what was given`.
 */
export function validateConfig(input: unknown, context?: string): TrainerConfig {
  const result = trainerConfigSchema.safeParse(input);
  if (result.success) return result.data;
  throw new TrainerConfigError(
    result.error.issues.map((issue) => ({
      path: issue.path.map(String).join('.'),
      message: describeIssue(issue, input),
    })),
    context,
  );
}

function describeIssue(issue: z.core.$ZodIssue, input: unknown): string {
  let value: unknown = input;
  for (const key of issue.path) {
    value =
      value !== null && typeof value === 'object' ? (value as Record<PropertyKey, unknown>)[key] : undefined;
  }
  if (issue.code === 'unrecognized_keys') return issue.message;
  const given = value === undefined ? 'nothing' : JSON.stringify(value);
  return `${issue.message} (given: ${given && given.length > 80 ? `${given.slice(0, 77)}...` : given})`;
}

/** The configuration as JSON Schema (draft 2020-12), for editors and other tools. */
export function trainerConfigJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(trainerConfigSchema, { io: 'input', unrepresentable: 'any' }) as Record<
    string,
    unknown
  >;
  return {
    ...schema,
    $id: 'https://unpkg.com/@s2cassi/trainer/trainer-config.schema.json',
    title: 'S2-Transformer trainer configuration (@s2cassi/trainer)',
    description:
      'A complete training run. A config file may instead give `extends: "paper" | "cpu-small"` and only the fields it changes (see resolveConfig).',
  };
}
