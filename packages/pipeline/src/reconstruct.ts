import { assertFiniteValues, initialEstimate, reconstructGapTv } from '@s2cassi/cassi-sim';
import {
  DEFAULT_MEASUREMENT_SCALING,
  type MeasurementScaling,
  measurementFactors,
  reconstructTiled,
  resolveSelfEnsemble,
  type S2Transformer,
  type SelfEnsemble,
  type TiledOptions,
} from '@s2cassi/s2-attn';
import * as tf from '@tensorflow/tfjs-core';
import { bandCountFor } from './band-count';
import { type CubeData, expectPlaneData, type PlaneData } from './cube-data';
import { PipelineInputError } from './errors';
import { type GapTvSettings, gapTvSettings } from './gap-tv-settings';
import { SIMULATION_DEFAULTS } from './simulation-defaults';

/** Reconstruction methods: the GAP-TV decoder (no training) or a trained S2-Transformer. */
export type ReconstructMethod = 'gap-tv' | 's2';
export const RECONSTRUCT_METHODS: readonly ReconstructMethod[] = Object.freeze(['gap-tv', 's2']);

/**
 * Progress of a reconstruction. `text` never names the method (the app knows which one it started and
 * names it once): `'starting'`, `'iteration 3 of 100'`, `'tile 2 of 4'`.
 */
export interface PipelineProgress {
  method: ReconstructMethod;
  /** Units done (0 when starting). */
  done: number;
  /** Units in all: GAP-TV iterations or S2 tiles (1 until the tiles are planned). */
  total: number;
  unit: 'iteration' | 'tile';
  text: string;
}

/** Options of {@link reconstruct}. */
export interface ReconstructOptions {
  method: ReconstructMethod;
  /** Dispersion d in pixels per band. Default 2. */
  shiftStep?: number;
  /** The band count when `shiftStep` is 0. Default 28. */
  bandCount?: number;
  /** GAP-TV settings; missing ones are `GAP_TV_DEFAULTS` (see {@link gapTvSettings}). */
  gapTv?: Partial<GapTvSettings>;
  /** S2: the model (owned by the caller, not disposed). Its `bandCount` must match the measurement's. */
  model?: S2Transformer;
  /** S2: how the image is tiled (memory budget, tile, overlap). */
  tiling?: Pick<TiledOptions, 'memoryBudgetBytes' | 'tile' | 'overlap'>;
  /** S2: the self-ensemble to run (`'none'`, `'shift2'`, `'shift4'`); default: the model's own `selfEnsemble`. */
  selfEnsemble?: SelfEnsemble;
  /**
   * S2: how to scale the measurement, in place of the model's own `measurementScaling` (its gain, a property
   * of how it was trained, is kept): e.g. `{ kind: 'peak' }` for a simulation-trained model on a real frame,
   * whose units are the camera's. `peak` defaults to {@link DEFAULT_MEASUREMENT_PEAK}. Not for GAP-TV.
   */
  measurementScaling?: MeasurementScalingOverride;
  /** Names in errors, e.g. file names. */
  measurementName?: string;
  maskName?: string;
  /** Cancels between GAP-TV iterations or S2 tiles; the promise rejects with the signal's reason. */
  signal?: AbortSignal;
  onProgress?: (progress: PipelineProgress) => void;
}

/** What {@link reconstruct} returns. */
export interface Reconstruction {
  /** The estimate `[H, W, N]`, not clipped (GAP-TV may overshoot 0..1 slightly). */
  cube: CubeData;
  method: ReconstructMethod;
  /** The GAP-TV settings used (GAP-TV only). */
  gapTv?: GapTvSettings;
  /**
   * S2 only: the measurement scaling used (the option, else the model's) and the factors it gave for this measurement (network input
   * Y0 = shiftBack(Y * inputFactor) * M; cube = outputFactor * the network's output).
   */
  measurementScaling?: MeasurementScaling & { inputFactor: number; outputFactor: number };
  /** S2 only: the self-ensemble it ran (the option, else the model's). */
  selfEnsemble?: SelfEnsemble;
  /** Wall time of the reconstruction, seconds. */
  seconds: number;
  /** The tfjs backend it ran on. */
  backend: string;
}

