import { describe, expect, it } from 'vitest';
import { createCube } from './cube';
import { stackCubes } from './cube-batch';

describe('stackCubes', () => {
  it('stacks cubes into an NHWC batch: element (s, y, x, n) at ((s * H + y) * W + x) * N + n', () => {
    const cubes = [0, 1].map((s) =>
      createCube(
        [2, 3, 4],
        Float32Array.from({ length: 24 }, (_, i) => s * 100 + i),
      ),
    );
    const batch = stackCubes(cubes);
    expect(batch.shape).toEqual([2, 2, 3, 4]);
    const [, h, w, n] = batch.shape;
    for (let s = 0; s < 2; s++)
      for (let y = 0; y < h; y++)
        for (let x = 0; x < w; x++)
          for (let b = 0; b < n; b++) {
            expect(batch.data[((s * h + y) * w + x) * n + b]).toBe(cubes[s].data[(y * w + x) * n + b]);
          }
    // A copy: the cubes are not shared.
    batch.data[0] = -1;
    expect(cubes[0].data[0]).toBe(0);
  });

  it('refuses an empty list, a malformed cube and a cube of another shape, naming it', () => {
    expect(() => stackCubes([])).toThrow(/expected a non-empty array of cubes/);
    const good = createCube([2, 2, 2]);
    expect(() => stackCubes([good, createCube([2, 2, 3])])).toThrow(
      /cube 1 has shape \[2, 2, 3\], expected \[2, 2, 2\]/,
    );
    const broken = { ...createCube([2, 2, 2]), data: new Float32Array(3) };
    expect(() => stackCubes([good, broken])).toThrow(/cube 1: shape \[2, 2, 2\] needs 8 values, got 3/);
  });
});
