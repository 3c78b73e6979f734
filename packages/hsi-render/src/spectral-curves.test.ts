import { mulberry32 } from '@s2cassi/testing';
import { describe, expect, it } from 'vitest';
import { CASSI_WAVELENGTHS, checkXml, countClass } from './_test-data';
import { correlation, normalizeSpectrum, regionSpectrum, spectralCurvesSvg } from './spectral-curves';

/** Brute-force Pearson r by the one-pass textbook formula (different from the implementation's two-pass form). */
function pearson(a: number[], b: number[]): number {
  const n = a.length;
  let sa = 0;
  let sb = 0;
  let saa = 0;
  let sbb = 0;
  let sab = 0;
  for (let i = 0; i < n; i++) {
    sa += a[i];
    sb += b[i];
    saa += a[i] * a[i];
    sbb += b[i] * b[i];
    sab += a[i] * b[i];
  }
  return (n * sab - sa * sb) / Math.sqrt((n * saa - sa * sa) * (n * sbb - sb * sb));
}

describe('correlation', () => {
  it('agrees with the one-pass formula on random spectra', () => {
    const random = mulberry32(7);
    for (let trial = 0; trial < 20; trial++) {
      const a = Array.from({ length: 28 }, () => random());
      const b = a.map((v) => 0.6 * v + 0.4 * random());
      expect(correlation(a, b)).toBeCloseTo(pearson(a, b), 10);
    }
  });

  it('is 1 for scaled copies, -1 for mirrored ones, and rejects mismatched lengths', () => {
    const a = [1, 3, 2, 5, 4];
    expect(
      correlation(
        a,
        a.map((v) => 3 * v + 2),
      ),
    ).toBeCloseTo(1, 14);
    expect(
      correlation(
        a,
        a.map((v) => -v),
      ),
    ).toBeCloseTo(-1, 14);
    expect(correlation([1, 1, 1], [1, 2, 3])).toBeNaN();
    expect(() => correlation([1, 2], [1, 2, 3])).toThrow(/expected 2 values, got 3/);
  });
});

describe('regionSpectrum', () => {
  const height = 4;
  const width = 5;
  const bands = 3;
  const data = Float32Array.from({ length: height * width * bands }, (_, i) => (i * 13) % 17);
  const cube = { data, shape: [height, width, bands] };
  const at = (y: number, x: number, n: number) => data[(y * width + x) * bands + n];

  it('averages a window or a mask', () => {
    expect(Array.from(regionSpectrum(cube, { x: 2, y: 1 }))).toEqual([at(1, 2, 0), at(1, 2, 1), at(1, 2, 2)]);
    const window = regionSpectrum(cube, { x: 1, y: 2, width: 3, height: 2 });
    for (let n = 0; n < bands; n++) {
      let s = 0;
      for (let y = 2; y < 4; y++) for (let x = 1; x < 4; x++) s += at(y, x, n);
      expect(window[n]).toBeCloseTo(s / 6, 12);
    }
    const mask = Array.from({ length: height * width }, (_, p) => (p % 3 === 0 ? 1 : 0));
    const masked = regionSpectrum(cube, { mask });
    for (let n = 0; n < bands; n++) {
      let s = 0;
      let c = 0;
      for (let p = 0; p < height * width; p++)
        if (p % 3 === 0) {
          s += data[p * bands + n];
          c++;
        }
      expect(masked[n]).toBeCloseTo(s / c, 12);
    }
  });

  it('names what it expected', () => {
    expect(() => regionSpectrum(cube, { x: 4, y: 0, width: 2 })).toThrow(
      /inside the 5 x 4 cube, got x 4\.\.5/,
    );
    expect(() => regionSpectrum(cube, { mask: new Array(20).fill(0) })).toThrow(/at least one pixel/);
    expect(() => regionSpectrum(cube, { mask: [1] })).toThrow(/expected 20 values, got 1/);
  });
});

