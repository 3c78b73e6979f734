import * as tf from '@tensorflow/tfjs-core';
import { LossInputError } from './errors';

// The error class is public (src/errors.ts); re-exported here for the helpers' callers.
export { LossInputError };

export function describeShape(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}

function describeValue(value: unknown): string {
  if (value instanceof tf.Tensor) return `a tensor of shape ${describeShape(value.shape)}`;
  if (typeof value === 'string') return `'${value}'`;
  if (value === null) return 'null';
  if (typeof value === 'object') return Array.isArray(value) ? 'an array' : 'an object';
  return String(value);
}

/** A float32 cube [batch, height, width, bands] with at least one element. */
export function expectCube(x: unknown, what: string): tf.Tensor4D {
  if (!(x instanceof tf.Tensor)) {
    throw new LossInputError(
      `${what}: expected a tfjs Tensor [batch, height, width, bands], got ${describeValue(x)}`,
    );
  }
  if (x.isDisposed) throw new LossInputError(`${what}: the tensor has been disposed`);
  if (x.rank !== 4) {
    throw new LossInputError(
      `${what}: expected a tensor of rank 4 [batch, height, width, bands], got shape ${describeShape(x.shape)}`,
    );
  }
  if (x.dtype !== 'float32') {
    throw new LossInputError(`${what}: expected dtype float32, got ${x.dtype}`);
  }
  if (x.size === 0) {
    throw new LossInputError(`${what}: expected a non-empty tensor, got shape ${describeShape(x.shape)}`);
  }
  return x as tf.Tensor4D;
}

/** Checks that `x` has exactly the shape of `reference`. */
export function expectSameShape(
  x: tf.Tensor,
  reference: tf.Tensor,
  what: string,
  referenceName: string,
): void {
  const same = x.rank === reference.rank && x.shape.every((d, i) => d === reference.shape[i]);
  if (!same) {
    throw new LossInputError(
      `${what}: expected the shape of ${referenceName} ${describeShape(reference.shape)}, got ${describeShape(x.shape)}`,
    );
  }
}

/**
 * Checks a coded-aperture mask against a cube [B, H, W, N] and returns a view that broadcasts
 * against it: [H, W] -> [1, H, W, 1]; [B, H, W] -> [B, H, W, 1]; [B, H, W, 1] as given. A leading
 * batch of 1 is shared by every sample. The returned tensor is new (a reshape) or the input itself;
 * `owned` says whether the caller must dispose it.
 */
export function maskForCube(
  mask: unknown,
  cube: tf.Tensor4D,
  what: string,
): { mask4d: tf.Tensor4D; owned: boolean } {
  const [batch, height, width] = cube.shape;
  const layouts = '[height, width] (shared), [batch, height, width] or [batch, height, width, 1]';
  if (!(mask instanceof tf.Tensor)) {
    throw new LossInputError(`${what}: expected a tfjs Tensor ${layouts}, got ${describeValue(mask)}`);
  }
  if (mask.isDisposed) throw new LossInputError(`${what}: the tensor has been disposed`);
  if (mask.dtype !== 'float32') {
    throw new LossInputError(`${what}: expected dtype float32, got ${mask.dtype}`);
  }
  const misfit = () =>
    new LossInputError(
      `${what}: expected ${layouts} fitting the cube ${describeShape(cube.shape)} ` +
        `(height ${height}, width ${width}, batch ${batch} or 1), got ${describeShape(mask.shape)}`,
    );
  const s = mask.shape;
  if (mask.rank === 2) {
    if (s[0] !== height || s[1] !== width) throw misfit();
    return { mask4d: tf.reshape(mask, [1, height, width, 1]), owned: true };
  }
  if (mask.rank === 3 || mask.rank === 4) {
    if ((s[0] !== batch && s[0] !== 1) || s[1] !== height || s[2] !== width) throw misfit();
    if (mask.rank === 4 && s[3] !== 1) throw misfit();
    if (mask.rank === 4) return { mask4d: mask as tf.Tensor4D, owned: false };
    return { mask4d: tf.reshape(mask, [s[0], height, width, 1]), owned: true };
  }
  throw misfit();
}

export function expectFiniteNumber(value: unknown, what: string, min = -Infinity): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min) {
    throw new LossInputError(
      `${what}: expected a finite number${min > -Infinity ? ` >= ${min}` : ''}, got ${describeValue(value)}`,
    );
  }
  return value;
}

export function expectPositiveNumber(value: unknown, what: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new LossInputError(`${what}: expected a finite number > 0, got ${describeValue(value)}`);
  }
  return value;
}

export function expectPositiveInteger(value: unknown, what: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw new LossInputError(`${what}: expected a positive integer, got ${describeValue(value)}`);
  }
  return value;
}

export function expectOneOf<T extends string>(value: unknown, allowed: readonly T[], what: string): T {
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    throw new LossInputError(
      `${what}: expected one of ${allowed.map((a) => `'${a}'`).join(', ')}, got ${describeValue(value)}`,
    );
  }
  return value as T;
}

export function expectObject(value: unknown, what: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new LossInputError(`${what}: expected an object, got ${describeValue(value)}`);
  }
  return value as Record<string, unknown>;
}
