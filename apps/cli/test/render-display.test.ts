import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CASSI_28_BAND_CENTRES } from '@s2cassi/hsi-io';
import { readCubeFile } from '@s2cassi/hsi-io/node';
import { decodePng, renderSrgb } from '@s2cassi/hsi-render';
import { describe, expect, it } from 'vitest';
import { cli, makeCube, makeMask, tempDir, writeNpy } from './_cli';

const H = 12;
const W = 20;
const N = 28;
const WP = W + 2 * (N - 1);

/** Independent reference: the factor mapping the 99.5th percentile (of all values) to 1. */
function percentileExposure(data: Float32Array): number {
  const sorted = Float64Array.from(data).sort();
  const p = sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * 0.995))];
  return p > 0 ? 1 / p : 1;
}

/** Brute force: the cube turned by 180 degrees (pixel (x, y) <- (W-1-x, H-1-y)), times `factor`, clipped. */
function shown(data: Float32Array, height: number, width: number, factor: number, rotate: boolean) {
  const out = new Float32Array(data.length);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      const [sy, sx] = rotate ? [height - 1 - y, width - 1 - x] : [y, x];
      for (let n = 0; n < N; n++)
        out[(y * width + x) * N + n] = Math.min(1, Math.max(0, data[(sy * width + sx) * N + n] * factor));
    }
  return out;
}

function expectedSrgb(data: Float32Array, height: number, width: number, factor: number, rotate: boolean) {
  const cube = { data: shown(data, height, width, factor, rotate), shape: [height, width, N] };
  return renderSrgb(cube, { wavelengths: CASSI_28_BAND_CENTRES }).data;
}

function png(path: string) {
  return decodePng(readFileSync(path));
}

describe('exposure and orientation of renderings (render and reconstruct --render)', () => {
  it('render auto-exposes by default; --exposure and --rotate180 do what they say', async () => {
    const dir = tempDir();
    // A dim cube, as real measurements reconstruct to (values of a few hundredths).
    const cube = makeCube(H, W, N).map((v) => v * 0.03);
    await writeNpy(join(dir, 'dim.npy'), cube, [H, W, N]);
    const render = (out: string, ...extra: string[]) =>
      cli(['render', join(dir, 'dim.npy'), '-o', join(dir, out), '--json', ...extra]);
    const [auto, fixed, turned, bad, badText] = await Promise.all([
      render('auto'),
      render('fixed', '--exposure', '2.5'),
      render('turned', '--rotate180'),
      render('bad', '--exposure', '0'),
      render('bad2', '--exposure', 'bright'),
    ]);
    for (const r of [auto, fixed, turned]) expect(r.code, r.stderr).toBe(0);
    const factor = percentileExposure(cube);
    expect(factor).toBeGreaterThan(20);
    const autoJson = JSON.parse(auto.stdout) as { exposure: number; rotate180: boolean };
    expect(autoJson.exposure).toBeCloseTo(factor, 4);
    expect(autoJson.rotate180).toBe(false);
    const autoImage = png(join(dir, 'auto', 'srgb.png'));
    expect([autoImage.width, autoImage.height]).toEqual([W, H]);
    expect([...autoImage.data]).toEqual([...expectedSrgb(cube, H, W, factor, false)]);
    // Not nearly black: the mean sRGB value is mid-range.
    const mean = autoImage.data.reduce((a, b) => a + b, 0) / autoImage.data.length;
    expect(mean).toBeGreaterThan(80);
    expect([...png(join(dir, 'fixed', 'srgb.png')).data]).toEqual([...expectedSrgb(cube, H, W, 2.5, false)]);
    expect((JSON.parse(fixed.stdout) as { exposure: number }).exposure).toBe(2.5);
    // Rotated: pixel (x, y) of the turned picture is pixel (W-1-x, H-1-y) of the upright one.
    const turnedImage = png(join(dir, 'turned', 'srgb.png'));
    for (let y = 0; y < H; y++)
      for (let x = 0; x < W; x++)
        for (let c = 0; c < 4; c++)
          expect(turnedImage.data[(y * W + x) * 4 + c]).toBe(
            autoImage.data[((H - 1 - y) * W + (W - 1 - x)) * 4 + c],
          );
    const [upright, rotatedGrid] = [
      png(join(dir, 'auto', 'bands.png')),
      png(join(dir, 'turned', 'bands.png')),
    ];
    expect([rotatedGrid.width, rotatedGrid.height]).toEqual([upright.width, upright.height]);
    expect(Buffer.from(rotatedGrid.data).equals(Buffer.from(upright.data))).toBe(false);
    for (const r of [bad, badText]) {
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/--exposure.*expected 'auto' or a number > 0, got '(0|bright)'/);
    }
  });

  it('reconstruct --render uses the same rendering as render: auto by default, --exposure, --rotate180', async () => {
    const dir = tempDir();
    await writeNpy(join(dir, 'mask.npy'), makeMask(H, W), [H, W]);
    await writeNpy(join(dir, 'meas.npy'), makeMask(H, WP, 9), [H, WP]);
    const reconstruct = (out: string, ...extra: string[]) =>
      cli([
        'reconstruct',
        join(dir, 'meas.npy'),
        '--mask',
        join(dir, 'mask.npy'),
        '-o',
        join(dir, out),
        '--iterations',
        '3',
        '--backend',
        'cpu',
        '--render',
        ...extra,
      ]);
    const [plain, options] = await Promise.all([
      reconstruct('plain.npy'),
      reconstruct('turned.npy', '--exposure', '3', '--rotate180'),
    ]);
    expect(plain.code, plain.stderr).toBe(0);
    expect(options.code, options.stderr).toBe(0);
    // Default: byte for byte what `render` writes for the same cube.
    const rendered = await cli(['render', join(dir, 'plain.npy'), '-o', join(dir, 'plain-render')]);
    expect(rendered.code, rendered.stderr).toBe(0);
    for (const [mine, theirs] of [
      ['plain.srgb.png', 'srgb.png'],
      ['plain.bands.png', 'bands.png'],
    ]) {
      expect(
        readFileSync(join(dir, mine)).equals(readFileSync(join(dir, 'plain-render', theirs))),
        mine,
      ).toBe(true);
    }
    const turnedCube = await readCubeFile(join(dir, 'turned.npy'));
    expect([...png(join(dir, 'turned.srgb.png')).data]).toEqual([
      ...expectedSrgb(turnedCube.data, H, W, 3, true),
    ]);
    const bad = await reconstruct('bad.npy', '--exposure', '-1');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--exposure.*got '-1'/);
  });
});
