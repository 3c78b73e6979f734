import * as tf from '@tensorflow/tfjs-core';
import { disperseAndSum, spreadBack } from './_forward';
import {
  CassiInputError,
  checksValuesSynchronously,
  describeShape,
  expectPositiveInteger,
  expectRank,
} from './_validate';
import { type DispersionOptions, type ResolvedDispersion, resolveDispersion } from './dispersion';
import { type CassiMask, maskAsChannel, validateMask } from './mask';
import { buildPhi, computePhiSquaredSum } from './phi';

/** Options of {@link createCassiOperator}. */
export interface CassiOperatorOptions extends DispersionOptions {
  /** Band count N (default 28). */
  bandCount?: number;
  /**
   * Check once, at creation, that the mask is finite and >= 0 (reads it back synchronously; default: true
   * on cpu, wasm and other CPU backends, false on the GPU backends webgl and webgpu, where a synchronous
   * readback stalls, so only shapes and dtypes are checked: run `await assertFiniteValues(...)` there
   * first).
   */
  validateValues?: boolean;
}

/**
 * The linear CASSI operator for one mask, in two equivalent domains. No method reads data back, so it
 * can sit inside solver and training loops; every method returns a new tensor the caller owns, except
 * `phi()` / `phiSquaredSum()` / `mask`, which the operator owns until `dispose()`.
 *
 * Scene domain (x: cube [B, H, W, N], y: measurement [B, H, W']):
 *   A x   = sum_n shift(x * M)_n          (`forward`, = simulateMeasurement without noise)
 *   A^T y = shiftBack(y) * M              (`adjoint`)
 * Shifted domain (GAP's Phi form, z: [B, H, W', N]):
 *   Phi z   = sum_n z_n * Phi_n           (`shiftedForward`, the toolboxes' `A(x, Phi)`)
 *   Phi^T y = y * Phi                     (`shiftedAdjoint`, `At(y, Phi)`)
 * with A x = Phi shiftBands(x) and A^T y = shiftBack(Phi^T y).
 * B may be any batch when the mask is 2D or has batch 1; a per-sample mask [B, H, W] fixes B.
 */
export interface CassiOperator {
  readonly bandCount: number;
  readonly height: number;
  /** Scene width W. */
  readonly width: number;
  /** Measurement width W' = W + shiftStep * (N - 1). */
  readonly measurementWidth: number;
  /** Mask batch: 1 for a shared mask, B for per-sample masks. */
  readonly maskBatch: number;
  readonly dispersion: ResolvedDispersion;
  /** The operator's own copy of the mask, [Bm, H, W] float32. Do not dispose. */
  readonly mask: tf.Tensor3D;
  /** A x: cube [B, H, W, N] -> measurement [B, H, W']. */
  forward(cube: tf.Tensor4D): tf.Tensor3D;
  /** A^T y: measurement [B, H, W'] -> cube [B, H, W, N]. */
  adjoint(measurement: tf.Tensor3D): tf.Tensor4D;
  /** Phi z: shifted cube [B, H, W', N] -> measurement [B, H, W']. */
  shiftedForward(shifted: tf.Tensor4D): tf.Tensor3D;
  /** Phi^T y: measurement [B, H, W'] -> shifted cube [B, H, W', N]. */
  shiftedAdjoint(measurement: tf.Tensor3D): tf.Tensor4D;
  /** Phi [Bm, H, W', N], built on first use, owned by the operator. */
  phi(): tf.Tensor4D;
  /** Phi_s = sum_n Phi^2 with 0 -> 1, [Bm, H, W'], owned by the operator. */
  phiSquaredSum(): tf.Tensor3D;
  /** Releases the operator's tensors; later calls throw. */
  dispose(): void;
}

/**
 * Creates the forward operator A and its adjoint A^T for a mask.
 *
 * @param mask [H, W] (shared) or [B, H, W] (per sample), finite, >= 0. Copied; the caller keeps its own.
 */
