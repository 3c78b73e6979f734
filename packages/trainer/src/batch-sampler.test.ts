import { createRandom } from '@s2cassi/cassi-sim';
import { describe, expect, it } from 'vitest';
import { assembleBatch, augmentedSource, centreCrop, drawBatch } from './batch-sampler';

type Grid = number[][];
const flipRows = (a: Grid): Grid => [...a].reverse();
const flipColumns = (a: Grid): Grid => a.map((row) => [...row].reverse());
const transpose = (a: Grid): Grid => a[0].map((_, j) => a.map((row) => row[j]));
/** numpy.rot90(a, 1, axes=(0, 1)) = transpose(flip(a, axis=1)). */
const rot90 = (a: Grid): Grid => transpose(flipColumns(a));

describe('augmentation', () => {
  it('augmentedSource equals rot90 x k, then a width flip, then a height flip (brute force)', () => {
    const size = 5;
    const grid: Grid = Array.from({ length: size }, (_, y) =>
      Array.from({ length: size }, (_, x) => y * size + x),
    );
    for (let k = 0; k < 4; k++) {
      for (const flipWidth of [false, true]) {
        for (const flipHeight of [false, true]) {
          let expected = grid;
          for (let r = 0; r < k; r++) expected = rot90(expected);
          if (flipWidth) expected = flipColumns(expected);
          if (flipHeight) expected = flipRows(expected);
          for (let i = 0; i < size; i++) {
            for (let j = 0; j < size; j++) {
              const [y, x] = augmentedSource(i, j, size, k, flipWidth, flipHeight);
              expect(grid[y][x]).toBe(expected[i][j]);
            }
          }
        }
      }
    }
  });

  it('assembleBatch cuts the drawn crops, spectra intact, and the mask crops', () => {
    const [height, width, bands] = [6, 7, 3];
    const data = new Float32Array(height * width * bands).map((_, i) => i);
    const scene = { data, shape: [height, width, bands] as [number, number, number] };
    const mask = { data: new Float32Array(8 * 8).map((_, i) => i / 64), shape: [8, 8] as [number, number] };
    const draw = {
      scene: 0,
      top: 1,
      left: 2,
      rotation: 1,
      flipWidth: true,
      flipHeight: false,
      maskTop: 3,
      maskLeft: 4,
    };
    const batch = assembleBatch([scene], mask, [draw], 4);
    expect(batch.shape).toEqual([1, 4, 4, 3]);
    for (let i = 0; i < 4; i++) {
      for (let j = 0; j < 4; j++) {
        const [y, x] = augmentedSource(i, j, 4, 1, true, false);
        for (let n = 0; n < bands; n++) {
          expect(batch.cubes[(i * 4 + j) * bands + n]).toBe(data[((1 + y) * width + 2 + x) * bands + n]);
        }
        expect(batch.masks[i * 4 + j]).toBe(mask.data[(3 + i) * 8 + 4 + j]);
      }
    }
    expect(data[0]).toBe(0);
  });

  it('drawBatch is a pure function of the generator state and covers the ranges', () => {
    const scenes = [{ shape: [10, 12, 3] }, { shape: [20, 9, 3] }];
    const mask = { shape: [16, 16] };
    const opts = { batchSize: 400, cropSize: 8, rot90: true, flip: true, randomMaskCrop: true };
    const a = drawBatch(createRandom(5), scenes, mask, opts);
    const b = drawBatch(createRandom(5), scenes, mask, opts);
    expect(a).toEqual(b);
    expect(new Set(a.map((d) => d.rotation))).toEqual(new Set([0, 1, 2, 3]));
    expect(new Set(a.map((d) => d.scene))).toEqual(new Set([0, 1]));
    for (const d of a) {
      const [h, w] = scenes[d.scene].shape;
      expect(d.top).toBeGreaterThanOrEqual(0);
      expect(d.top + 8).toBeLessThanOrEqual(h);
      expect(d.left + 8).toBeLessThanOrEqual(w);
      expect(d.maskTop + 8).toBeLessThanOrEqual(16);
    }
    expect(Math.max(...a.map((d) => d.top + 8))).toBe(20);
    const plain = drawBatch(createRandom(5), scenes, mask, {
      ...opts,
      rot90: false,
      flip: false,
      randomMaskCrop: false,
    });
    expect(plain.every((d) => d.rotation === 0 && !d.flipWidth && d.maskTop === 0)).toBe(true);
  });

  it('centreCrop takes the middle of the scene and rejects crops that do not fit', () => {
    const scene = {
      data: new Float32Array(10 * 10 * 2).map((_, i) => i),
      shape: [10, 10, 2] as [number, number, number],
    };
    const mask = { data: new Float32Array(36).fill(1), shape: [6, 6] as [number, number] };
    const crop = centreCrop(scene, mask, 6);
    expect(crop.cubes[0]).toBe((2 * 10 + 2) * 2);
    expect(() => centreCrop(scene, mask, 8)).toThrow(/does not fit the mask/);
    expect(() => centreCrop(scene, mask, 12)).toThrow(/does not fit the scene/);
  });
});