/** A measurement scaling without its gain: what {@link ReconstructOptions.measurementScaling} may ask for. */
export type MeasurementScalingOverride = { kind: 'band-sum' } | { kind: 'peak'; peak?: number };

/** The peak a measurement is scaled to when an override names `peak` without one (the TSA-Net / MST code's 0.8). */
export const DEFAULT_MEASUREMENT_PEAK = 0.8;

/** Checks an override and returns the model's scaling with it applied (the model's gain kept). */
function overriddenScaling(model: S2Transformer, value: unknown): MeasurementScaling {
  const own = model.measurementScaling ?? DEFAULT_MEASUREMENT_SCALING;
  if (value === undefined) return own;
  const v = value as Record<string, unknown> | null;
  const kind = v !== null && typeof v === 'object' ? v.kind : undefined;
  if (kind !== 'band-sum' && kind !== 'peak') {
    throw new PipelineInputError(
      `reconstruct: measurementScaling: expected { kind: 'band-sum' } or { kind: 'peak', peak? }, got ${JSON.stringify(value)}`,
    );
  }
  const allowed = kind === 'peak' ? ['kind', 'peak'] : ['kind'];
  const extra = Object.keys(v as object).filter((key) => !allowed.includes(key));
  if (extra.length > 0) {
    throw new PipelineInputError(
      `reconstruct: measurementScaling: unexpected field${extra.length > 1 ? 's' : ''} ${extra.join(', ')} for kind '${kind}' (expected ${allowed.join(', ')}; the gain is the model's)`,
    );
  }
  if (kind === 'band-sum') return { kind, gain: own.gain };
  const peak = (v as Record<string, unknown>).peak ?? DEFAULT_MEASUREMENT_PEAK;
  if (typeof peak !== 'number' || !Number.isFinite(peak) || peak <= 0) {
    throw new PipelineInputError(
      `reconstruct: measurementScaling: peak: expected a finite number > 0, got ${JSON.stringify(peak)}`,
    );
  }
  return { kind, peak, gain: own.gain };
}

/** The measurement scaling to use (the option, else the model's) and its factors for this measurement. */
function s2Scaling(
  scaling: MeasurementScaling,
  measurement: PlaneData,
  bandCount: number,
  options: ReconstructOptions,
): NonNullable<Reconstruction['measurementScaling']> {
  let max = Number.NEGATIVE_INFINITY;
  if (scaling.kind === 'peak') {
    for (const v of measurement.data) if (v > max) max = v;
    if (!(max > 0)) {
      throw new PipelineInputError(
        `${options.measurementName ?? 'measurement'}: the model expects measurements scaled to their peak (${scaling.peak}); expected a measurement with a positive maximum, got maximum ${max}`,
      );
    }
  }
  const factors = measurementFactors(scaling, max, bandCount);
  return { ...scaling, inputFactor: factors.input, outputFactor: factors.output };
}

function now(): number {
  return globalThis.performance?.now() ?? Date.now();
}

/**
 * Reconstructs a cube from a CASSI measurement on the active tfjs backend: GAP-TV (one set of defaults,
 * `GAP_TV_DEFAULTS`) or an S2-Transformer on Y0 = shiftBack(Y * 2 / N) * M, tiled to a memory budget (scaled
 * as the model's `measurementScaling` says: a real-data model sees the measurement scaled to its peak, and its
 * output is scaled back, so that both methods return the cube in the measurement's units).
 * The band count follows from the shapes (W' = W + d (N - 1)); values are checked with an asynchronous
 * read-back, so nothing stalls a GPU backend. Leaves no tensors behind, also when it throws or is cancelled.
 *
 * @param measurement Y `[H, W']`, finite.
 * @param mask M `[H, W]`, finite, >= 0.
 */
