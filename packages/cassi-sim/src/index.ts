export { CassiInputError } from './_validate';
export {
  bandOffset,
  type DispersionDirection,
  type DispersionOptions,
  dispersedWidth,
  sceneWidth,
  shiftBack,
  shiftBands,
} from './dispersion';