describe('spectralCurvesSvg', () => {
  const n = CASSI_WAVELENGTHS.length;
  const truth = CASSI_WAVELENGTHS.map((l) => Math.exp(-(((l - 550) / 40) ** 2)));
  const methods = [
    { label: 'GAP-TV', values: truth.map((v, i) => v * 0.9 + 0.05 * Math.sin(i)) },
    { label: 'S2 <Transformer> & co', values: truth.map((v, i) => v + 0.01 * Math.cos(i)) },
    { label: 'MST', values: truth.map((v, i) => 2 * v + 0.1 * ((i % 3) - 1)) },
  ];
  const svg = spectralCurvesSvg({
    wavelengths: CASSI_WAVELENGTHS,
    truth: { label: 'Ground truth', values: truth },
    curves: methods,
    title: 'Spectra at (120, 80)',
  });

  it('is well-formed SVG of the requested size with the expected elements', () => {
    const names = checkXml(svg);
    expect(names[0]).toBe('svg');
    expect(svg).toMatch(
      /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg" width="640" height="360" viewBox="0 0 640 360"/,
    );
    expect(names.filter((e) => e === 'polyline')).toHaveLength(4);
    expect(countClass(svg, 'curve')).toBe(4);
    expect(countClass(svg, 'truth')).toBe(1);
    expect(names.filter((e) => e === 'circle')).toHaveLength(4 * n);
    expect(countClass(svg, 'legend-label')).toBe(4);
    expect(countClass(svg, 'x-tick')).toBe(countClass(svg, 'x-tick-label'));
    expect(countClass(svg, 'y-tick')).toBe(6); // 0, 0.2, ..., 1 after max-normalisation
    expect(countClass(svg, 'axis')).toBe(2);
    expect(countClass(svg, 'title')).toBe(1);
    for (const match of svg.matchAll(/points="([^"]*)"/g)) expect(match[1].split(' ')).toHaveLength(n);
  });

  it("shows each method's correlation with the truth, escaped labels, and is deterministic", () => {
    for (const m of methods) {
      const r = pearson(truth, m.values).toFixed(4);
      const label = m.label.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
      expect(svg).toContain(`>${label} (corr ${r})</text>`);
    }
    expect(svg).toContain('>Ground truth</text>');
    expect(
      spectralCurvesSvg({
        wavelengths: CASSI_WAVELENGTHS,
        truth: { label: 'Ground truth', values: truth },
        curves: methods,
        title: 'Spectra at (120, 80)',
      }),
    ).toBe(svg);
  });

  it('maps values to the plot box: max-normalised peaks sit on the top of the y axis', () => {
    const top = Number(/class="axis y-axis" x1="[\d.]+" y1="([\d.]+)"/.exec(svg)?.[1]);
    const bottom = Number(/class="axis x-axis" x1="[\d.]+" y1="([\d.]+)"/.exec(svg)?.[1]);
    for (const match of svg.matchAll(/points="([^"]*)"/g)) {
      const ys = match[1].split(' ').map((p) => Number(p.split(',')[1]));
      expect(Math.min(...ys)).toBeCloseTo(top, 1);
      expect(Math.max(...ys)).toBeLessThanOrEqual(bottom);
    }
    expect(Array.from(normalizeSpectrum([1, 4, 2]))).toEqual([0.25, 1, 0.5]);
  });

  it('names what it expected', () => {
    expect(() =>
      spectralCurvesSvg({ wavelengths: [500, 510], curves: [{ label: 'a', values: [1] }] }),
    ).toThrow(/curves\[0\]\.values: expected 2 values, got 1/);
    expect(() => spectralCurvesSvg({ wavelengths: [500, 510], curves: [] })).toThrow(
      /a truth or at least one curve/,
    );
    expect(() =>
      spectralCurvesSvg({ wavelengths: [500, 510], curves: [{ label: 'a', values: [1, Number.NaN] }] }),
    ).toThrow(/finite numbers, got NaN at index 1/);
    expect(() =>
      spectralCurvesSvg({ wavelengths: [500, 510], curves: [{ label: 'a', values: [1, 2] }], width: 100 }),
    ).toThrow(/at least/);
  });
});
