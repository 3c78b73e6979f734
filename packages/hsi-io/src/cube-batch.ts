import { assertCube, type Cube } from './cube';

/**
 * A batch of cubes of one shape: `data[((s * H + y) * W + x) * N + band]`, shape `[scenes, H, W, N]`
 * (NHWC: the layout of a tfjs batch tensor, `tf.tensor4d(batch.data, batch.shape)`).
 */
export interface CubeBatch {
  data: Float32Array;
  shape: [number, number, number, number];
}

/**
 * Stacks cubes of one shape `[H, W, N]` into a batch `[B, H, W, N]` (copies; float32). Throws unless
 * every cube is well formed and has cube 0's shape, naming the first that is not.
 */
export function stackCubes(cubes: readonly Cube[]): CubeBatch {
  if (!Array.isArray(cubes) || cubes.length === 0)
    throw new Error('stackCubes: expected a non-empty array of cubes');
  cubes.forEach((c, i) => {
    assertCube(c, `cube ${i}`);
  });
  const [h, w, n] = cubes[0].shape;
  const size = h * w * n;
  const data = new Float32Array(size * cubes.length);
  cubes.forEach((c, i) => {
    if (c.shape[0] !== h || c.shape[1] !== w || c.shape[2] !== n) {
      throw new Error(
        `stackCubes: cube ${i} has shape [${c.shape.join(', ')}], expected [${h}, ${w}, ${n}] like cube 0`,
      );
    }
    data.set(c.data, i * size);
  });
  return { data, shape: [cubes.length, h, w, n] };
}