export async function reconstruct(
  measurement: PlaneData,
  mask: PlaneData,
  options: ReconstructOptions,
): Promise<Reconstruction> {
  expectPlaneData(measurement, 'reconstruct: measurement');
  expectPlaneData(mask, 'reconstruct: mask');
  const method = options?.method;
  if (!RECONSTRUCT_METHODS.includes(method)) {
    throw new PipelineInputError(
      `reconstruct: method: expected one of ${RECONSTRUCT_METHODS.join(', ')}, got ${String(method)}`,
    );
  }
  const shiftStep = options.shiftStep ?? SIMULATION_DEFAULTS.shiftStep;
  const bandCount = bandCountFor(measurement.shape, mask.shape, shiftStep, {
    bandCount: options.bandCount,
    measurementName: options.measurementName,
    maskName: options.maskName,
  });
  const gapTv = method === 'gap-tv' ? gapTvSettings(options.gapTv) : undefined;
  const model = options.model;
  if (method === 'gap-tv' && options.measurementScaling !== undefined) {
    throw new PipelineInputError(
      'reconstruct: measurementScaling is for method s2; GAP-TV scales its TV weight with gapTv.tvWeightScale',
    );
  }
  if (method === 's2') {
    if (!model) throw new PipelineInputError('reconstruct: method s2 needs a model (S2-Transformer weights)');
    if (model.config.bandCount !== bandCount) {
      throw new PipelineInputError(
        `the model reconstructs ${model.config.bandCount} bands but the measurement and mask give ${bandCount} (W' - W = ${measurement.shape[1] - mask.shape[1]}, step ${shiftStep}); use weights trained for ${bandCount} bands or check the shift step`,
      );
    }
  }
  const [height, measuredWidth] = measurement.shape;
  const width = mask.shape[1];
  let scaling: Reconstruction['measurementScaling'];
  const chosenScaling =
    method === 's2' ? overriddenScaling(model as S2Transformer, options.measurementScaling) : undefined;
  const ensemble =
    method === 's2'
      ? resolveSelfEnsemble(
          options.selfEnsemble ?? model?.selfEnsemble ?? 'none',
          'reconstruct: selfEnsemble',
        )
      : undefined;
  const progress = (done: number, total: number, unit: PipelineProgress['unit'], text: string) =>
    options.onProgress?.({ method, done, total, unit, text });
  const started = now();
  const y = tf.tensor3d(measurement.data, [1, height, measuredWidth], 'float32');
  const m = tf.tensor2d(mask.data, [height, width], 'float32');
  let out: tf.Tensor4D | undefined;
  try {
    await assertFiniteValues(y, { name: 'measurement' });
    await assertFiniteValues(m, { name: 'mask', nonNegative: true });
    if (gapTv) {
      progress(0, gapTv.iterations, 'iteration', 'starting');
      out = await reconstructGapTv(y, m, {
        shiftStep,
        bandCount,
        iterations: gapTv.iterations,
        tvWeight: gapTv.tvWeight,
        tvWeightScale: gapTv.tvWeightScale,
        signal: options.signal,
        validateValues: false,
        onProgress: options.onProgress
          ? (p) => progress(p.iteration, p.total, 'iteration', `iteration ${p.iteration} of ${p.total}`)
          : undefined,
      });
    } else {
      options.signal?.throwIfAborted();
      progress(0, 1, 'tile', 'starting');
      // let the app show that before the first (long, synchronous) network pass
      await new Promise((resolve) => setTimeout(resolve, 0));
      // after the finiteness check: the peak of a measurement with an Infinity is not a scale
      const factors = s2Scaling(chosenScaling as MeasurementScaling, measurement, bandCount, options);
      scaling = factors;
      const y0 = initialEstimate(y, m, {
        shiftStep,
        bandCount,
        normalisation: factors.inputFactor,
        validateValues: false,
      });
      try {
        out = await reconstructTiled(model as S2Transformer, y0, {
          ...options.tiling,
          selfEnsemble: ensemble,
          signal: options.signal,
          onProgress: (done, total) => progress(done, total, 'tile', `tile ${done} of ${total}`),
        });
      } finally {
        y0.dispose();
      }
      if (factors.outputFactor !== 1) {
        const network = out;
        out = tf.mul(network, factors.outputFactor) as tf.Tensor4D;
        network.dispose();
      }
    }
    const data = (await out.data()) as Float32Array;
    return {
      cube: { data, shape: [height, width, bandCount] },
      method,
      ...(gapTv ? { gapTv } : {}),
      ...(scaling ? { measurementScaling: scaling, selfEnsemble: ensemble } : {}),
      seconds: (now() - started) / 1000,
      backend: tf.getBackend(),
    };
  } finally {
    tf.dispose([y, m, ...(out ? [out] : [])]);
  }
}
