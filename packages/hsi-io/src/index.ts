export { HsiFormatError } from './errors';
export {
  decodeSafetensors,
  encodeSafetensors,
  type SafetensorsData,
  type SafetensorsDtype,
  type SafetensorsFile,
  type SafetensorsTensor,
  safetensorToFloat32,
} from './safetensors';
