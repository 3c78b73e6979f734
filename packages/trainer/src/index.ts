export {
  AdamOptimizer,
  type AdamOptions,
  type AdamState,
  clipByGlobalNorm,
  type NamedVariable,
} from './adam';
export {
  assembleBatch,
  augmentedSource,
  centreCrop,
  drawBatch,
  type HostBatch,
  type MaskArray,
  type SampleBatchOptions,
  type SampleDraw,
} from './batch-sampler';
export {
  assertSameTraining,
  CHECKPOINT_FILES,
  type CheckpointState,
  configHash,
  type DecodedCheckpoint,
  decodeCheckpoint,
  type EncodedCheckpoint,
  encodeCheckpoint,
  encodeNamedWeights,
  sha256Hex,
  TrainerCheckpointError,
  type TrainingProgress,
  type ValidationRecord,
} from './checkpoint';
export {
  type TrainerConfig,
  TrainerConfigError,
  trainerConfigJsonSchema,
  trainerConfigSchema,
  validateConfig,
} from './config';
export {
  bucketMeans,
  type ChartLayout,
  type CurveChartOptions,
  type CurveSeries,
  chartLayout,
  curveChartRgba,
  curveChartSvg,
  MAX_LOSS_POINTS,
  trainingCurves,
} from './curves';
export {
  type EpochRecord,
  type LossValues,
  type ObjectiveChangeRecord,
  type StepRecord,
  type TrainerEventMap,
  type TrainerEventName,
  TrainerEvents,
} from './events';
export { type InitialWeights, loadInitialWeights, TrainerInitialWeightsError } from './initial-weights';
export { learningRateAt } from './learning-rate';
export { type ConfiguredMaskOptions, configuredMask, randomMask } from './mask-source';
export {
  assertMemoryFits,
  estimateTrainingMemory,
  type MemoryEstimate,
  WASM_HEAP_LIMIT_BYTES,
} from './memory';
export { createModel, type TrainableModel } from './model';
export { deepMerge, diffPaths, parseSetOverrides } from './overrides';
export { DEFAULT_VALIDATION_SCENES, PRESET_NAMES, type PresetName, preset, resolveConfig } from './presets';
export {
  type Scene,
  type SceneSource,
  type SyntheticSourceOptions,
  syntheticSceneSource,
} from './scene-source';
export {
  type CheckpointStore,
  type CreateTrainerOptions,
  type RunOptions,
  type RunResult,
  Trainer,
} from './trainer';
