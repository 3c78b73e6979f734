import type { GapTvSettings, PlaneData } from '@s2cassi/pipeline';
import type { SelfEnsemble } from '@s2cassi/s2-attn';

/** A hyperspectral cube, HWC row-major (bands fastest): value (y, x, n) at `(y * width + x) * bands + n`. */
export interface CubeData {
  data: Float32Array;
  shape: [number, number, number];
  /** Band centres in nm, one per band. */
  wavelengths: number[];
}

/** A 2-D image, row-major: value (y, x) at `y * width + x`. A CASSI measurement [H, W'] or a mask [H, W]. */
export type { PlaneData };

/** The four kinds of input a user can give. */
export type InputRole = 'cube' | 'measurement' | 'mask' | 'weights';

/** A file's name and bytes, as read in the browser (never uploaded anywhere). */
export interface NamedBytes {
  name: string;
  bytes: Uint8Array;
}

/** Weights of an S2-Transformer: safetensors bytes plus the manifest/config JSON when given apart. */
export interface WeightsData {
  name: string;
  bytes: Uint8Array;
  /** Parsed JSON (a manifest `{ format, version, config }` or a bare config), if a JSON file was given. */
  manifest?: unknown;
  /** Short description: parameter count and config summary. */
  summary: string;
}

/** What reading a role's files produced. */
export type LoadedInput =
  | { role: 'cube'; cube: CubeData; source: string }
  | { role: 'measurement'; plane: PlaneData; source: string }
  | { role: 'mask'; plane: PlaneData; source: string }
  | { role: 'weights'; weights: WeightsData; source: string };

/** Reconstruction methods. */
export type MethodId = 'gap-tv' | 's2-demo' | 's2-user';

export const METHOD_LABELS: Record<MethodId, string> = {
  'gap-tv': 'GAP-TV',
  's2-demo': 'S2-Transformer (demo weights)',
  's2-user': 'S2-Transformer (your weights)',
};

/**
 * How an S2 reconstruction scales the measurement: as the weights say ('model'), or the simulation's band
 * sum, or scaled to its peak (0.8; for a simulation-trained model on a real frame, whose units are the camera's).
 */
export type ScalingChoice = 'model' | 'band-sum' | 'peak';
export const SCALING_LABELS: Record<ScalingChoice, string> = {
  model: "the weights' own",
  'band-sum': 'band sum (simulations)',
  peak: 'peak 0.8 (real frames)',
};

/** Which self-ensemble an S2 reconstruction runs: the weights' own, or one named (more passes, more time). */
export type EnsembleChoice = 'model' | SelfEnsemble;
export const ENSEMBLE_LABELS: Record<EnsembleChoice, string> = {
  model: "the weights' own",
  none: 'none (one pass)',
  shift2: 'shift2 (2 passes)',
  shift4: 'shift4 (4 passes)',
};

/** Backends the user may ask for ('auto': @s2cassi/backends' browser order, webgpu, webgl, wasm, cpu). */
export type BackendPreference = 'auto' | 'webgpu' | 'webgl' | 'wasm' | 'cpu';
export const BACKEND_PREFERENCES: readonly BackendPreference[] = ['auto', 'webgpu', 'webgl', 'wasm', 'cpu'];

export interface BackendStatus {
  /** The tfjs backend now active. */
  backend: string;
  /** Why it was chosen (and what was skipped). */
  reason: string;
  /** Set when the request could not be met and another backend was used instead. */
  fallback?: string;
}

export interface ReconstructJob {
  method: MethodId;
  measurement: PlaneData;
  mask: PlaneData;
  /** Dispersion step d (pixels per band). */
  shiftStep: number;
  /** GAP-TV iterations (the page starts from the shared defaults, `gapTvSettings()`). */
  iterations: number;
  /** GAP-TV TV weight. */
  tvWeight: number;
  /** GAP-TV: what the TV weight is relative to; default the shared default (`'auto'`). */
  tvWeightScale?: number | 'auto';
  /** For the S2 methods. */
  weights?: WeightsData;
  /** S2: the measurement scaling in place of the weights' own (their gain kept); absent: theirs. */
  measurementScaling?: 'band-sum' | 'peak';
  /** S2: the self-ensemble in place of the weights' own; absent: theirs. */
  selfEnsemble?: SelfEnsemble;
}

export interface ReconstructResult {
  cube: Float32Array;
  shape: [number, number, number];
  seconds: number;
  backend: string;
  /** The GAP-TV settings used (GAP-TV only). */
  gapTv?: GapTvSettings;
  /** S2 only: the measurement scaling and self-ensemble that ran (the job's, else the weights' own). */
  s2?: { measurementScaling: 'band-sum' | 'peak'; selfEnsemble: SelfEnsemble };
}

export interface JobProgress {
  done: number;
  total: number;
  message: string;
}

export interface BandMetrics {
  /** The metrics preset of @s2cassi/metrics the numbers were taken under, and one line saying what it does. */
  preset: string;
  presetDescription: string;
  psnr: number[];
  ssim: number[];
  /** Mean spectral angle in degrees. */
  sam: number;
}
