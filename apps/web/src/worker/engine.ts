import {
  reconstruct as runReconstruction,
  simulate as runSimulation,
  type SimulateOptions,
  score,
} from '@s2cassi/pipeline';
import { decodeModelWeights, type S2Transformer } from '@s2cassi/s2-attn';
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
 * The worker's side of the app: decoding weights (and keeping the model) and handing arrays to
 * @s2cassi/pipeline, the simulate -> reconstruct -> score job the command line runs too. It runs inside
 * the Web Worker (see engine.worker.ts) on whatever tfjs backend is active, and in Node for the tests.
 */

export type SimulateParams = Required<SimulateOptions>;

/** Y = sum_n shift(F * M)_n (+ Gaussian noise), returned as [H, W + d (N - 1)]. */
export function simulate(cube: CubeData, mask: PlaneData, params: SimulateParams): Promise<PlaneData> {
  return runSimulation({ data: cube.data, shape: cube.shape }, mask, params);
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
 * Reconstructs a cube from a measurement through the pipeline: GAP-TV (the shared defaults for any
 * setting the job leaves out; progress per iteration, cancellable between iterations) or an
 * S2-Transformer (tiled; progress per tile; the job may name the measurement scaling and self-ensemble in
 * place of the weights' own). Progress messages never repeat the method's name: the page
 * shows it once, `GAP-TV: iteration 3 of 100`.
 */
export async function reconstruct(
  job: ReconstructJob,
  onProgress: (progress: JobProgress) => void,
  signal?: AbortSignal,
): Promise<ReconstructResult> {
  let model: S2Transformer | undefined;
  if (job.method !== 'gap-tv') {
    if (!job.weights) throw new Error('S2-Transformer: no weights given');
    onProgress({ done: 0, total: 1, message: 'loading the weights' });
    model = modelFor(job.weights);
  }
  const result = await runReconstruction(job.measurement, job.mask, {
    method: job.method === 'gap-tv' ? 'gap-tv' : 's2',
    shiftStep: job.shiftStep,
    gapTv: { iterations: job.iterations, tvWeight: job.tvWeight, tvWeightScale: job.tvWeightScale },
    model,
    ...(job.measurementScaling ? { measurementScaling: { kind: job.measurementScaling } } : {}),
    ...(job.selfEnsemble ? { selfEnsemble: job.selfEnsemble } : {}),
    signal,
    onProgress: (p) => onProgress({ done: p.done, total: p.total, message: p.text }),
  });
  onProgress({ done: 1, total: 1, message: 'done' });
  return {
    cube: result.cube.data,
    shape: result.cube.shape,
    seconds: result.seconds,
    backend: result.backend,
    ...(result.gapTv ? { gapTv: result.gapTv } : {}),
    ...(result.measurementScaling && result.selfEnsemble
      ? { s2: { measurementScaling: result.measurementScaling.kind, selfEnsemble: result.selfEnsemble } }
      : {}),
  };
}

/**
 * Per-band PSNR and SSIM and the mean SAM (degrees) under a named metrics preset (default 'matlab', the
 * papers' tables): the same definition the command line's `metrics`, `evaluate` and `demo` print.
 */
export function bandMetrics(truth: CubeData, estimate: CubeData): BandMetrics {
  const scores = score(
    { data: truth.data, shape: truth.shape },
    { data: estimate.data, shape: estimate.shape },
  );
  return {
    preset: scores.preset,
    presetDescription: scores.presetDescription,
    psnr: scores.bands.psnr,
    ssim: scores.bands.ssim,
    sam: scores.sam,
  };
}
