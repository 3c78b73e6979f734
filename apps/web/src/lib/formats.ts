import { CASSI_28_BAND_CENTRES } from '@s2cassi/hsi-io';
import type { InputRole } from './types';

/**
 * Light constants the page needs (kept apart from the readers so the page's bundle stays small: the
 * readers and tfjs load only inside the worker).
 */

/** File types accepted per role, for the file pickers' `accept`. */
export const ACCEPTED: Record<InputRole, string> = {
  cube: '.mat,.npy,.npz,.hdr,.img,.raw,.dat,.bsq,.bil,.bip,.png,.safetensors',
  measurement: '.mat,.npy,.npz,.hdr,.img,.raw,.dat,.png,.safetensors',
  mask: '.mat,.npy,.npz,.hdr,.img,.raw,.dat,.png,.safetensors',
  weights: '.safetensors,.json',
};

export type ExportFormat = 'mat' | 'npy' | 'envi';
export const EXPORT_FORMATS: readonly ExportFormat[] = ['mat', 'npy', 'envi'];

/** Band centres for a cube without any: the 28 CASSI centres for 28 bands, else 450..650 nm evenly. */
export function defaultWavelengths(bands: number): number[] {
  if (bands === CASSI_28_BAND_CENTRES.length) return [...CASSI_28_BAND_CENTRES];
  if (bands === 1) return [550];
  return Array.from({ length: bands }, (_, i) => Math.round((450 + (200 * i) / (bands - 1)) * 10) / 10);
}
