import { describe, expect, it } from 'vitest';
import { MAGMA, VIRIDIS } from './_colormap-tables.generated';
import { applyColormap, colormapColor } from './colormap';
import { srgbDecode } from './srgb';

const hex = (rgb: number[]) => `#${rgb.map((v) => v.toString(16).padStart(2, '0')).join('')}`;

describe('colormapColor', () => {
  it('hits the published end and middle colours', () => {
    // viridis #440154 .. #21918c (middle) .. #fde725; magma #000004 .. #fcfdbf (matplotlib / bids colormap).
    expect(hex(colormapColor('viridis', 0))).toBe('#440154');
    expect(hex(colormapColor('viridis', 128 / 255))).toBe('#21918c');
    expect(hex(colormapColor('viridis', 1))).toBe('#fde725');
    expect(hex(colormapColor('magma', 0))).toBe('#000004');
    expect(hex(colormapColor('magma', 1))).toBe('#fcfdbf');
    expect(colormapColor('viridis', -3)).toEqual(colormapColor('viridis', 0));
    expect(colormapColor('viridis', 9)).toEqual(colormapColor('viridis', 1));
  });

  it('interpolates linearly between knots', () => {
    const t = 10.5 / 255;
    const mid = colormapColor('magma', t);
    for (let c = 0; c < 3; c++) expect(mid[c]).toBe(Math.round((255 * (MAGMA[30 + c] + MAGMA[33 + c])) / 2));
  });

  it('tables have 256 knots whose luminance rises monotonically (the maps are perceptually ordered)', () => {
    for (const table of [VIRIDIS, MAGMA]) {
      expect(table).toHaveLength(768);
      let previous = -1;
      for (let k = 0; k < 256; k++) {
        const y =
          0.2126 * srgbDecode(table[3 * k]) +
          0.7152 * srgbDecode(table[3 * k + 1]) +
          0.0722 * srgbDecode(table[3 * k + 2]);
        expect(y).toBeGreaterThan(previous);
        previous = y;
      }
    }
  });
});

describe('applyColormap', () => {
  it('maps min..max to the ends, draws skipped and non-finite pixels in the skip colour', () => {
    const image = applyColormap([0, 5, 10, Number.NaN, 7], 5, 1, {
      colormap: 'magma',
      skip: [0, 0, 0, 0, 1],
      skipColor: [1, 2, 3],
    });
    expect(Array.from(image.data.subarray(0, 4))).toEqual([...colormapColor('magma', 0), 255]);
    expect(Array.from(image.data.subarray(4, 8))).toEqual([...colormapColor('magma', 0.5), 255]);
    expect(Array.from(image.data.subarray(8, 12))).toEqual([...colormapColor('magma', 1), 255]);
    expect(Array.from(image.data.subarray(12, 16))).toEqual([1, 2, 3, 255]);
    expect(Array.from(image.data.subarray(16, 20))).toEqual([1, 2, 3, 255]);
    const fixed = applyColormap([0, 5], 2, 1, { min: 0, max: 20 });
    expect(Array.from(fixed.data.subarray(4, 7))).toEqual(colormapColor('viridis', 0.25));
  });

  it('names what it expected', () => {
    expect(() => applyColormap([1, 2], 3, 1)).toThrow(/expected 3 values, got 2/);
    expect(() => applyColormap([1], 1, 1, { colormap: 'jet' as 'magma' })).toThrow(
      /expected one of 'viridis', 'magma', got "jet"/,
    );
  });
});
