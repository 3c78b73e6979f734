export type { Cube, CubeLike, GreyImage, NumericArray } from './cube-like';
export { type ErgasOptions, ergas } from './ergas';
export { MetricsInputError } from './errors';
export { type NiqeOptions, type NiqePerBandOptions, type NiqePerBandResult, niqe, niqePerBand } from './niqe';
export { type PsnrOptions, type PsnrPreset, psnr, psnrPerBand } from './psnr';
export {
  type BandReport,
  describeReportPreset,
  type QualityReport,
  qualityReport,
  REPORT_PRESETS,
  type ReportOptions,
  type ReportPreset,
  type SceneReport,
} from './report';
export { rmse, rmsePerBand } from './rmse';
export { type SamConvention, type SamOptions, sam } from './sam';
export { type SsimOptions, type SsimPreset, ssim, ssimPerBand } from './ssim';
