import * as tf from '@tensorflow/tfjs-core';
import {
  CassiInputError,
  expectFiniteNumber,
  expectFiniteValuesAsync,
  expectNonNegativeInteger,
  expectRank,
} from './_validate';
import { estimateCubeScale } from './cube-scale';
import { type DispersionOptions, resolveDispersion } from './dispersion';
import { GAP_TV_DEFAULTS } from './gap-tv-defaults';
import { assertMaskFits, type CassiMask, validateMask } from './mask';
import { createCassiOperator } from './operator';
import { resolveNormalisation } from './simulate';
import { createTvWorkspace, resolveTv, type TvWorkspace, tvDenoiseCore } from './tv-denoise';

/** What {@link GapTvOptions.onProgress} receives after every iteration. */
export interface GapTvProgress {
  /** 1-based iteration just finished. */
  iteration: number;
  /** Iterations requested. */
  total: number;
  /** Relative change ||x_k - x_(k-1)|| / ||x_(k-1)|| of this iteration. */
  change: number;
}

/** Options of {@link reconstructGapTv}. Defaults: {@link GAP_TV_DEFAULTS}. */
export interface GapTvOptions extends DispersionOptions {
  /** Band count N; default inferred from W' = W + shiftStep * (N - 1) (28 when shiftStep is 0). */
  bandCount?: number;
  /** GAP iterations (default `GAP_TV_DEFAULTS.iterations`, 100). */
  iterations?: number;
  /**
   * TV weight theta of each denoising step (larger = smoother), relative to `tvWeightScale` (default
   * `GAP_TV_DEFAULTS.tvWeight`, 0.5, tuned on CAVE crops). The reference code's `tv_weight` is `1 / theta`.
   */
  tvWeight?: number;
  /** Chambolle iterations per denoising step (default 5). */
  tvIterations?: number;
  /** Chambolle dual step (default 0.25). */
  tvStepSize?: number;
  /** Divergence boundary of the TV step: see `denoiseTv` (default `'adjoint'`). */
  tvBoundary?: 'adjoint' | 'reference';
  /** Accelerated GAP (default true): the residual is accumulated, y1 += y - A x. */
  accelerate?: boolean;
  /** Step size of the projection (default 1). */
  lambda?: number;
  /** Stop early when the relative change falls below this (default 0: never). */
  tolerance?: number;
  /** Called after every iteration; may be async (awaited). */
  onProgress?: (progress: GapTvProgress) => void | Promise<void>;
  /** Aborts between iterations: the promise rejects with the signal's reason and nothing leaks. */
  signal?: AbortSignal;
  /**
   * The factor the measurement was already multiplied by (e.g. 2 / 28), divided out before solving;
   * default `'none'` (the physical Y = sum_n shift(F * M)_n).
   */
  normalisation?: number | 'none';
  /**
   * The cube value that `tvWeight` is relative to: the TV step uses theta = tvWeight * tvWeightScale.
   * Default `'auto'` (`GAP_TV_DEFAULTS.tvWeightScale`): {@link estimateCubeScale} of the (normalised)
   * measurement, so a measurement of any scale gets the same relative smoothing, e.g. a real camera's
   * frame normalised to peak 1, whose cube is ~10x darker than the simulations: there an absolute theta
   * is ~10x too strong relative to the data, and the few Chambolle iterations per step then act as a
   * linear filter that no longer damps the highest spatial frequencies, so GAP amplifies per-band noise
   * (strong colour noise). GAP-TV is exactly scale-equivariant with 'auto': y * c gives the cube * c.
   * A number: `tvWeight` in units of that cube value; `1` is the reference code's absolute theta.
   */
  tvWeightScale?: number | 'auto';
  /**
   * Check that measurement and mask hold finite values, mask >= 0. Default true on every backend: the
   * check reads back asynchronously (`await data()`), so it does not stall GPU backends.
   */
  validateValues?: boolean;
}

function throwIfAborted(signal: AbortSignal | undefined): void {
  if (!signal?.aborted) return;
  const reason = signal.reason;
  if (reason instanceof Error) throw reason;
  const error = new Error(reason === undefined ? 'reconstructGapTv aborted' : String(reason));
  error.name = 'AbortError';
  throw error;
}

/**
 * GAP-TV: generalised alternating projection with total-variation denoising (Yuan, ICIP 2016), the
 * classic training-free CASSI decoder, in the accelerated form of the DeSCI / PnP-SCI `gap_denoise`.
 * Solved in the scene domain, which is exactly the reference's shifted-domain iteration followed by
 * `shift_back` (because Phi^T y vanishes outside each band's window):
 *
 *   x_0 = A^T y;  per iteration:  y1 <- y1 + (y - A x)   (accelerated; else y1 = y)
 *                                 x  <- x + lambda * A^T((y1 - A x) / Phi_s)
 *                                 x  <- TV_denoise(x, tvWeight, tvIterations)
 *
 * with Phi_s = sum_n Phi_n^2 (0 -> 1). (Reference code divides by sum_n Phi_n, the same for binary masks;
 * Phi_s is the exact (Phi Phi^T)^-1 for the non-binary standard mask.) No tensors leak across iterations.
 *
 * @param measurement [B, H, W'] float32, finite.
 * @param mask [H, W] or [B, H, W], finite, >= 0.
 * @returns cube [B, H, W, N] float32 (not clipped; ~0..1 for a 0..1 scene).
 */
