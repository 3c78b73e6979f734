import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { createCube, decodeSafetensors, encodeNpy } from '@s2cassi/hsi-io';
import { readCubeFile, writeCubeFile } from '@s2cassi/hsi-io/node';
import { beforeAll, describe, expect, it } from 'vitest';
import { cli, makeCube, makeMask, tempDir, writeNpy } from './_cli';

/** How the CLI reads what users give it: scaled integer cubes, ENVI pairs, weights files, data folders. */

const DEMO_CUBE = createRequire(import.meta.url).resolve('@s2cassi/demo-data/assets/demo-scene.safetensors');
const dir = tempDir();

function expectCleanError(result: { code: number; stderr: string }, ...fragments: string[]) {
  expect(result.code, result.stderr).toBe(2);
  for (const f of fragments) expect(result.stderr).toContain(f);
  expect(result.stderr).not.toMatch(/\n\s+at /);
  expect(result.stderr.trim().split('\n')).toHaveLength(1);
}

describe('integer cubes with a scale (the bundled demo cube: U16, metadata scale 65535)', () => {
  const demoFloat = join(dir, 'demo-float.npy');
  const estimate = join(dir, 'estimate.npy');
  let floatValues: Float32Array;

  beforeAll(async () => {
    // Independent reference: the stored 16-bit counts / 65535, written as a float32 cube.
    const stored = decodeSafetensors(new Uint8Array(readFileSync(DEMO_CUBE))).tensors.cube;
    floatValues = Float32Array.from(stored.data as Uint16Array, (v) => v / 65535);
    await writeNpy(demoFloat, floatValues, stored.shape);
    const guess = Float32Array.from(floatValues, (v, i) => Math.min(1, v * 0.9 + 0.02 * ((i % 7) / 7)));
    await writeNpy(estimate, guess, stored.shape);
  });

  it('simulate gives the same measurement from the demo cube as from its float copy', async () => {
    const [fromDemo, fromFloat] = await Promise.all([
      cli(['simulate', DEMO_CUBE, '-o', join(dir, 'meas-demo.npy'), '--no-preview', '--backend', 'cpu']),
      cli(['simulate', demoFloat, '-o', join(dir, 'meas-float.npy'), '--no-preview', '--backend', 'cpu']),
    ]);
    expect(fromDemo.code, fromDemo.stderr).toBe(0);
    expect(fromFloat.code, fromFloat.stderr).toBe(0);
    expect(fromDemo.stderr).not.toContain('used as stored');
    const a = (await readCubeFile(join(dir, 'meas-demo.npy'))).data;
    const b = (await readCubeFile(join(dir, 'meas-float.npy'))).data;
    expect(a.length).toBe(256 * (256 + 2 * 27));
    let worst = 0;
    let max = 0;
    for (let i = 0; i < a.length; i++) {
      worst = Math.max(worst, Math.abs(a[i] - b[i]));
      max = Math.max(max, a[i]);
    }
    expect(worst).toBeLessThan(1e-5);
    // A sum of 28 bands of values <= 1 times a mask <= 1.
    expect(max).toBeLessThanOrEqual(28);
  });

  it('metrics gives the same numbers with the demo cube as reference as with its float copy', async () => {
    const [fromDemo, fromFloat] = await Promise.all([
      cli(['metrics', DEMO_CUBE, estimate, '--json']),
      cli(['metrics', demoFloat, estimate, '--json']),
    ]);
    expect(fromDemo.code, fromDemo.stderr).toBe(0);
    expect(fromFloat.code, fromFloat.stderr).toBe(0);
    const demo = JSON.parse(fromDemo.stdout) as { mean: Record<string, number> };
    const float = JSON.parse(fromFloat.stdout) as { mean: Record<string, number> };
    expect(demo.mean).toEqual(float.mean);
    expect(demo.mean.psnr).toBeGreaterThan(20);
  });

  it('an integer cube without a scale is used as stored, and the CLI says so', async () => {
    const counts = Uint16Array.from(makeCube(8, 8, 4), (v) => Math.round(v * 4095));
    const path = join(dir, 'counts.npy');
    await writeFile(path, encodeNpy({ data: counts, shape: [8, 8, 4] }));
    await writeNpy(join(dir, 'mask8.npy'), makeMask(8, 8), [8, 8]);
    const r = await cli([
      'simulate',
      path,
      '--mask',
      join(dir, 'mask8.npy'),
      '-o',
      join(dir, 'meas-counts.npy'),
      '--no-preview',
      '--backend',
      'cpu',
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/warning: cube .*counts\.npy: uint16 values used as stored \(\d+\.\.\d+\)/);
  });
});

describe('ENVI pairs', () => {
  it('metrics reads out.hdr when a folder named like its data file sits beside it', async () => {
    const cube = createCube([8, 8, 4], makeCube(8, 8, 4));
    await writeCubeFile(join(dir, 'out.hdr'), cube);
    mkdirSync(join(dir, 'out'));
    await writeNpy(join(dir, 'same.npy'), cube.data, [8, 8, 4]);
    const r = await cli([
      'metrics',
      join(dir, 'out.hdr'),
      join(dir, 'same.npy'),
      '--preset',
      'float',
      '--json',
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect((JSON.parse(r.stdout) as { mean: { rmse: number } }).mean.rmse).toBe(0);
  });
});

describe('reconstruct --weights that are not a safetensors weights file', () => {
  it('names what was expected and what was given', async () => {
    await writeNpy(join(dir, 'meas16.npy'), makeMask(16, 16 + 54), [16, 16 + 54]);
    await writeNpy(join(dir, 'mask16.npy'), makeMask(16, 16), [16, 16]);
    await writeNpy(join(dir, 'random.npy'), makeMask(4, 4), [4, 4]);
    await writeFile(join(dir, 'text.safetensors'), 'not weights at all\n');
    const base = [
      'reconstruct',
      join(dir, 'meas16.npy'),
      '--mask',
      join(dir, 'mask16.npy'),
      '--method',
      's2',
    ];
    const [npy, text, missing] = await Promise.all([
      cli([...base, '--weights', join(dir, 'random.npy'), '-o', join(dir, 'r1.npy')]),
      cli([...base, '--weights', join(dir, 'text.safetensors'), '-o', join(dir, 'r2.npy')]),
      cli([...base, '--weights', join(dir, 'nowhere.safetensors'), '-o', join(dir, 'r3.npy')]),
    ]);
    expectCleanError(npy, `--weights ${join(dir, 'random.npy')}`, 'expected a .safetensors weights file');
    expect(npy.stderr).not.toContain('random.npy.safetensors');
    expectCleanError(
      text,
      `--weights ${join(dir, 'text.safetensors')}`,
      'not a safetensors weights file',
      'expected',
    );
    expectCleanError(missing, join(dir, 'nowhere.safetensors'), 'does not exist');
    for (const out of ['r1.npy', 'r2.npy', 'r3.npy']) expect(existsSync(join(dir, out))).toBe(false);
  });
});

describe('train with data that is not there', () => {
  it('a missing data folder or mask file is a usage error naming the option and the path', async () => {
    const missingRoot = join(dir, 'no-such-cave');
    const missingMask = join(dir, 'no-such-mask.mat');
    const [root, mask] = await Promise.all([
      cli([
        'train',
        '--preset',
        'cpu-small',
        '--set',
        `data.source.root=${missingRoot}`,
        '-o',
        join(dir, 'run1'),
      ]),
      cli([
        'train',
        '--preset',
        'tiny',
        '--set',
        `data.mask={"kind":"file","path":${JSON.stringify(missingMask)},"key":null,"randomCrop":true}`,
        '-o',
        join(dir, 'run2'),
      ]),
    ]);
    expectCleanError(root, 'data.source.root', missingRoot, 'does not exist');
    expectCleanError(mask, 'data.mask.path', missingMask, 'does not exist');
    expect(existsSync(join(dir, 'run1'))).toBe(false);
    expect(existsSync(join(dir, 'run2'))).toBe(false);
  });
});
