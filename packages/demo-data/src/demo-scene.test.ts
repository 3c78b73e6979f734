import { readFileSync } from 'node:fs';
import { assertCube } from '@s2cassi/hsi-io';
import { SHARED_DATA, SHARED_DATA_MISSING_MESSAGE, sharedDataPath } from '@s2cassi/testing';
import { decode } from 'fast-png';
import { describe, expect, it } from 'vitest';
import { loadDemoScene, loadStandardMask } from './demo-scene';

describe('demo assets', () => {
  it('loads the demo scene: 256 x 256 x 28 in [0, 1] with the 28 CASSI centres', async () => {
    const scene = await loadDemoScene();
    // An @s2cassi/hsi-io Cube as it is (layout, shape, data, one wavelength per band).
    assertCube(scene, 'demo scene');
    expect(scene.layout).toBe('hwc');
    expect(scene.shape).toEqual([256, 256, 28]);
    expect(scene.data.length).toBe(256 * 256 * 28);
    expect(scene.wavelengths).toHaveLength(28);
    expect(scene.wavelengths[0]).toBe(453.5);
    expect(scene.wavelengths[27]).toBe(648);
    let min = Infinity;
    let max = -Infinity;
    for (const v of scene.data) {
      min = Math.min(min, v);
      max = Math.max(max, v);
    }
    expect(min).toBeGreaterThanOrEqual(0);
    expect(max).toBeLessThanOrEqual(1);
    expect(max).toBeGreaterThan(0.5);
    expect(scene.attribution).toMatch(/CAVE/);
  });

  it('loads the standard mask with its published statistics', async () => {
    const mask = await loadStandardMask();
    expect(mask.shape).toEqual([256, 256]);
    let min = Infinity;
    let sum = 0;
    for (const v of mask.data) {
      min = Math.min(min, v);
      sum += v;
    }
    expect(min).toBeCloseTo(0.0066, 4);
    expect(sum / mask.data.length).toBeCloseTo(0.5632, 4);
  });
});

describe.skipIf(!SHARED_DATA)('demo scene against the CAVE source PNGs', () => {
  if (!SHARED_DATA) console.warn(SHARED_DATA_MISSING_MESSAGE);
  it('equals the linear interpolation of the 16-bit bands within quantisation', async () => {
    const scene = await loadDemoScene();
    const cave = (band: number) => {
      const file = sharedDataPath(
        'cave',
        'fake_and_real_peppers_ms',
        `fake_and_real_peppers_ms_${String(band + 1).padStart(2, '0')}.png`,
      );
      return decode(readFileSync(file));
    };
    const bands = Array.from({ length: 31 }, (_, i) => cave(i));
    let worst = 0;
    for (const [row, col] of [
      [0, 0],
      [100, 37],
      [255, 255],
      [17, 200],
    ]) {
      for (let k = 0; k < 28; k++) {
        const centre = scene.wavelengths[k];
        const j = Math.floor((centre - 400) / 10);
        const t = (centre - (400 + 10 * j)) / 10;
        const at = (b: number) => bands[b].data[(row + 128) * 512 + col + 128] / 65535;
        const expected = (1 - t) * at(j) + t * at(j + 1);
        worst = Math.max(worst, Math.abs(scene.data[(row * 256 + col) * 28 + k] - expected));
      }
    }
    expect(worst).toBeLessThan(1 / 65535);
  });
});
