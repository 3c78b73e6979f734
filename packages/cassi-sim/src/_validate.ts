import * as tf from '@tensorflow/tfjs-core';
import { CassiInputError } from './errors';
import { GPU_BACKENDS } from './gpu-backends';

// The error class and GPU_BACKENDS are public (src/errors.ts, src/gpu-backends.ts); re-exported here for
// the helpers' callers.
export { CassiInputError, GPU_BACKENDS };

export function describeShape(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}

/** Rank check with an error naming the expected layout and the given shape. */
export function expectRank(x: tf.Tensor, ranks: readonly number[], what: string, layout: string): void {
  if (!(x instanceof tf.Tensor)) {
    throw new CassiInputError(`${what}: expected a tfjs Tensor ${layout}, got ${typeof x}`);
  }
  if (!ranks.includes(x.rank)) {
    throw new CassiInputError(
      `${what}: expected a tensor of rank ${ranks.join(' or ')} (${layout}), got shape ${describeShape(x.shape)}`,
    );
  }
  if (x.dtype !== 'float32' && x.dtype !== 'int32' && x.dtype !== 'bool') {
    throw new CassiInputError(`${what}: expected a numeric tensor, got dtype ${x.dtype}`);
  }
}

/** Positive integer option check. */
export function expectPositiveInteger(value: unknown, what: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw new CassiInputError(`${what}: expected a positive integer, got ${String(value)}`);
  }
  return value;
}

export function expectNonNegativeInteger(value: unknown, what: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
    throw new CassiInputError(`${what}: expected a non-negative integer, got ${String(value)}`);
  }
  return value;
}

export function expectFiniteNumber(value: unknown, what: string, min = -Infinity): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min) {
    throw new CassiInputError(
      `${what}: expected a finite number${min > -Infinity ? ` >= ${min}` : ''}, got ${String(value)}`,
    );
  }
  return value;
}

/**
 * Whether a synchronous function runs its value check: the caller's `validateValues` when given,
 * otherwise true except on GPU backends ({@link GPU_BACKENDS}), where only shapes and dtypes are checked.
 */
export function checksValuesSynchronously(validateValues: boolean | undefined): boolean {
  if (validateValues !== undefined) {
    if (typeof validateValues !== 'boolean') {
      throw new CassiInputError(`validateValues: expected a boolean, got ${String(validateValues)}`);
    }
    return validateValues;
  }
  return !GPU_BACKENDS.has(tf.getBackend());
}

/** [all finite (1 or 0), minimum] of x, computed on its backend (call outside tidy; caller disposes). */
function summarise(x: tf.Tensor): tf.Tensor1D {
  return tf.tidy(() => {
    if (x.size === 0) return tf.tensor1d([1, 0]);
    const flat = tf.reshape(tf.cast(x, 'float32'), [-1]);
    const allFinite = tf.cast(tf.all(tf.logicalNot(tf.logicalOr(tf.isNaN(flat), tf.isInf(flat)))), 'float32');
    return tf.stack([allFinite, tf.min(flat)]) as tf.Tensor1D;
  });
}

function firstIndex(values: ArrayLike<number>, bad: (v: number) => boolean): number {
  for (let i = 0; i < values.length; i++) if (bad(values[i])) return i;
  return -1;
}

/** The error for a failed check; `values` (the whole tensor) locates the first offending element. */
function valueError(
  x: tf.Tensor,
  what: string,
  finite: boolean,
  min: number,
  values: ArrayLike<number>,
): CassiInputError {
  const where = (index: number) =>
    `${values[index]} at flat index ${index} of shape ${describeShape(x.shape)}`;
  if (!finite) {
    const index = firstIndex(values, (v) => !Number.isFinite(v));
    return new CassiInputError(
      `${what}: expected finite values, found NaN or Infinity (the first: ${where(index)})`,
    );
  }
  const index = firstIndex(values, (v) => v < 0);
  return new CassiInputError(
    `${what}: expected non-negative intensities, found a minimum of ${min} (the first negative: ${where(index)})`,
  );
}

/**
 * Checks that every value is finite and, when `nonNegative`, >= 0. Reads the data back (synchronously),
 * so it is meant for inputs at the API boundary, not for every iteration, and not for GPU backends
 * (see {@link checksValuesSynchronously}; use {@link expectFiniteValuesAsync} there).
 */
export function expectFiniteValues(x: tf.Tensor, what: string, nonNegative: boolean): void {
  const summary = summarise(x);
  const [finite, min] = summary.dataSync();
  summary.dispose();
  if (finite === 1 && (!nonNegative || min >= 0)) return;
  throw valueError(x, what, finite === 1, min, x.dataSync());
}

/**
 * {@link expectFiniteValues} without a synchronous readback (`await data()`), so it does not stall a
 * GPU backend: the reduction runs on the backend and two numbers come back (the whole tensor only when
 * the check fails, to name the first bad element).
 */
export async function expectFiniteValuesAsync(
  x: tf.Tensor,
  what: string,
  nonNegative: boolean,
): Promise<void> {
  const summary = summarise(x);
  let finite: number;
  let min: number;
  try {
    [finite, min] = await summary.data();
  } finally {
    summary.dispose();
  }
  if (finite === 1 && (!nonNegative || min >= 0)) return;
  throw valueError(x, what, finite === 1, min, await x.data());
}
