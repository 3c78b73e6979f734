import './_serialization';

export { checkpoint } from './checkpoint';
export { Conv2d, type Conv2dConfig } from './conv2d';
export { countMacs, countParameters, type MacCounts, type ParameterCounts } from './counts';
export { S2AttnInputError } from './errors';
export { FeedForward, type FeedForwardConfig } from './feed-forward';
export { FUSED_KERNELS, type FusedKernel, setFusedKernels, useFusedKernel } from './fused-kernels';
export { FUSED_GELU_KERNEL, type GeluApproximation, gelu } from './gelu';
export { LayerNorm, type LayerNormConfig } from './layer-norm';
export { leanGradients, setLeanGradients } from './lean-gradients';
export { Linear, type LinearConfig } from './linear';
export {
  DEFAULT_MEASUREMENT_SCALING,
  isDefaultMeasurementScaling,
  type MeasurementScaling,
  measurementFactors,
  resolveMeasurementScaling,
} from './measurement-scaling';
export { Module, type NamedWeight } from './module';
export { lookupBias, relativePositionIndex, spectralBiasIndex } from './relative-position';
export {
  BLOCK_TYPES,
  type BlockApplyOptions,
  type BlockType,
  createBlock,
  ParallSsBlock,
  S2AttnBlock,
  type S2AttnBlockConfig,
  SequnSsBlock,
  SpaBlock,
  SpaSpaBlock,
  SpeBlock,
  SpeSpeBlock,
} from './s2-attn-block';
export {
  MaskEncodingHead,
  padToMultiple,
  S2Transformer,
  type S2TransformerApplyOptions,
  type S2TransformerOutput,
  S2TransformerStage,
} from './s2-transformer';
export {
  blockShift,
  DEFAULT_S2_TRANSFORMER_CONFIG,
  type PadMode,
  type ResolvedS2TransformerConfig,
  resolveS2TransformerConfig,
  type S2TransformerConfig,
} from './s2-transformer-config';
export { resolveSelfEnsemble, SELF_ENSEMBLES, type SelfEnsemble, selfEnsembleOffsets } from './self-ensemble';
export { type SpatialMsaOptions, SpatialWindowMsa, type WindowMsaConfig } from './spatial-window-msa';
export { type SpectralMsaConfig, type SpectralProduct, SpectralWindowMsa } from './spectral-window-msa';
export {
  estimateForwardBytes,
  planTiles,
  reconstructTiled,
  type TiledOptions,
  type TileLayout,
} from './tiled';
export {
  averageModelWeights,
  decodeModelWeights,
  encodeModelWeights,
  loadS2Transformer,
  loadWeightsInto,
  manifestFromSafetensors,
  modelManifest,
  type S2TransformerManifest,
  saveS2Transformer,
  WEIGHTS_FORMAT,
  WEIGHTS_VERSION,
  WeightsMismatchError,
} from './weights';
export { cyclicShift, reverseCyclicShift, windowPartition, windowReverse } from './window';
export { shiftedWindowMask, shiftedWindowMaskValues } from './window-mask';
