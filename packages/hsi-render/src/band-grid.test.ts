import { describe, expect, it } from 'vitest';
import { FONT_CHARACTERS, GLYPH_ADVANCE, textWidth } from './_font';
import { CASSI_WAVELENGTHS } from './_test-data';
import { bandGrid, formatWavelength } from './band-grid';
import { wavelengthColor } from './srgb';

function rampCube(height: number, width: number, bands: number) {
  const data = new Float32Array(height * width * bands);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++)
      for (let n = 0; n < bands; n++)
        data[(y * width + x) * bands + n] = ((x + y * width) / (height * width)) * (n + 1);
  return { data, shape: [height, width, bands] as [number, number, number] };
}

describe('bandGrid', () => {
  it('has the documented size and layout', () => {
    const cube = { ...rampCube(16, 24, 28), wavelengths: CASSI_WAVELENGTHS };
    const grid = bandGrid(cube, { columns: 7, tileWidth: 48, gap: 2 });
    // tileHeight keeps the aspect ratio: 16 * 48 / 24 = 32; label strip 11 px at scale 1.
    expect(grid.layout).toMatchObject({
      columns: 7,
      rows: 4,
      tileWidth: 48,
      tileHeight: 32,
      labelHeight: 11,
      gap: 2,
    });
    expect(grid.width).toBe(7 * 48 + 8 * 2);
    expect(grid.height).toBe(4 * (32 + 11) + 5 * 2);
    expect(grid.data.length).toBe(grid.width * grid.height * 4);
    expect(grid.layout.tiles).toHaveLength(28);
    expect(grid.layout.tiles[8]).toEqual({ band: 8, x: 2 + 1 * 50, y: 2 + 1 * 45, label: '492.5nm' });
    // Defaults: ceil(sqrt(28)) = 6 columns, tiles at the cube's size, gap 4.
    const plain = bandGrid(cube);
    expect([plain.layout.columns, plain.layout.rows, plain.width, plain.height]).toEqual([
      6,
      5,
      6 * 24 + 7 * 4,
      5 * (16 + 11) + 6 * 4,
    ]);
    const bare = bandGrid(cube, { labels: false, gap: 0, columns: 28 });
    expect([bare.width, bare.height]).toEqual([28 * 24, 16]);
  });

  it('tiles show each band (global or per-band normalised) times its wavelength colour', () => {
    const bands = 3;
    const wavelengths = [450, 540, 620];
    const cube = { ...rampCube(4, 5, bands), wavelengths };
    for (const normalization of ['global', 'band'] as const) {
      const grid = bandGrid(cube, { normalization, gap: 1, columns: 3, labels: false });
      let globalMax = 0;
      const bandMax = [0, 0, 0];
      for (let i = 0; i < cube.data.length; i++) {
        globalMax = Math.max(globalMax, cube.data[i]);
        bandMax[i % bands] = Math.max(bandMax[i % bands], cube.data[i]);
      }
      for (const tile of grid.layout.tiles) {
        const tint = wavelengthColor(wavelengths[tile.band]);
        const peak = normalization === 'global' ? globalMax : bandMax[tile.band];
        for (let y = 0; y < 4; y++)
          for (let x = 0; x < 5; x++) {
            const v = Math.min(1, cube.data[(y * 5 + x) * bands + tile.band] / peak);
            const o = ((tile.y + y) * grid.width + tile.x + x) * 4;
            for (let c = 0; c < 3; c++)
              expect(Math.abs(grid.data[o + c] - 255 * v * tint[c])).toBeLessThanOrEqual(0.5 + 1e-9);
            expect(grid.data[o + 3]).toBe(255);
          }
      }
    }
  });

  it('draws the label under each tile with the 5x7 font', () => {
    const cube = { ...rampCube(8, 60, 2), wavelengths: [453.5, 540] };
    const grid = bandGrid(cube, { columns: 2, gap: 3, labelColor: [255, 0, 255], background: [0, 0, 0] });
    for (const tile of grid.layout.tiles) {
      let inked = 0;
      let minX = Number.POSITIVE_INFINITY;
      let maxX = -1;
      for (let y = tile.y + 8; y < tile.y + 8 + 11; y++)
        for (let x = tile.x; x < tile.x + 60; x++) {
          const o = (y * grid.width + x) * 4;
          if (grid.data[o] === 255 && grid.data[o + 1] === 0 && grid.data[o + 2] === 255) {
            inked++;
            minX = Math.min(minX, x);
            maxX = Math.max(maxX, x);
          }
        }
      expect(inked).toBeGreaterThan(tile.label.length * 5);
      expect(minX).toBeGreaterThanOrEqual(tile.x);
      expect(maxX - tile.x + 1).toBeLessThanOrEqual(textWidth(tile.label, 1));
      expect(maxX - tile.x + 1).toBeGreaterThan(textWidth(tile.label, 1) - GLYPH_ADVANCE);
    }
    expect(grid.layout.tiles.map((t) => t.label)).toEqual(['453.5nm', '540nm']);
    // No ink anywhere outside the label strips.
    const stripRows = new Set<number>();
    for (const t of grid.layout.tiles) for (let y = t.y + 8; y < t.y + 19; y++) stripRows.add(y);
    for (let y = 0; y < grid.height; y++) {
      if (stripRows.has(y)) continue;
      for (let x = 0; x < grid.width; x++) {
        const o = (y * grid.width + x) * 4;
        expect(grid.data[o] === 255 && grid.data[o + 1] === 0 && grid.data[o + 2] === 255).toBe(false);
      }
    }
  });

  it('without wavelengths: grey tiles labelled 1..N', () => {
    const grid = bandGrid(rampCube(3, 3, 4), { gap: 0, columns: 4 });
    expect(grid.layout.tiles.map((t) => t.label)).toEqual(['1', '2', '3', '4']);
    const o = (2 * grid.width + 2) * 4;
    expect(grid.data[o]).toBe(grid.data[o + 1]);
    expect(grid.data[o + 1]).toBe(grid.data[o + 2]);
  });

  it('formats wavelengths and knows every character it needs', () => {
    expect(formatWavelength(540)).toBe('540nm');
    expect(formatWavelength(453.5)).toBe('453.5nm');
    expect(formatWavelength(453.25)).toBe('453.3nm');
    for (const ch of '0123456789.nm') expect(FONT_CHARACTERS).toContain(ch);
  });

  it('names what it expected', () => {
    const cube = rampCube(2, 2, 2);
    expect(() => bandGrid(cube, { columns: 0 })).toThrow(/columns: expected a positive integer, got 0/);
    expect(() => bandGrid(cube, { normalization: 'peak' as 'band' })).toThrow(
      /expected one of 'global', 'band'/,
    );
    expect(() => bandGrid(cube, { background: [0, 0, 300] })).toThrow(/in 0\.\.255, got \[0, 0, 300\]/);
    expect(() => bandGrid(cube, { tileWidth: 100000, columns: 2 })).toThrow(/at most 2\^25 pixels/);
  });
});
