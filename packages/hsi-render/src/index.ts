export {
  type BandGridImage,
  type BandGridLayout,
  type BandGridOptions,
  bandGrid,
  formatWavelength,
} from './band-grid';
export {
  applyColormap,
  COLORMAP_NAMES,
  type ColormapName,
  type ColormapOptions,
  colormapColor,
} from './colormap';
export type { CubeLike, RgbaImage, SpectralCube } from './cube';
export { type ErrorMap, type ErrorMapOptions, errorMap } from './error-map';
export { HsiRenderInputError } from './errors';
export {
  type LineChartImage,
  type LineChartLayout,
  type LineChartMarker,
  type LineChartOptions,
  type LineSeries,
  lineChart,
  lineChartLayout,
  lineChartSvg,
  logTicks,
} from './line-chart';
export { type BandMetricsOptions, bandMetricsSvg, type MetricSeries } from './metric-bars';
export {
  CIE_RANGE,
  type CustomIlluminant,
  cieCmf,
  ILLUMINANT_NAMES,
  type Illuminant,
  type IlluminantName,
  illuminantPower,
} from './observer';
export { decodePng, encodePng } from './png';
export {
  renderSrgb,
  type SpectrumColor,
  type SrgbOptions,
  type SrgbWeights,
  spectrumToSrgb,
  srgbWeights,
} from './render-srgb';
export {
  correlation,
  normalizeSpectrum,
  regionSpectrum,
  type SpectralCurve,
  type SpectralCurvesOptions,
  type SpectrumRegion,
  spectralCurvesSvg,
} from './spectral-curves';
export {
  spectrumToXyz,
  trapezoidWidths,
  type XyzOptions,
  type XyzWeights,
  xyzWeights,
} from './spectral-weights';
export {
  BRADFORD,
  bradfordAdaptation,
  type Matrix3,
  SRGB_WHITE_XYZ,
  srgbDecode,
  srgbEncode,
  wavelengthColor,
  XYZ_TO_LINEAR_SRGB,
  xyzToLinearSrgb,
  xyzToSrgbBytes,
} from './srgb';
