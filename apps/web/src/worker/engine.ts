import {
  assertFiniteValues,
  initialEstimate,
  type MeasurementNoise,
  reconstructGapTv,
  simulateMeasurement,
} from '@s2cassi/cassi-sim';
import { psnrPerBand, sam, ssimPerBand } from '@s2cassi/metrics';
import { decodeModelWeights, reconstructTiled, type S2Transformer } from '@s2cassi/s2-attn';
import * as tf from '@tensorflow/tfjs-core';
import type {
  BandMetrics,
  CubeData,
  JobProgress,
  PlaneData,
  ReconstructJob,
  ReconstructResult,
  WeightsData,
} from '../lib/types';

/**
 * The tfjs side of the app: simulation, reconstruction and metrics on plain arrays. It runs inside the
 * Web Worker (see engine.worker.ts) on whatever tfjs backend is active, and in Node for the tests.
 */

export interface SimulateParams {
  shiftStep: number;
  /** Gaussian noise sigma in measurement units (0: none). */
  noiseSigma: number;
  seed: number;
}

function expectShift(shiftStep: number): number {
  if (!Number.isInteger(shiftStep) || shiftStep < 0 || shiftStep > 16) {
    throw new Error(`shift step: expected an integer 0..16 pixels per band, got ${shiftStep}`);
  }
  return shiftStep;
}

/** Y = sum_n shift(F * M)_n (+ Gaussian noise), returned as [H, W + d (N - 1)]. */
export async function simulate(cube: CubeData, mask: PlaneData, params: SimulateParams): Promise<PlaneData> {
  const [height, width, bands] = cube.shape;
  if (mask.shape[0] !== height || mask.shape[1] !== width) {
    throw new Error(
      `simulate: the mask is ${mask.shape[0]} x ${mask.shape[1]}, the cube ${height} x ${width}: expected the same height and width`,
    );
  }
  const shiftStep = expectShift(params.shiftStep);
  if (!(params.noiseSigma >= 0 && Number.isFinite(params.noiseSigma))) {
    throw new Error(`simulate: noise sigma: expected a finite number >= 0, got ${params.noiseSigma}`);
  }
  const noise: MeasurementNoise =
    params.noiseSigma > 0 ? { type: 'gaussian', sigma: params.noiseSigma } : 'none';
  const x = tf.tensor4d(cube.data, [1, height, width, bands]);
  const m = tf.tensor2d(mask.data, mask.shape);
  let y: tf.Tensor3D | undefined;
  try {
    // Value checks read back asynchronously (cassi-sim's synchronous ones would stall WebGPU), then
    // the synchronous function is told they were done.
    await assertFiniteValues(x, { name: 'simulate: cube', nonNegative: true });
    await assertFiniteValues(m, { name: 'simulate: mask', nonNegative: true });
    y = simulateMeasurement(x, m, { shiftStep, noise, seed: params.seed, validateValues: false });
    return { data: (await y.data()) as Float32Array, shape: [y.shape[1], y.shape[2]] };
  } finally {
    tf.dispose([x, m, ...(y ? [y] : [])]);
  }
}

/** Band count implied by a measurement W', a mask W and a shift step. */
export function impliedBandCount(measurementWidth: number, maskWidth: number, shiftStep: number): number {
  if (shiftStep === 0) return 28;
  const n = (measurementWidth - maskWidth) / shiftStep + 1;
  if (!Number.isInteger(n) || n < 1) {
    throw new Error(
      `the measurement is ${measurementWidth} px wide and the mask ${maskWidth}: with a shift step of ${shiftStep} px the difference must be a multiple of ${shiftStep}`,
    );
  }
  return n;
}

/** Cached S2 model, keyed by the weights' identity and the backend it was built on. */
let cachedModel: { key: string; bytes: Uint8Array; model: S2Transformer } | undefined;

export function disposeModel(): void {
  cachedModel?.model.dispose();
  cachedModel = undefined;
}

function modelFor(weights: WeightsData): S2Transformer {
  const key = `${tf.getBackend()}|${weights.name}|${weights.bytes.length}|${JSON.stringify(weights.manifest ?? null)}`;
  if (cachedModel && cachedModel.key === key && cachedModel.bytes === weights.bytes) return cachedModel.model;
  disposeModel();
  const model = decodeModelWeights(weights.bytes, { manifest: weights.manifest, source: weights.name });
  cachedModel = { key, bytes: weights.bytes, model };
  return model;
}

