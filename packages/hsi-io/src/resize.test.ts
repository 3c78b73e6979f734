import { mulberry32 } from '@s2cassi/testing';
import { describe, expect, it } from 'vitest';
import { expected } from './_test-fixtures';
import { createCube } from './cube';
import { resizeCube } from './resize';

describe('resizeCube', () => {
  it("bilinear matches skimage.transform.resize(order=1, mode='edge') for shrink, grow and identity", () => {
    const image: number[] = expected.resize.image;
    const cube = createCube(
      [7, 9, 2],
      Float32Array.from({ length: 126 }, (_, i) => image[i >> 1] * (i % 2 ? -1 : 1)),
    );
    for (const [key, values] of Object.entries(expected.resize.bilinear) as [string, number[]][]) {
      const [h, w] = key.split('x').map(Number);
      const out = resizeCube(cube, h, w, 'bilinear');
      expect(out.shape).toEqual([h, w, 2]);
      for (let p = 0; p < h * w; p++) {
        expect(out.data[p * 2]).toBeCloseTo(values[p], 4);
        expect(out.data[p * 2 + 1]).toBeCloseTo(-values[p], 4);
      }
    }
  });

  it('area equals block means for integer factors and a brute-force overlap integral otherwise', () => {
    const random = mulberry32(4);
    const cube = createCube(
      [6, 9, 3],
      Float32Array.from({ length: 162 }, () => random()),
    );
    const half = resizeCube(cube, 3, 3);
    for (let y = 0; y < 3; y++)
      for (let x = 0; x < 3; x++)
        for (let b = 0; b < 3; b++) {
          let sum = 0;
          for (let dy = 0; dy < 2; dy++)
            for (let dx = 0; dx < 3; dx++) sum += cube.data[((2 * y + dy) * 9 + 3 * x + dx) * 3 + b];
          expect(half.data[(y * 3 + x) * 3 + b]).toBeCloseTo(sum / 6, 6);
        }
    // 6 x 9 -> 4 x 5: integrate the piecewise-constant image over each output cell on a fine grid.
    const out = resizeCube(cube, 4, 5);
    const fine = 60;
    for (let y = 0; y < 4; y++)
      for (let x = 0; x < 5; x++) {
        let sum = 0;
        for (let i = 0; i < fine; i++)
          for (let j = 0; j < fine; j++) {
            const sy = Math.floor(((y + (i + 0.5) / fine) * 6) / 4);
            const sx = Math.floor(((x + (j + 0.5) / fine) * 9) / 5);
            sum += cube.data[(sy * 9 + sx) * 3];
          }
        expect(out.data[(y * 5 + x) * 3]).toBeCloseTo(sum / fine ** 2, 2);
      }
    // Means are preserved by area resizing.
    const mean = (d: Float32Array) => d.reduce((a, v) => a + v, 0) / d.length;
    expect(mean(out.data)).toBeCloseTo(mean(cube.data), 5);
    expect(() => resizeCube(cube, 0, 3)).toThrow(/positive integer height and width/);
  });
});
