import { describe, expect, it } from 'vitest';
import { CASSI_WAVELENGTHS, checkXml, countClass } from './_test-data';
import { bandMetricsSvg } from './metric-bars';

describe('bandMetricsSvg', () => {
  const psnr = CASSI_WAVELENGTHS.map((_, i) => 30 + (i % 7));
  const other = CASSI_WAVELENGTHS.map((_, i) => 28 + (i % 5) * 1.5);
  const svg = bandMetricsSvg({
    series: [
      { label: 'S2-Transformer', values: psnr },
      { label: 'GAP-TV', values: other },
    ],
    wavelengths: CASSI_WAVELENGTHS,
    metric: 'PSNR (dB)',
    yMin: 20,
  });

  it('is well-formed SVG with one bar per band and method', () => {
    const names = checkXml(svg);
    expect(svg).toMatch(/^<svg [^>]*width="760" height="340" viewBox="0 0 760 340"/);
    expect(countClass(svg, 'bar')).toBe(28 * 2);
    expect(names.filter((e) => e === 'rect')).toHaveLength(1 + 28 * 2 + 2); // background, bars, legend swatches
    expect(countClass(svg, 'x-tick-label')).toBe(28);
    expect(svg).toContain('>453.5</text>');
    expect(svg).toContain('>PSNR (dB)</text>');
    const mean = (v: number[]) => (v.reduce((a, b) => a + b, 0) / v.length).toFixed(2);
    expect(svg).toContain(`S2-Transformer (mean ${mean(psnr)})`);
    expect(svg).toContain(`GAP-TV (mean ${mean(other)})`);
  });

  it('bar heights are linear in value above yMin', () => {
    const bars = [
      ...svg.matchAll(
        /class="bar" data-series="S2-Transformer" data-category="[^"]*" data-value="([\d.]+)" x="[\d.]+" y="([\d.]+)" width="[\d.]+" height="([\d.]+)"/g,
      ),
    ];
    expect(bars).toHaveLength(28);
    const perUnit = bars.map(([, value, , height]) => Number(height) / (Number(value) - 20));
    for (const p of perUnit) expect(p).toBeCloseTo(perUnit[0], 1);
    const bottoms = bars.map(([, , y, height]) => Number(y) + Number(height));
    for (const b of bottoms) expect(b).toBeCloseTo(bottoms[0], 1);
  });

  it('SSIM-style values with categories; deterministic', () => {
    const ssim = {
      series: [{ label: 'MST', values: [0.91, 0.95, 0.88] }],
      categories: ['a', 'b', 'c'],
      metric: 'SSIM',
    };
    const out = bandMetricsSvg(ssim);
    checkXml(out);
    expect(countClass(out, 'bar')).toBe(3);
    expect(out).toContain('MST (mean 0.9133)');
    expect(bandMetricsSvg(ssim)).toBe(out);
  });

  it('names what it expected', () => {
    expect(() => bandMetricsSvg({ series: [] })).toThrow(/at least one series/);
    expect(() =>
      bandMetricsSvg({
        series: [
          { label: 'a', values: [1, 2] },
          { label: 'b', values: [1] },
        ],
      }),
    ).toThrow(/series\[1\]\.values: expected 2 values, got 1/);
    expect(() => bandMetricsSvg({ series: [{ label: 'a', values: [1, 2] }], wavelengths: [500] })).toThrow(
      /expected 2 band centres/,
    );
    expect(() => bandMetricsSvg({ series: [{ label: 'a', values: [1, Number.POSITIVE_INFINITY] }] })).toThrow(
      /finite numbers, got Infinity/,
    );
  });
});
