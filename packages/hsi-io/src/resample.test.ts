import { describe, expect, it } from 'vitest';
import { expected } from './_test-fixtures';
import { createCube } from './cube';
import { CASSI_28_BAND_CENTRES, CAVE_31_BAND_CENTRES, resampleBands } from './resample';

describe('resampleBands', () => {
  it('matches numpy.interp for CAVE 31 -> CASSI 28 at every pixel', () => {
    const spectrum: number[] = expected.resample.spectrum;
    const cube = createCube(
      [2, 3, 31],
      Float32Array.from({ length: 6 * 31 }, (_, i) => spectrum[i % 31] * (1 + Math.floor(i / 31))),
    );
    const out = resampleBands(cube, CAVE_31_BAND_CENTRES, CASSI_28_BAND_CENTRES);
    expect(out.shape).toEqual([2, 3, 28]);
    expect(out.wavelengths).toEqual([...CASSI_28_BAND_CENTRES]);
    for (let p = 0; p < 6; p++) {
      for (let t = 0; t < 28; t++)
        expect(out.data[p * 28 + t]).toBeCloseTo(expected.resample.cassi[t] * (1 + p), 5);
    }
  });

  it('exports the band centres and refuses extrapolation unless allowed', () => {
    expect(CASSI_28_BAND_CENTRES.length).toBe(28);
    expect(CASSI_28_BAND_CENTRES[0]).toBe(453.5);
    expect(CASSI_28_BAND_CENTRES[27]).toBe(648);
    expect(CAVE_31_BAND_CENTRES[30]).toBe(700);
    const cube = createCube([1, 1, 3], [1, 2, 4]);
    expect(() => resampleBands(cube, [400, 500, 600], [350])).toThrow(
      /target centre 350 nm is outside the source range 400..600 nm/,
    );
    expect(
      Array.from(resampleBands(cube, [400, 500, 600], [350, 650], { extrapolate: 'clamp' }).data),
    ).toEqual([1, 4]);
    expect(
      Array.from(resampleBands(cube, [400, 500, 600], [350, 650], { extrapolate: 'linear' }).data),
    ).toEqual([0.5, 5]);
    expect(Array.from(resampleBands(cube, [400, 500, 600], [400, 450, 600]).data)).toEqual([1, 1.5, 4]);
    expect(() => resampleBands(cube, [400, 500], [450])).toThrow(
      /the cube has 3 bands, got 2 source centres/,
    );
    expect(() => resampleBands(cube, [400, 400, 500], [450])).toThrow(/increase strictly/);
  });
});
