import { mulberry32 } from '@s2cassi/testing';
import type { CubeData, PlaneData } from './cube-data';

/** Piecewise-smooth scene [H, W, N] with an edge, values in 0.05..0.95 (deterministic). */
export function testScene(height: number, width: number, bands: number): CubeData {
  const data = new Float32Array(height * width * bands);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++)
      for (let n = 0; n < bands; n++) {
        const t = bands > 1 ? n / (bands - 1) : 0;
        const inside = x > width / 4 && x < (3 * width) / 4 && y > height / 5 && y < (3 * height) / 5;
        data[(y * width + x) * bands + n] = inside
          ? 0.2 + 0.7 * Math.exp(-((t - 0.3) ** 2) / 0.05)
          : 0.5 + 0.2 * Math.sin(y / 3 + 2 * t) + 0.15 * Math.cos(x / 4 - 3 * t);
      }
  return { data, shape: [height, width, bands] };
}

/** A seeded binary mask [H, W] (about half open). */
export function testMask(height: number, width: number, seed = 7): PlaneData {
  const random = mulberry32(seed);
  return {
    data: Float32Array.from({ length: height * width }, () => (random() > 0.5 ? 1 : 0)),
    shape: [height, width],
  };
}

/** Y[y, x + d n] = sum_n F[y, x, n] M[y, x], by loops in float64. */
export function forwardByLoops(cube: CubeData, mask: PlaneData, step: number): Float64Array {
  const [h, w, n] = cube.shape;
  const width = w + step * (n - 1);
  const out = new Float64Array(h * width);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++)
      for (let b = 0; b < n; b++)
        out[y * width + x + step * b] += cube.data[(y * w + x) * n + b] * mask.data[y * w + x];
  return out;
}
