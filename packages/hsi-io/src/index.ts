export {
  assertCube,
  type Cube,
  cloneCube,
  createCube,
  cubeFromBands,
  cubeFromColumnMajor,
  cubeFromRowMajor,
  cubeToColumnMajor,
  fromColumnMajor,
  getBand,
  getSpectrum,
  toColumnMajor,
} from './cube';
export { type CubeBatch, stackCubes } from './cube-batch';
export { createLazyDataset, type LazyDataset, type LazyDatasetOptions } from './dataset';
export {
  decodeEnvi,
  type EnviDataType,
  type EnviHeader,
  type EnviInterleave,
  type EnviReadOptions,
  type EnviReadResult,
  type EnviWriteOptions,
  encodeEnvi,
  parseEnviHeader,
} from './envi';
export { HsiFormatError } from './errors';
export { DEFAULT_MAX_BYTES, type ReadOptions } from './limits';
export {
  decodeMatAsync,
  encodeTestResultMat,
  listMatVariables,
  matVariableToCube,
  type TestResultOptions,
} from './mat';
export {
  cubeToMatArray,
  decodeMat,
  encodeMat,
  isMatV73,
  type MatArray,
  type MatClass,
  type MatFile,
  type MatReadOptions,
  type MatSkipped,
  type MatVariableInfo,
  type MatWritable,
  type MatWriteOptions,
} from './mat-v5';
export { decodeMatV73 } from './mat-v73';
export type { NumericArray } from './ndarray';
export {
  decodeNpy,
  encodeNpy,
  type NpyArray,
  type NpyDtype,
  type NpyToCubeOptions,
  type NpyWriteOptions,
  npyToCube,
} from './npy';
export { decodeNpz, encodeNpz, listNpzKeys, type NpzReadOptions } from './npz';
export {
  type BandImage,
  type BandStackReadOptions,
  type BandStackWriteOptions,
  cubeFromBandPngs,
  cubeToBandPngs,
  decodeBandPng,
  encodeBandPng,
} from './png-stack';
export {
  CASSI_28_BAND_CENTRES,
  CAVE_31_BAND_CENTRES,
  type ResampleOptions,
  resampleBands,
} from './resample';
export { type ResizeMethod, resizeCube } from './resize';
export {
  decodeSafetensors,
  encodeSafetensors,
  type SafetensorsData,
  type SafetensorsDtype,
  type SafetensorsFile,
  type SafetensorsTensor,
  type SafetensorToCubeOptions,
  safetensorToCube,
  safetensorToFloat32,
} from './safetensors';
export {
  applyValueScale,
  type DeclaredScale,
  isIntegerType,
  parseDeclaredScale,
  type ValueScale,
  type ValueScaleOptions,
} from './value-scale';
