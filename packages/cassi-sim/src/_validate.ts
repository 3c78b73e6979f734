import * as tf from '@tensorflow/tfjs-core';

/** Error thrown for bad input to @s2cassi/cassi-sim: names what was expected and what was given. */
export class CassiInputError extends Error {
  override name = 'CassiInputError';
}

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
 * Checks that every value is finite and, when `nonNegative`, >= 0. Reads the data back (synchronously),
 * so it is meant for inputs at the API boundary, not for every iteration.
 */
export function expectFiniteValues(x: tf.Tensor, what: string, nonNegative: boolean): void {
  const [finite, min] = tf.tidy(() => {
    const flat = tf.reshape(tf.cast(x, 'float32'), [-1]);
    const allFinite = tf.all(tf.logicalNot(tf.logicalOr(tf.isNaN(flat), tf.isInf(flat))));
    return [allFinite, flat.size > 0 ? tf.min(flat) : tf.scalar(0)];
  });
  const finiteValue = finite.dataSync()[0];
  const minValue = min.dataSync()[0];
  finite.dispose();
  min.dispose();
  if (!finiteValue) throw new CassiInputError(`${what}: expected finite values, found NaN or Infinity`);
  if (nonNegative && minValue < 0) {
    throw new CassiInputError(`${what}: expected non-negative intensities, found a minimum of ${minValue}`);
  }
}
