/**
 * Thin adapters from TensorFlow.js tensors (or anything with `shape` and `dataSync()` / `data()`) to
 * the `{ data, shape }` cubes and images the metrics take. No tfjs import: the structural type keeps
 * this entry free of a tfjs dependency, and any tfjs version or backend works.
 */
import { describeShape } from './_cube';
import type { CubeLike, GreyImage } from './cube-like';
import { MetricsInputError } from './errors';

/** What the adapters need from a tensor (a tfjs `Tensor` fits). */
export interface TensorLike {
  readonly shape: readonly number[];
  dataSync(): ArrayLike<number>;
  data?(): Promise<ArrayLike<number>>;
}

function expectTensor(tensor: unknown, ranks: readonly number[], layout: string): TensorLike {
  const t = tensor as TensorLike;
  if (typeof t !== 'object' || t === null || !Array.isArray(t.shape) || typeof t.dataSync !== 'function') {
    throw new MetricsInputError(
      `tensor: expected a tfjs Tensor (with shape and dataSync()), got ${String(tensor)}`,
    );
  }
  if (!ranks.includes(t.shape.length)) {
    throw new MetricsInputError(`tensor: expected shape ${layout}, got ${describeShape(t.shape)}`);
  }
  return t;
}

const CUBE_LAYOUT = '[height, width, bands] or [batch, height, width, bands] (NHWC)';

/** A cube view of an NHWC tensor ([B, H, W, N] or [H, W, N]); reads the values synchronously. */
export function cubeFromTensor(tensor: TensorLike): CubeLike {
  const t = expectTensor(tensor, [3, 4], CUBE_LAYOUT);
  return { data: t.dataSync(), shape: [...t.shape] };
}

/** Like `cubeFromTensor`, reading the values with `await tensor.data()` (no GPU stall). */
export async function cubeFromTensorAsync(tensor: TensorLike): Promise<CubeLike> {
  const t = expectTensor(tensor, [3, 4], CUBE_LAYOUT);
  const data = t.data ? await t.data() : t.dataSync();
  return { data, shape: [...t.shape] };
}

/** A grey image of a [H, W] (or [H, W, 1]) tensor, for `niqe`. */
export function imageFromTensor(tensor: TensorLike): GreyImage {
  const t = expectTensor(tensor, [2, 3], '[height, width] or [height, width, 1]');
  if (t.shape.length === 3 && t.shape[2] !== 1) {
    throw new MetricsInputError(
      `tensor: expected shape [height, width] or [height, width, 1], got ${describeShape(t.shape)}`,
    );
  }
  return { data: t.dataSync(), shape: [t.shape[0], t.shape[1]] };
}