export function createCassiOperator(mask: CassiMask, options: CassiOperatorOptions = {}): CassiOperator {
  validateMask(mask, 'createCassiOperator(mask)', checksValuesSynchronously(options.validateValues));
  const bandCount = expectPositiveInteger(options.bandCount ?? 28, 'bandCount');
  const dispersion = resolveDispersion(options);
  const [height, width] = mask.shape.slice(-2);
  const maskBatch = mask.rank === 3 ? mask.shape[0] : 1;
  const measurementWidth = width + dispersion.shiftStep * (bandCount - 1);
  const ownMask = tf.keep(
    tf.tidy(() => tf.reshape(tf.cast(mask, 'float32'), [maskBatch, height, width]) as tf.Tensor3D),
  );
  const maskChannel = tf.keep(tf.tidy(() => maskAsChannel(ownMask)));
  let phi: tf.Tensor4D | undefined;
  let phiS: tf.Tensor3D | undefined;
  let disposed = false;

  const alive = (method: string) => {
    if (disposed) throw new CassiInputError(`CassiOperator.${method}: the operator has been disposed`);
  };
  const checkBatch = (x: tf.Tensor, method: string, layout: string) => {
    if (maskBatch !== 1 && x.shape[0] !== maskBatch) {
      throw new CassiInputError(
        `CassiOperator.${method}: expected ${layout} with batch ${maskBatch} (the per-sample mask's), got ${describeShape(x.shape)}`,
      );
    }
  };
  const checkCube = (x: tf.Tensor4D, method: string, w: number, layout: string) => {
    alive(method);
    expectRank(x, [4], `CassiOperator.${method}(input)`, layout);
    if (x.shape[1] !== height || x.shape[2] !== w || x.shape[3] !== bandCount) {
      throw new CassiInputError(
        `CassiOperator.${method}: expected ${layout} = [B, ${height}, ${w}, ${bandCount}], got ${describeShape(x.shape)}`,
      );
    }
    checkBatch(x, method, layout);
  };
  const checkMeasurement = (y: tf.Tensor3D, method: string) => {
    alive(method);
    const layout = "measurement [batch, height, width']";
    expectRank(y, [3], `CassiOperator.${method}(measurement)`, layout);
    if (y.shape[1] !== height || y.shape[2] !== measurementWidth) {
      throw new CassiInputError(
        `CassiOperator.${method}: expected ${layout} = [B, ${height}, ${measurementWidth}] ` +
          `(W' = W + shiftStep * (bands - 1) = ${width} + ${dispersion.shiftStep} * (${bandCount} - 1)), got ${describeShape(y.shape)}`,
      );
    }
    checkBatch(y, method, layout);
  };

  const operator: CassiOperator = {
    bandCount,
    height,
    width,
    measurementWidth,
    maskBatch,
    dispersion,
    mask: ownMask,
    forward(cube) {
      checkCube(cube, 'forward', width, 'cube [batch, height, width, bands]');
      return tf.tidy(() =>
        disperseAndSum(tf.mul(tf.cast(cube, 'float32'), maskChannel) as tf.Tensor4D, dispersion),
      );
    },
    adjoint(measurement) {
      checkMeasurement(measurement, 'adjoint');
      return tf.tidy(
        () =>
          tf.mul(
            spreadBack(tf.cast(measurement, 'float32') as tf.Tensor3D, bandCount, dispersion),
            maskChannel,
          ) as tf.Tensor4D,
      );
    },
    shiftedForward(shifted) {
      checkCube(shifted, 'shiftedForward', measurementWidth, "shifted cube [batch, height, width', bands]");
      const p = operator.phi();
      return tf.tidy(() => tf.sum(tf.mul(tf.cast(shifted, 'float32'), p), 3) as tf.Tensor3D);
    },
    shiftedAdjoint(measurement) {
      checkMeasurement(measurement, 'shiftedAdjoint');
      const p = operator.phi();
      return tf.tidy(() => tf.mul(tf.expandDims(tf.cast(measurement, 'float32'), 3), p) as tf.Tensor4D);
    },
    phi() {
      alive('phi');
      if (!phi) phi = tf.keep(buildPhi(ownMask, bandCount, { ...dispersion, validateValues: false }));
      return phi;
    },
    phiSquaredSum() {
      alive('phiSquaredSum');
      if (!phiS) phiS = tf.keep(tf.tidy(() => computePhiSquaredSum(ownMask, bandCount, dispersion)));
      return phiS;
    },
    dispose() {
      if (disposed) return;
      disposed = true;
      tf.dispose([ownMask, maskChannel]);
      if (phi) phi.dispose();
      if (phiS) phiS.dispose();
    },
  };
  return operator;
}
