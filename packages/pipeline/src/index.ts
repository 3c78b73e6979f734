export { type BandCountOptions, bandCountFor } from './band-count';
export type { CubeData, PlaneData } from './cube-data';
export { PipelineInputError } from './errors';
export { describeGapTv, type GapTvSettings, gapTvDifferences, gapTvSettings } from './gap-tv-settings';
export {
  DEFAULT_MEASUREMENT_PEAK,
  type MeasurementScalingOverride,
  type PipelineProgress,
  RECONSTRUCT_METHODS,
  type Reconstruction,
  type ReconstructMethod,
  type ReconstructOptions,
  reconstruct,
} from './reconstruct';
export { type ScoreOptions, type Scores, score } from './score';
export { type SimulateOptions, simulate } from './simulate';
export { SIMULATION_DEFAULTS } from './simulation-defaults';
