import * as tf from '@tensorflow/tfjs-core';
import { CassiInputError, describeShape, expectFiniteValuesAsync } from './_validate';

/** Options of {@link assertFiniteValues}. */
export interface AssertFiniteValuesOptions {
  /** Named in the error, e.g. `'cube'`. Default `'tensor'`. */
  name?: string;
  /** Also require every value to be >= 0 (cubes, masks: intensities). Default false. */
  nonNegative?: boolean;
}

/**
 * Checks that every value of a tensor is finite (and >= 0 when `nonNegative`) without a synchronous
 * readback: the reduction runs on the tensor's backend and its result is read with `await data()`, so
 * it does not stall a GPU backend (WebGL, WebGPU). This is the value check to run before the
 * synchronous functions of this package on a GPU backend, where their own check is off by default
 * (`validateValues`); pass `validateValues: false` to them once it has passed. Rejects with a
 * `CassiInputError` naming the first offending element, e.g. `cube: expected finite values, found NaN
 * or Infinity (the first: NaN at flat index 4 of shape [1, 2, 2, 3])`. Creates no lasting tensors.
 *
 * @param tensor any shape, numeric dtype.
 */
export async function assertFiniteValues(
  tensor: tf.Tensor,
  options: AssertFiniteValuesOptions = {},
): Promise<void> {
  const name = options.name ?? 'tensor';
  if (!(tensor instanceof tf.Tensor)) {
    throw new CassiInputError(`${name}: expected a tfjs Tensor, got ${typeof tensor}`);
  }
  if (tensor.dtype !== 'float32' && tensor.dtype !== 'int32' && tensor.dtype !== 'bool') {
    throw new CassiInputError(
      `${name}: expected a numeric tensor, got dtype ${tensor.dtype} (shape ${describeShape(tensor.shape)})`,
    );
  }
  await expectFiniteValuesAsync(tensor, name, options.nonNegative ?? false);
}