/**
 * Reconstructs a cube from a measurement: GAP-TV (progress per iteration, cancellable between
 * iterations) or an S2-Transformer (Y0 = shiftBack(Y * 2 / N) * M, then the network, tiled to a memory
 * budget). Values are clipped to [0, 1] (the scenes are reflectances).
 */
export async function reconstruct(
  job: ReconstructJob,
  onProgress: (progress: JobProgress) => void,
  signal?: AbortSignal,
): Promise<ReconstructResult> {
  const { measurement, mask } = job;
  const shiftStep = expectShift(job.shiftStep);
  const [height, measurementWidth] = measurement.shape;
  if (mask.shape[0] !== height) {
    throw new Error(
      `the measurement has ${height} rows, the mask ${mask.shape[0]}: expected the same height`,
    );
  }
  const bandCount = impliedBandCount(measurementWidth, mask.shape[1], shiftStep);
  const started = performance.now();
  const y = tf.tensor3d(measurement.data, [1, height, measurementWidth]);
  const m = tf.tensor2d(mask.data, mask.shape);
  let out: tf.Tensor4D | undefined;
  try {
    // asynchronous value checks (no WebGPU stall), done once for both methods
    await assertFiniteValues(y, { name: 'measurement' });
    await assertFiniteValues(m, { name: 'mask', nonNegative: true });
    if (job.method === 'gap-tv') {
      const iterations = job.iterations;
      if (!Number.isInteger(iterations) || iterations < 1 || iterations > 10_000) {
        throw new Error(`GAP-TV iterations: expected an integer 1..10000, got ${iterations}`);
      }
      onProgress({ done: 0, total: iterations, message: 'GAP-TV' });
      out = await reconstructGapTv(y, m, {
        shiftStep,
        bandCount,
        iterations,
        tvWeight: job.tvWeight,
        signal,
        validateValues: false,
        onProgress: (p) =>
          onProgress({ done: p.iteration, total: p.total, message: `GAP-TV iteration ${p.iteration}` }),
      });
    } else {
      if (!job.weights) throw new Error('S2-Transformer: no weights given');
      onProgress({ done: 0, total: 2, message: 'building the S2-Transformer' });
      const model = modelFor(job.weights);
      if (model.config.bandCount !== bandCount) {
        throw new Error(
          `the weights are for ${model.config.bandCount} bands, the measurement and mask imply ${bandCount} (shift step ${shiftStep})`,
        );
      }
      if (signal?.aborted) throw new DOMException('cancelled', 'AbortError');
      onProgress({ done: 1, total: 2, message: 'running the S2-Transformer' });
      await new Promise((resolve) => setTimeout(resolve, 0));
      const y0 = initialEstimate(y, m, { shiftStep, bandCount, mode: 'HM', validateValues: false });
      try {
        out = await reconstructTiled(model, y0, {
          signal,
          onProgress: (done, total) =>
            onProgress({ done, total, message: `S2-Transformer tile ${done} of ${total}` }),
        });
      } finally {
        y0.dispose();
      }
    }
    const clipped = tf.tidy(() => tf.clipByValue(out as tf.Tensor4D, 0, 1));
    const data = (await clipped.data()) as Float32Array;
    clipped.dispose();
    onProgress({ done: 1, total: 1, message: 'done' });
    return {
      cube: data,
      shape: [height, mask.shape[1], bandCount],
      seconds: (performance.now() - started) / 1000,
      backend: tf.getBackend(),
    };
  } finally {
    out?.dispose();
    y.dispose();
    m.dispose();
  }
}

/** Per-band PSNR and SSIM (MATLAB convention: 8-bit quantised, the papers' tables) and mean SAM (degrees). */
export function bandMetrics(truth: CubeData, estimate: CubeData): BandMetrics {
  const a = { data: truth.data, shape: truth.shape };
  const b = { data: estimate.data, shape: estimate.shape };
  return {
    psnr: Array.from(psnrPerBand(a, b)),
    ssim: Array.from(ssimPerBand(a, b)),
    sam: sam(a, b),
  };
}
