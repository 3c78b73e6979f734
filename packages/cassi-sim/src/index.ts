export { type AssertFiniteValuesOptions, assertFiniteValues } from './assert-finite-values';
export { type CubeScaleOptions, estimateCubeScale } from './cube-scale';
export {
  bandOffset,
  type DispersionDirection,
  type DispersionOptions,
  dispersedWidth,
  sceneWidth,
  shiftBack,
  shiftBands,
} from './dispersion';
export { CassiInputError } from './errors';
export { type GapTvOptions, type GapTvProgress, reconstructGapTv } from './gap-tv';
export { GAP_TV_DEFAULTS } from './gap-tv-defaults';
export { GPU_BACKENDS } from './gpu-backends';
export { type InitialEstimateOptions, initialEstimate } from './initial-estimate';
export {
  assertMaskFits,
  type CassiMask,
  type CropRegion,
  cropMask,
  type MaskFit,
  type MaskFromArrayOptions,
  maskFromArray,
  type RandomBinaryMaskOptions,
  randomBinaryMask,
} from './mask';
export {
  addMeasurementNoise,
  type GaussianNoise,
  type MeasurementNoise,
  type NoiseRandomOptions,
  type ShotNoise,
} from './noise';
export { type CassiOperator, type CassiOperatorOptions, createCassiOperator } from './operator';
export { buildPhi, type PhiOptions, phiSquaredSum } from './phi';
export { createRandom, type Random, type RandomState } from './random';
export { type SimulateOptions, simulateMeasurement } from './simulate';
export { denoiseTv, type TvDenoiseOptions } from './tv-denoise';
