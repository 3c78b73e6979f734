import * as tf from '@tensorflow/tfjs-core';
import { S2AttnInputError } from './errors';

// The error class is public (src/errors.ts); re-exported here for the helpers' callers.
export { S2AttnInputError };

export function describeShape(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}

/** Checks that `x` is a float32 tensor of the given rank; `layout` names the axes for the message. */
export function expectTensor(x: unknown, rank: number, what: string, layout: string): tf.Tensor {
  if (!(x instanceof tf.Tensor)) {
    throw new S2AttnInputError(`${what}: expected a tfjs Tensor ${layout}, got ${typeof x}`);
  }
  if (x.rank !== rank) {
    throw new S2AttnInputError(
      `${what}: expected a tensor of rank ${rank} ${layout}, got shape ${describeShape(x.shape)}`,
    );
  }
  if (x.dtype !== 'float32') {
    throw new S2AttnInputError(`${what}: expected dtype float32, got ${x.dtype}`);
  }
  return x;
}

export function expectPositiveInteger(value: unknown, what: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw new S2AttnInputError(`${what}: expected a positive integer, got ${String(value)}`);
  }
  return value;
}

export function expectNonNegativeInteger(value: unknown, what: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
    throw new S2AttnInputError(`${what}: expected a non-negative integer, got ${String(value)}`);
  }
  return value;
}

export function expectFinite(value: unknown, what: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new S2AttnInputError(`${what}: expected a finite number, got ${String(value)}`);
  }
  return value;
}

export function expectOneOf<T extends string | number | boolean>(
  value: unknown,
  allowed: readonly T[],
  what: string,
): T {
  if (!allowed.includes(value as T)) {
    throw new S2AttnInputError(
      `${what}: expected one of ${allowed.map((a) => JSON.stringify(a)).join(', ')}, got ${JSON.stringify(value)}`,
    );
  }
  return value as T;
}