export async function reconstructGapTv(
  measurement: tf.Tensor3D,
  mask: CassiMask,
  options: GapTvOptions = {},
): Promise<tf.Tensor4D> {
  expectRank(measurement, [3], 'reconstructGapTv(measurement)', "[batch, height, width']");
  validateMask(mask, 'reconstructGapTv(mask)', false);
  const dispersion = resolveDispersion(options);
  const { bandCount } = assertMaskFits(mask, measurement, { ...dispersion, bandCount: options.bandCount });
  const iterations = expectNonNegativeInteger(
    options.iterations ?? GAP_TV_DEFAULTS.iterations,
    'reconstructGapTv: iterations',
  );
  const tv = resolveTv(
    {
      weight: options.tvWeight,
      iterations: options.tvIterations,
      stepSize: options.tvStepSize,
      boundary: options.tvBoundary,
    },
    'reconstructGapTv: tv',
    GAP_TV_DEFAULTS.tvWeight,
  );
  const lambda = expectFiniteNumber(options.lambda ?? 1, 'reconstructGapTv: lambda', 0);
  const tolerance = expectFiniteNumber(options.tolerance ?? 0, 'reconstructGapTv: tolerance', 0);
  const accelerate = options.accelerate ?? true;
  if (typeof accelerate !== 'boolean') {
    throw new CassiInputError(`reconstructGapTv: accelerate: expected a boolean, got ${String(accelerate)}`);
  }
  if (options.onProgress !== undefined && typeof options.onProgress !== 'function') {
    throw new CassiInputError(
      `reconstructGapTv: onProgress: expected a function, got ${typeof options.onProgress}`,
    );
  }
  const scale = resolveNormalisation(options.normalisation, 'none');
  const weightScale = options.tvWeightScale ?? GAP_TV_DEFAULTS.tvWeightScale;
  if (weightScale !== 'auto') {
    expectFiniteNumber(weightScale, 'reconstructGapTv: tvWeightScale', 0);
    if (weightScale <= 0) {
      throw new CassiInputError(
        `reconstructGapTv: tvWeightScale: expected a number > 0 or 'auto', got ${weightScale}`,
      );
    }
  }
  if (options.validateValues ?? true) {
    // asynchronous readback: no stall on GPU backends, so on by default everywhere
    await expectFiniteValuesAsync(measurement, 'reconstructGapTv(measurement)', false);
    await expectFiniteValuesAsync(mask, 'reconstructGapTv(mask)', true);
  }
  throwIfAborted(options.signal);

  const y = tf.tidy(() => {
    const m = tf.cast(measurement, 'float32') as tf.Tensor3D;
    return scale === 1 ? m : (tf.div(m, scale) as tf.Tensor3D);
  });
  if (weightScale !== 1) {
    let factor: number;
    try {
      factor =
        weightScale === 'auto' ? await estimateCubeScale(y, mask, { ...dispersion, bandCount }) : weightScale;
    } catch (error) {
      y.dispose();
      throw error;
    }
    tv.weight *= factor;
  }
  const operator = createCassiOperator(mask, { ...dispersion, bandCount, validateValues: false });
  let x = operator.adjoint(y);
  let y1 = accelerate ? tf.zerosLike(y) : undefined;
  const phiS = operator.phiSquaredSum();
  const readChange = options.onProgress !== undefined || tolerance > 0;
  let workspace: TvWorkspace | undefined;
  try {
    workspace = createTvWorkspace(x.shape, tv.reference);
    for (let iteration = 1; iteration <= iterations; iteration++) {
      const [projected, nextY1] = tf.tidy((): [tf.Tensor4D, tf.Tensor3D?] => {
        const yb = operator.forward(x);
        let residual: tf.Tensor3D;
        let accumulated: tf.Tensor3D | undefined;
        if (y1) {
          accumulated = tf.add(y1, tf.sub(y, yb)) as tf.Tensor3D;
          residual = tf.sub(accumulated, yb) as tf.Tensor3D;
        } else {
          residual = tf.sub(y, yb) as tf.Tensor3D;
        }
        const step = operator.adjoint(tf.div(residual, phiS) as tf.Tensor3D);
        const z = tf.add(x, lambda === 1 ? step : tf.mul(step, lambda)) as tf.Tensor4D;
        return accumulated ? [z, accumulated] : [z];
      });
      if (nextY1) {
        y1?.dispose();
        y1 = nextY1;
      }
      const denoised = tvDenoiseCore(projected, tv, workspace);
      projected.dispose();
      let change = Number.NaN;
      if (readChange) {
        const changeTensor = tf.tidy(() => {
          const difference = tf.sqrt(tf.sum(tf.square(tf.sub(denoised, x))));
          const norm = tf.sqrt(tf.sum(tf.square(x)));
          return tf.div(difference, tf.maximum(norm, 1e-12));
        });
        change = (await changeTensor.data())[0];
        changeTensor.dispose();
      }
      x.dispose();
      x = denoised;
      if (options.onProgress) await options.onProgress({ iteration, total: iterations, change });
      if (options.signal) {
        // Let timers and events run so that an abort requested meanwhile is seen.
        await new Promise((resolve) => setTimeout(resolve, 0));
        throwIfAborted(options.signal);
      }
      if (tolerance > 0 && change < tolerance) break;
    }
    const result = x;
    x = undefined as unknown as tf.Tensor4D;
    return result;
  } finally {
    if (x) x.dispose();
    y1?.dispose();
    y.dispose();
    workspace?.dispose();
    operator.dispose();
  }
}
