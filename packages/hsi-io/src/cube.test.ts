import { mulberry32 } from '@s2cassi/testing';
import { describe, expect, it } from 'vitest';
import {
  cloneCube,
  createCube,
  cubeFromBands,
  cubeFromColumnMajor,
  cubeFromRowMajor,
  cubeToColumnMajor,
  fromColumnMajor,
  getBand,
  getSpectrum,
  toColumnMajor,
} from './cube';

describe('cube helpers', () => {
  const random = mulberry32(1);
  const cube = createCube(
    [3, 4, 5],
    Float32Array.from({ length: 60 }, () => random()),
  );

  it('indexes data[(y * W + x) * N + band] and converts to and from MATLAB column-major', () => {
    const column = cubeToColumnMajor(cube);
    for (let y = 0; y < 3; y++)
      for (let x = 0; x < 4; x++)
        for (let b = 0; b < 5; b++) {
          expect(column[y + 3 * (x + 4 * b)]).toBe(cube.data[(y * 4 + x) * 5 + b]);
        }
    expect(cubeFromColumnMajor(column, [3, 4, 5]).data).toEqual(cube.data);
    expect(cubeFromColumnMajor(new Float64Array([1, 2, 3, 4, 5, 6]), [2, 3]).data).toEqual(
      new Float32Array([1, 3, 5, 2, 4, 6]),
    );
    expect(getBand(cube, 2)[7]).toBe(cube.data[7 * 5 + 2]);
    expect(Array.from(getSpectrum(cube, 2, 1))).toEqual(Array.from(cube.data.slice(45, 50)));
    expect(
      cubeFromBands(
        [0, 1, 2, 3, 4].map((b) => getBand(cube, b)),
        3,
        4,
      ).data,
    ).toEqual(cube.data);
  });

  it('reorders n-d arrays between C and Fortran order like a brute-force index loop', () => {
    const dims = [2, 3, 4, 2];
    const data = Float64Array.from({ length: 48 }, (_, i) => i);
    const column = toColumnMajor(data, dims);
    let i = 0;
    for (let a = 0; a < 2; a++)
      for (let b = 0; b < 3; b++)
        for (let c = 0; c < 4; c++)
          for (let d = 0; d < 2; d++) {
            expect(column[a + 2 * (b + 3 * (c + 4 * d))]).toBe(data[i++]);
          }
    expect(fromColumnMajor(column, dims)).toEqual(data);
  });

  it('validates shapes and copies', () => {
    expect(() => createCube([2, 2, 2], new Float32Array(7))).toThrow(
      /shape \[2, 2, 2\] needs 8 values, got 7/,
    );
    expect(() => createCube([2, 2] as never)).toThrow(/expected shape \[height, width, bands\]/);
    expect(() => createCube([1, 1, 2], [1, 2], [400])).toThrow(/expected 2 wavelengths/);
    expect(() => getBand(cube, 5)).toThrow(/band index in 0..4, got 5/);
    const copy = cloneCube(cube);
    copy.data[0] = 99;
    expect(cube.data[0]).not.toBe(99);
    expect(cubeFromRowMajor(new Float64Array(6), [1, 1, 2, 3]).shape).toEqual([1, 2, 3]);
    expect(cubeFromRowMajor(new Float64Array(6), [2, 3]).shape).toEqual([2, 3, 1]);
    expect(() => cubeFromRowMajor(new Float64Array(6), [6])).toThrow(/expected an H x W or H x W x N array/);
  });
});
