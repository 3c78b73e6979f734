import * as tf from '@tensorflow/tfjs-core';
import { assertCube, type Cube, createCube } from './cube';
import { stackCubes } from './cube-batch';

/** A cube as a float32 tensor of shape [1, H, W, N] (NHWC). The caller owns (disposes) the tensor. */
export function cubeToTensor(cube: Cube): tf.Tensor4D {
  assertCube(cube);
  const [h, w, n] = cube.shape;
  return tf.tensor4d(cube.data, [1, h, w, n], 'float32');
}

/**
 * Cubes of one shape as a float32 batch tensor [B, H, W, N]. The caller owns the tensor.
 *
 * @deprecated Stack with `stackCubes` (main entry) and make the tensor from the batch:
 * `const batch = stackCubes(cubes); tf.tensor4d(batch.data, batch.shape)`. This forwards to exactly that.
 */
export function cubesToTensor(cubes: readonly Cube[]): tf.Tensor4D {
  const batch = stackCubes(cubes);
  return tf.tensor4d(batch.data, batch.shape, 'float32');
}

function checkTensor(tensor: tf.Tensor, what: string): [number, number, number, number] {
  if (!(tensor instanceof tf.Tensor)) throw new Error(`${what}: expected a tf.Tensor, got ${typeof tensor}`);
  if (tensor.rank === 3) return [1, ...(tensor.shape as [number, number, number])];
  if (tensor.rank !== 4)
    throw new Error(
      `${what}: expected a tensor of shape [B, H, W, N] or [H, W, N], got [${tensor.shape.join(', ')}]`,
    );
  return tensor.shape as [number, number, number, number];
}

function split(
  values: Float32Array,
  shape: [number, number, number, number],
  wavelengths?: readonly number[],
): Cube[] {
  const [b, h, w, n] = shape;
  const size = h * w * n;
  return Array.from({ length: b }, (_, i) =>
    createCube([h, w, n], values.slice(i * size, (i + 1) * size), wavelengths),
  );
}

/**
 * Every image of a [B, H, W, N] (or [H, W, N]) tensor as a cube (copies; the tensor is not disposed).
 */
export async function tensorToCubes(tensor: tf.Tensor, wavelengths?: readonly number[]): Promise<Cube[]> {
  const shape = checkTensor(tensor, 'tensorToCubes');
  const values =
    tensor.dtype === 'float32'
      ? ((await tensor.data()) as Float32Array)
      : Float32Array.from((await tensor.data()) as ArrayLike<number>);
  return split(values, shape, wavelengths);
}

/** Image `index` (default 0) of a [B, H, W, N] (or [H, W, N]) tensor as a cube. */
export async function tensorToCube(
  tensor: tf.Tensor,
  index = 0,
  wavelengths?: readonly number[],
): Promise<Cube> {
  const shape = checkTensor(tensor, 'tensorToCube');
  if (!Number.isInteger(index) || index < 0 || index >= shape[0])
    throw new Error(`tensorToCube: index must be in 0..${shape[0] - 1}, got ${index}`);
  const [, h, w, n] = shape;
  const one = tf.tidy(() =>
    tensor.rank === 3
      ? tf.cast(tensor, 'float32')
      : tf.cast(tf.slice(tensor, [index, 0, 0, 0], [1, h, w, n]), 'float32'),
  );
  try {
    return split((await one.data()) as Float32Array, [1, h, w, n], wavelengths)[0];
  } finally {
    one.dispose();
  }
}

/** Synchronous `tensorToCubes` (uses dataSync: blocks on GPU backends). */
export function tensorToCubesSync(tensor: tf.Tensor, wavelengths?: readonly number[]): Cube[] {
  const shape = checkTensor(tensor, 'tensorToCubesSync');
  const raw = tensor.dataSync();
  return split(
    raw instanceof Float32Array ? raw : Float32Array.from(raw as ArrayLike<number>),
    shape,
    wavelengths,
  );
}
