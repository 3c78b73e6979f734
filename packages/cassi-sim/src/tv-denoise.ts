import * as tf from '@tensorflow/tfjs-core';
import {
  CassiInputError,
  expectFiniteNumber,
  expectFiniteValues,
  expectNonNegativeInteger,
  expectRank,
} from './_validate';

/** Options of {@link denoiseTv}. */
export interface TvDenoiseOptions {
  /**
   * Regularisation weight theta of min_u 1/2 ||u - x||^2 + theta * TV(u) (larger = smoother), in the
   * cube's units. The reference `TV_denoiser(x, _lambda, n)` uses `_lambda = 1 / theta`. Default 0.1.
   * 0 returns a copy of the input.
   */
  weight?: number;
  /** Chambolle projection iterations (default 5, the reference GAP-TV's `tv_iter_max`). */
  iterations?: number;
  /** Dual step size dt (default 0.25, as in the reference; Chambolle proves convergence for <= 1/8). */
  stepSize?: number;
  /**
   * Divergence at the first row / column. `'adjoint'` (default): the exact negative adjoint of the
   * forward-difference gradient (Chambolle 2004), so every pixel is denoised. `'reference'`: the
   * DeSCI / PnP-SCI `TV_denoiser`, whose divergence is 0 in the first row (vertical term) and first
   * column (horizontal term), so pixel (0, 0) is never changed. Offered to reproduce that code exactly.
   */
  boundary?: 'adjoint' | 'reference';
  /** Check that the cube is finite (reads it back; default true). */
  validateValues?: boolean;
}

export interface ResolvedTv {
  weight: number;
  iterations: number;
  stepSize: number;
  reference: boolean;
}

export function resolveTv(options: TvDenoiseOptions, what: string, defaultWeight = 0.1): ResolvedTv {
  const weight = expectFiniteNumber(options.weight ?? defaultWeight, `${what}weight`, 0);
  const iterations = expectNonNegativeInteger(options.iterations ?? 5, `${what}iterations`);
  const stepSize = expectFiniteNumber(options.stepSize ?? 0.25, `${what}stepSize`, 0);
  if (stepSize <= 0) throw new CassiInputError(`${what}stepSize: expected a number > 0, got ${stepSize}`);
  const boundary = options.boundary ?? 'adjoint';
  if (boundary !== 'adjoint' && boundary !== 'reference') {
    throw new CassiInputError(`${what}boundary: expected 'adjoint' or 'reference', got ${String(boundary)}`);
  }
  return { weight, iterations, stepSize, reference: boundary === 'reference' };
}

/** Forward difference along `axis` (1 = height, 2 = width) with a zero last row / column. */
function forwardDifference(z: tf.Tensor4D, axis: 1 | 2): tf.Tensor4D {
  const size = z.shape[axis];
  if (size === 1) return tf.zerosLike(z);
  const begin = [0, 0, 0, 0];
  const rest = [-1, -1, -1, -1];
  rest[axis] = size - 1;
  const head = tf.slice(z, begin, rest);
  begin[axis] = 1;
  const tail = tf.slice(z, begin, rest);
  const padding: [number, number][] = [
    [0, 0],
    [0, 0],
    [0, 0],
    [0, 0],
  ];
  padding[axis] = [0, 1];
  return tf.pad(tf.sub(tail, head), padding) as tf.Tensor4D;
}

/** Backward difference of a dual field p (whose last row / column is 0) along `axis`. */
function backwardDifference(p: tf.Tensor4D, axis: 1 | 2, reference: boolean): tf.Tensor4D {
  const size = p.shape[axis];
  if (size === 1) return reference ? tf.zerosLike(p) : p;
  const begin = [0, 0, 0, 0];
  const rest = [-1, -1, -1, -1];
  rest[axis] = size - 1;
  const head = tf.slice(p, begin, rest);
  const padding: [number, number][] = [
    [0, 0],
    [0, 0],
    [0, 0],
    [0, 0],
  ];
  padding[axis] = [1, 0];
  if (!reference) return tf.sub(p, tf.pad(head, padding)) as tf.Tensor4D;
  begin[axis] = 1;
  const tail = tf.slice(p, begin, rest);
  return tf.pad(tf.sub(tail, head), padding) as tf.Tensor4D;
}

/**
 * Vector total-variation denoising, unvalidated (no readback; disposes everything it creates except the
 * result). Bands are coupled through the dual update's denominator 1 + dt * sqrt(sum_n |grad z_n|^2).
 */
export function tvDenoiseCore(x: tf.Tensor4D, tv: ResolvedTv): tf.Tensor4D {
  if (tv.weight === 0 || tv.iterations === 0) return tf.clone(x);
  const lambda = 1 / tv.weight;
  const dt = tv.stepSize;
  let p1: tf.Tensor4D = tf.zerosLike(x);
  let p2: tf.Tensor4D = tf.zerosLike(x);
  let divp: tf.Tensor4D = tf.zerosLike(x);
  for (let i = 0; i < tv.iterations; i++) {
    const next = tf.tidy(() => {
      const z = tf.sub(divp, tf.mul(x, lambda)) as tf.Tensor4D;
      const z1 = forwardDifference(z, 2);
      const z2 = forwardDifference(z, 1);
      const norm = tf.sqrt(tf.sum(tf.add(tf.square(z1), tf.square(z2)), 3, true));
      const denominator = tf.add(tf.mul(norm, dt), 1);
      const q1 = tf.div(tf.add(p1, tf.mul(z1, dt)), denominator) as tf.Tensor4D;
      const q2 = tf.div(tf.add(p2, tf.mul(z2, dt)), denominator) as tf.Tensor4D;
      const d = tf.add(backwardDifference(q1, 2, tv.reference), backwardDifference(q2, 1, tv.reference));
      return [q1, q2, d as tf.Tensor4D] as const;
    });
    tf.dispose([p1, p2, divp]);
    [p1, p2, divp] = next;
  }
  const u = tf.tidy(() => tf.sub(x, tf.mul(divp, tv.weight)) as tf.Tensor4D);
  tf.dispose([p1, p2, divp]);
  return u;
}

/**
 * Total-variation denoising by Chambolle's projection algorithm (J. Math. Imaging Vis. 20, 2004) in the
 * form of the GAP-TV reference code's `TV_denoiser`: isotropic TV on each band's H x W plane with the
 * bands coupled (vector TV), Neumann boundary (zero gradient across the last row / column).
 *
 *   z = div p - x / theta;  p <- (p + dt * grad z) / (1 + dt * |grad z|);  u = x - theta * div p
 *
 * @param cube [B, H, W, N] float32, finite.
 * @returns [B, H, W, N] float32.
 */
export function denoiseTv(cube: tf.Tensor4D, options: TvDenoiseOptions = {}): tf.Tensor4D {
  expectRank(cube, [4], 'denoiseTv(cube)', '[batch, height, width, bands]');
  const tv = resolveTv(options, 'denoiseTv: ');
  if (options.validateValues ?? true) expectFiniteValues(cube, 'denoiseTv(cube)', false);
  const x = tf.tidy(() => tf.cast(cube, 'float32') as tf.Tensor4D);
  try {
    return tvDenoiseCore(x, tv);
  } finally {
    if (x !== cube) x.dispose();
  }
}
