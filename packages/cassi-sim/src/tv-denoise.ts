import * as tf from '@tensorflow/tfjs-core';
import {
  CassiInputError,
  checksValuesSynchronously,
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
  /**
   * Check that the cube is finite (reads it back synchronously; default: true on cpu, wasm and other CPU
   * backends, false on the GPU backends webgl and webgpu, where a synchronous readback stalls, so only
   * shapes and dtypes are checked: run `await assertFiniteValues(...)` there first).
   */
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

/**
 * Precomputed 0/1 masks for the finite differences of one cube shape. Differences are taken on the flat
 * buffer (a neighbour along the width is N elements away, along the height W * N), where every slice is
 * contiguous (fast on every backend; strided slices are slow on `cpu` and `wasm`), and these masks zero the
 * entries that would wrap into the next row / image.
 */
export interface TvWorkspace {
  shape: [number, number, number, number];
  /** 0 in the last column. */
  notLastColumn: tf.Tensor4D;
  /** 0 in the last row. */
  notLastRow: tf.Tensor4D;
  /** 0 in the first column / row ('reference' boundary only). */
  notFirstColumn?: tf.Tensor4D;
  notFirstRow?: tf.Tensor4D;
  dispose(): void;
}

export function createTvWorkspace(shape: [number, number, number, number], reference: boolean): TvWorkspace {
  const [batch, height, width, bands] = shape;
  const size = batch * height * width * bands;
  const build = (keep: (h: number, w: number) => boolean) => {
    const values = new Float32Array(size);
    let i = 0;
    for (let b = 0; b < batch; b++)
      for (let h = 0; h < height; h++)
        for (let w = 0; w < width; w++) {
          const v = keep(h, w) ? 1 : 0;
          for (let n = 0; n < bands; n++) values[i++] = v;
        }
    return tf.tensor4d(values, shape);
  };
  const workspace: TvWorkspace = {
    shape,
    notLastColumn: build((_, w) => w < width - 1),
    notLastRow: build((h) => h < height - 1),
    notFirstColumn: reference ? build((_, w) => w > 0) : undefined,
    notFirstRow: reference ? build((h) => h > 0) : undefined,
    dispose() {
      tf.dispose([workspace.notLastColumn, workspace.notLastRow]);
      if (workspace.notFirstColumn) workspace.notFirstColumn.dispose();
      if (workspace.notFirstRow) workspace.notFirstRow.dispose();
    },
  };
  return workspace;
}

/** Forward difference z[i + offset] - z[i] on the flat buffer, zeroed where `keep` is 0. */
function forwardDifference(z: tf.Tensor4D, offset: number, keep: tf.Tensor4D): tf.Tensor4D {
  const size = z.size;
  if (offset >= size) return tf.zerosLike(z);
  const flat = tf.reshape(z, [size]);
  const difference = tf.sub(tf.slice(flat, [offset], [size - offset]), tf.slice(flat, [0], [size - offset]));
  return tf.mul(tf.reshape(tf.pad(difference, [[0, offset]]), z.shape), keep) as tf.Tensor4D;
}

/**
 * Backward difference p[i] - p[i - offset] (p[i - offset] = 0 before the start). The dual field is 0 in
 * the last column / row, so the entries read across a row / image boundary are 0 and the result is the
 * exact negative adjoint of {@link forwardDifference}; `keep` zeroes the first column / row ('reference').
 */
function backwardDifference(p: tf.Tensor4D, offset: number, keep: tf.Tensor4D | undefined): tf.Tensor4D {
  const size = p.size;
  const flat = tf.reshape(p, [size]);
  const previous =
    offset >= size ? tf.zerosLike(flat) : tf.pad(tf.slice(flat, [0], [size - offset]), [[offset, 0]]);
  const difference = tf.reshape(tf.sub(flat, previous), p.shape) as tf.Tensor4D;
  return keep ? (tf.mul(difference, keep) as tf.Tensor4D) : difference;
}

/**
 * Vector total-variation denoising, unvalidated (no readback; disposes everything it creates except the
 * result). Bands are coupled through the dual update's denominator 1 + dt * sqrt(sum_n |grad z_n|^2).
 * Pass a workspace from {@link createTvWorkspace} to reuse the masks across calls.
 */
export function tvDenoiseCore(x: tf.Tensor4D, tv: ResolvedTv, workspace?: TvWorkspace): tf.Tensor4D {
  if (tv.weight === 0 || tv.iterations === 0) return tf.clone(x);
  const own = workspace ?? createTvWorkspace(x.shape, tv.reference);
  const [, , width, bands] = x.shape;
  const lambda = 1 / tv.weight;
  const dt = tv.stepSize;
  let p1: tf.Tensor4D = tf.zerosLike(x);
  let p2: tf.Tensor4D = tf.zerosLike(x);
  let divp: tf.Tensor4D = tf.zerosLike(x);
  try {
    for (let i = 0; i < tv.iterations; i++) {
      const next = tf.tidy(() => {
        const z = tf.sub(divp, tf.mul(x, lambda)) as tf.Tensor4D;
        const z1 = forwardDifference(z, bands, own.notLastColumn);
        const z2 = forwardDifference(z, width * bands, own.notLastRow);
        const norm = tf.sqrt(tf.sum(tf.add(tf.square(z1), tf.square(z2)), 3, true));
        const denominator = tf.add(tf.mul(norm, dt), 1);
        const q1 = tf.div(tf.add(p1, tf.mul(z1, dt)), denominator) as tf.Tensor4D;
        const q2 = tf.div(tf.add(p2, tf.mul(z2, dt)), denominator) as tf.Tensor4D;
        const d = tf.add(
          backwardDifference(q1, bands, own.notFirstColumn),
          backwardDifference(q2, width * bands, own.notFirstRow),
        );
        return [q1, q2, d as tf.Tensor4D] as const;
      });
      tf.dispose([p1, p2, divp]);
      [p1, p2, divp] = next;
    }
    return tf.tidy(() => tf.sub(x, tf.mul(divp, tv.weight)) as tf.Tensor4D);
  } finally {
    tf.dispose([p1, p2, divp]);
    if (!workspace) own.dispose();
  }
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
  if (checksValuesSynchronously(options.validateValues)) expectFiniteValues(cube, 'denoiseTv(cube)', false);
  const x = tf.tidy(() => tf.cast(cube, 'float32') as tf.Tensor4D);
  try {
    return tvDenoiseCore(x, tv);
  } finally {
    if (x !== cube) x.dispose();
  }
}
