import { describe, expect, it } from 'vitest';
import { CASSI_WAVELENGTHS, CAVE_WAVELENGTHS, readFixture } from './_test-data';
import { cieCmf, type IlluminantName } from './observer';
import { spectrumToSrgb } from './render-srgb';
import { spectrumToXyz, trapezoidWidths, xyzWeights } from './spectral-weights';

interface Case {
  name: string;
  wavelengths: number[];
  illuminant: IlluminantName;
  adaptation: 'bradford' | 'none';
  exposure: number;
  spectrum: number[];
  xyz: number[];
  white: number[];
  linear: number[];
  encoded: number[];
}

const ONE_NM = Array.from({ length: 471 }, (_, i) => 360 + i);

describe('trapezoidWidths', () => {
  it('matches the trapezoid rule written out', () => {
    const w = [400, 410, 425, 445.5, 460];
    expect(Array.from(trapezoidWidths(w))).toEqual([5, 12.5, 17.75, 17.5, 7.25]);
    expect(Array.from(trapezoidWidths([550]))).toEqual([1]);
    // The widths add up to the covered range.
    const sum = trapezoidWidths(CASSI_WAVELENGTHS).reduce((a, b) => a + b, 0);
    expect(sum).toBeCloseTo(648 - 453.5, 12);
  });
});

describe('xyzWeights normalisation', () => {
  for (const illuminant of ['D65', 'D50', 'A', 'E'] as const) {
    it(`a perfect reflector has Y = 1 under ${illuminant} for 28, 31 and 471 bands`, () => {
      for (const grid of [CASSI_WAVELENGTHS, CAVE_WAVELENGTHS, ONE_NM]) {
        const { white } = xyzWeights(grid, { illuminant });
        expect(white[1]).toBeCloseTo(1, 14);
        expect(spectrumToXyz(new Array(grid.length).fill(1), grid, { illuminant })[1]).toBeCloseTo(1, 14);
      }
    });
  }

  it('avoids the "sum the CMFs over a few bands" brightness error', () => {
    // Naive: Y = sum_i y-bar(l_i) for reflectance 1, no widths, no illuminant normalisation.
    const naive = (grid: readonly number[]) => grid.reduce((s, l) => s + cieCmf(l)[1], 0);
    expect(naive(CASSI_WAVELENGTHS)).toBeGreaterThan(13); // 28 bands: 13.4 times too bright
    expect(naive(CAVE_WAVELENGTHS)).toBeGreaterThan(10);
    expect(naive(ONE_NM)).toBeGreaterThan(100);
    // Ours: the same reflectance has the same Y whatever the band set.
    const half = (grid: readonly number[]) => spectrumToXyz(new Array(grid.length).fill(0.5), grid)[1];
    expect(half(CASSI_WAVELENGTHS)).toBeCloseTo(0.5, 14);
    expect(half(CAVE_WAVELENGTHS)).toBeCloseTo(0.5, 14);
    expect(half(ONE_NM)).toBeCloseTo(0.5, 14);
  });

  it('gives the published CIE white points at 1 nm (CIE 015:2018 Table 11.3: D65, D50, A)', () => {
    const ones = new Array(471).fill(1);
    const d65 = spectrumToXyz(ones, ONE_NM, { illuminant: 'D65' });
    expect(d65[0]).toBeCloseTo(0.95047, 5);
    expect(d65[2]).toBeCloseTo(1.08883, 5);
    const d50 = spectrumToXyz(ones, ONE_NM, { illuminant: 'D50' });
    // The table's D50 values come from the 5 nm D50; the CIE's 2022 1 nm D50 file (wavelengths in standard
    // air) moves them by up to 8e-5.
    expect(Math.abs(d50[0] - 0.96422)).toBeLessThan(2e-4);
    expect(Math.abs(d50[2] - 0.82521)).toBeLessThan(2e-4);
    const a = spectrumToXyz(ones, ONE_NM, { illuminant: 'A' });
    expect(a[0]).toBeCloseTo(1.0985, 4);
    expect(a[2]).toBeCloseTo(0.35585, 5);
    const e = spectrumToXyz(ones, ONE_NM, { illuminant: 'E' });
    // Equal energy: the three CMFs have (nearly) equal integrals.
    expect(e[0]).toBeCloseTo(1, 3);
    expect(e[2]).toBeCloseTo(1, 3);
  });

  it('exposure multiplies XYZ and explicit band widths replace the trapezoid', () => {
    const s = CAVE_WAVELENGTHS.map((l) => 0.2 + l / 1000);
    const base = spectrumToXyz(s, CAVE_WAVELENGTHS);
    const bright = spectrumToXyz(s, CAVE_WAVELENGTHS, { exposure: 2.5 });
    for (let k = 0; k < 3; k++) expect(bright[k]).toBeCloseTo(2.5 * base[k], 14);
    const even = spectrumToXyz(s, CAVE_WAVELENGTHS, { bandWidths: new Array(31).fill(10) });
    expect(even[1]).not.toBeCloseTo(base[1], 6); // end bands count double
    const w = xyzWeights([500, 600], { bandWidths: [10, 30], illuminant: 'E' });
    const ySum = 10 * cieCmf(500)[1] + 30 * cieCmf(600)[1];
    expect(w.y[0]).toBeCloseTo((10 * cieCmf(500)[1]) / ySum, 15);
    expect(w.normalization).toBeCloseTo(1 / (100 * ySum), 15);
  });

  it('rejects band sets the eye cannot see and bad options', () => {
    expect(() => xyzWeights([900, 950])).toThrow(/no band sees light/);
    expect(() => xyzWeights([500, 490])).toThrow(/strictly increasing band centres, got 500 then 490/);
    expect(() => xyzWeights([500, 510], { exposure: 0 })).toThrow(
      /exposure: expected a finite number > 0, got 0/,
    );
    expect(() => xyzWeights([500, 510], { bandWidths: [1] })).toThrow(/expected 2 values, got 1/);
    expect(() => spectrumToXyz([1, 2, 3], [500, 510])).toThrow(/spectrum: expected 2 values, got 3/);
  });
});

describe('agreement with the independent NumPy pipeline (scripts/make_fixtures.py)', () => {
  const { cases } = readFixture<{ cases: Case[] }>('colorimetry.json');

  it('covers the interesting cases', () => {
    expect(cases.length).toBeGreaterThanOrEqual(20);
  });

  for (const c of cases) {
    it(c.name, () => {
      const options = { illuminant: c.illuminant, adaptation: c.adaptation, exposure: c.exposure };
      const color = spectrumToSrgb(c.spectrum, c.wavelengths, options);
      const white = xyzWeights(c.wavelengths, options).white;
      for (let k = 0; k < 3; k++) {
        expect(Math.abs(color.xyz[k] - c.xyz[k])).toBeLessThan(1e-6);
        expect(Math.abs(white[k] - c.white[k])).toBeLessThan(1e-6);
        expect(Math.abs(color.linear[k] - c.linear[k])).toBeLessThan(5e-6);
        expect(Math.abs(color.encoded[k] - c.encoded[k])).toBeLessThan(5e-6);
      }
    });
  }
});
