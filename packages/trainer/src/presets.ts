import { type TrainerConfig, TrainerConfigError, validateConfig } from './config';
import { deepMerge } from './overrides';

/** The names of the built-in presets. */
export type PresetName = 'paper' | 'cpu-small' | 'tiny';

/** CAVE scenes held out for validation by the presets (the demo model's split, issue 9). */
export const DEFAULT_VALIDATION_SCENES = ['balloons', 'feathers', 'oil_painting'];

/**
 * `paper`: the paper's protocol (section 4 of the spec): K=4, L=6, C=60, T=6, M=8, Parall-SS; random
 * 256 x 256 crops with rot90/flip, batch 4, 5000 samples per epoch, 300 epochs; Adam (0.9, 0.999),
 * lr 4e-4 halved every 50 epochs; L_ME (alpha 1.5) for 150 epochs, then L_MA (alpha 1, beta 10); Gaussian
 * measurement noise; the standard 256 x 256 mask. Needs a GPU (webgpu or tfjs-node-gpu) to finish in days.
 */
const paper: TrainerConfig = {
  seed: 0,
  backend: 'auto',
  model: {
    blockType: 'parall-ss',
    stageCount: 4,
    blocksPerStage: 6,
    embeddingDim: 60,
    heads: 6,
    windowSize: 8,
    ffnRatio: 4,
    bandCount: 28,
    maskEncodingStage: 2,
  },
  data: {
    source: {
      kind: 'cave',
      root: 'data/cave',
      validationScenes: DEFAULT_VALIDATION_SCENES,
      trainScenes: null,
      divisor: 65536,
    },
    cropSize: 256,
    augment: { rot90: true, flip: true },
    mask: { kind: 'standard', randomCrop: false },
    // The paper adds Gaussian noise but gives no level; 0.01 of the normalised measurement range is our
    // choice (documented in the README), overridable.
    noise: { kind: 'gaussian', std: 0.01 },
    shiftStep: 2,
    input: 'HM',
  },
  training: { epochs: 300, samplesPerEpoch: 5000, batchSize: 4 },
  optimizer: {
    kind: 'adam',
    learningRate: 4e-4,
    beta1: 0.9,
    beta2: 0.999,
    epsilon: 1e-8,
    gradientClipNorm: null,
  },
  learningRateSchedule: { kind: 'step', everyEpochs: 50, factor: 0.5 },
  loss: {
    objective: 'mask-aware',
    reconstruction: 'l1',
    alphaME: 1.5,
    alphaMA: 1,
    beta: 10,
    switchFraction: 0.5,
    region: 'window',
    epsilon: 1e-6,
  },
  validation: { everyEpochs: 1, cropSize: 256, metricsPreset: 'matlab' },
  checkpoint: { everySteps: 500, keep: 3 },
  log: { everySteps: 1 },
  memoryLimitBytes: null,
};

/**
 * `cpu-small`: the same architecture family (Parall-SS blocks, spatial + spectral window attention, the
 * mask-aware schedule) sized for wasm on a 2-core CPU: K=2, L=2, C=28, T=4, M=8 (98k parameters), random
 * 64 x 64 crops of CAVE with random crops of the standard mask, batch 2. Measured here (wasm, 1 thread,
 * machine shared with other work, before @s2cassi/backends' SIMD BatchMatMul): 5.1-6.8 s per step; idle, with
 * it: 0.68 s per step (2.9 samples/s), ~1.7 GiB peak then (about 120 MiB of wasm heap with the eager backpropagation); 24 epochs of 400 samples = 4,800 steps, about
 * an hour idle (7-9 hours at the old speed under load; checkpoints and resume span sessions).
 * Larger crops or models cost more than they gain here: 96 x 96 crops 22 s/step, L=4 19 s/step.
 */
const cpuSmall: TrainerConfig = deepMerge(paper, {
  model: { stageCount: 2, blocksPerStage: 2, embeddingDim: 28, heads: 4, maskEncodingStage: 1 },
  data: { cropSize: 64, mask: { randomCrop: true } },
  training: { epochs: 24, samplesPerEpoch: 400, batchSize: 2 },
  learningRateSchedule: { kind: 'step', everyEpochs: 8, factor: 0.5 },
  optimizer: { gradientClipNorm: 1 },
  validation: { everyEpochs: 2, cropSize: 256 },
  checkpoint: { everySteps: 50, keep: 3 },
}) as TrainerConfig;

/** `tiny`: a seconds-long configuration on synthetic 16 x 16 data, for tests and examples. */
const tiny: TrainerConfig = deepMerge(paper, {
  backend: 'wasm',
  model: {
    stageCount: 1,
    blocksPerStage: 2,
    embeddingDim: 8,
    heads: 2,
    windowSize: 4,
    ffnRatio: 2,
    bandCount: 4,
    maskEncodingStage: 1,
  },
  data: {
    source: { kind: 'synthetic', trainScenes: 4, validationScenes: 1, height: 24, width: 24 },
    cropSize: 16,
    mask: { kind: 'random', size: 24, binary: false, randomCrop: true },
    noise: { kind: 'none' },
  },
  training: { epochs: 4, samplesPerEpoch: 16, batchSize: 2 },
  optimizer: { learningRate: 2e-3 },
  learningRateSchedule: { kind: 'step', everyEpochs: 2, factor: 0.5 },
  validation: { everyEpochs: 2, cropSize: 16 },
  checkpoint: { everySteps: 4, keep: 2 },
}) as TrainerConfig;

const PRESETS: Record<PresetName, TrainerConfig> = { paper, 'cpu-small': cpuSmall, tiny };

/** The names of the presets, for `--help` texts. */
export const PRESET_NAMES = Object.keys(PRESETS) as PresetName[];

/** A deep copy of a built-in preset. */
export function preset(name: PresetName): TrainerConfig {
  const found = PRESETS[name];
  if (!found) {
    throw new TrainerConfigError([
      {
        path: 'extends',
        message: `unknown preset ${JSON.stringify(name)}; expected one of ${PRESET_NAMES.join(', ')}`,
      },
    ]);
  }
  return structuredClone(found);
}

/**
 * Turns a config file's content into a complete validated configuration. The input is either complete, or
 * names a preset in `extends` and gives only what differs (deep-merged; arrays and objects whose `kind`
 * changes are replaced). `overrides` (e.g. from `--set a.b=c`, see {@link parseSetOverrides}) are merged last.
 */
export function resolveConfig(input: unknown, ...overrides: unknown[]): TrainerConfig {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    throw new TrainerConfigError([
      { path: '', message: `expected a JSON object, got ${input === null ? 'null' : typeof input}` },
    ]);
  }
  const { extends: base, $schema: _schema, ...rest } = input as Record<string, unknown>;
  let merged: unknown = rest;
  if (base !== undefined) {
    if (typeof base !== 'string' || !(PRESET_NAMES as string[]).includes(base)) {
      throw new TrainerConfigError([
        {
          path: 'extends',
          message: `unknown preset ${JSON.stringify(base)}; expected one of ${PRESET_NAMES.join(', ')}`,
        },
      ]);
    }
    merged = deepMerge(preset(base as PresetName), rest);
  }
  for (const override of overrides) merged = deepMerge(merged, override);
  return validateConfig(merged);
}
