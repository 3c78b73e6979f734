import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setupBackend } from '@s2cassi/backends';
import { decodeNpy } from '@s2cassi/hsi-io';
import { encodeModelWeights, modelManifest, S2Transformer } from '@s2cassi/s2-attn';
import { beforeAll, describe, expect, it } from 'vitest';
import { cli, makeMask, TINY, tempDir, writeNpy } from './_cli';

const dir = tempDir();
const [H, W, N] = [12, 16, 28];
const WIDE = W + 2 * (N - 1);
let max = 0;

beforeAll(async () => {
  await setupBackend('cpu');
  const model = new S2Transformer(TINY);
  model.measurementScaling = { kind: 'peak', peak: 0.8, gain: 1.2 };
  writeFileSync(join(dir, 'real.safetensors'), encodeModelWeights(model));
  writeFileSync(join(dir, 'real.json'), JSON.stringify(modelManifest(model)));
  model.measurementScaling = { kind: 'band-sum', gain: 1 };
  writeFileSync(join(dir, 'sim.safetensors'), encodeModelWeights(model));
  model.dispose();
  // a camera frame of arbitrary scale, and the same frame 37 times brighter
  const frame = new Float32Array(H * WIDE).map((_, i) => 3 + Math.sin(i / 7) + ((i * 13) % 11) / 11);
  for (const v of frame) max = Math.max(max, v);
  await writeNpy(join(dir, 'frame.npy'), frame, [H, WIDE]);
  await writeNpy(
    join(dir, 'bright.npy'),
    frame.map((v) => v * 37),
    [H, WIDE],
  );
  await writeNpy(join(dir, 'mask.npy'), makeMask(H, W), [H, W]);
});

function readCube(path: string): Float32Array {
  return decodeNpy(new Uint8Array(readFileSync(path))).data as Float32Array;
}

describe('models that scale measurements to their peak (real-data models)', () => {
  it('info names the convention; reconstruct applies it, reports the factors, and returns the cube in the measurement units', async () => {
    const info = await cli(['info', '--model', join(dir, 'real.safetensors'), '--json']);
    expect(info.code, info.stderr).toBe(0);
    expect(JSON.parse(info.stdout).model.measurement).toEqual({ kind: 'peak', peak: 0.8, gain: 1.2 });
    // the JSON manifest beside weights says it too
    const fromManifest = await cli(['info', '--model', join(dir, 'real.json'), '--json']);
    expect(JSON.parse(fromManifest.stdout).model.measurement).toEqual({ kind: 'peak', peak: 0.8, gain: 1.2 });
    const text = await cli(['info', '--model', join(dir, 'real.safetensors')]);
    expect(text.stdout).toContain(
      "measurements: scaled to 0.8 at their peak (real frames of any scale), trained at gain 1.2; the output is scaled back to the measurement's units",
    );
    const run = (input: string, output: string) =>
      cli([
        'reconstruct',
        join(dir, input),
        '--mask',
        join(dir, 'mask.npy'),
        '--method',
        's2',
        '--weights',
        join(dir, 'real.safetensors'),
        '-o',
        join(dir, output),
        '--json',
      ]);
    const [plain, bright] = await Promise.all([run('frame.npy', 'a.npy'), run('bright.npy', 'b.npy')]);
    expect(plain.code, plain.stderr).toBe(0);
    expect(bright.code, bright.stderr).toBe(0);
    const scaling = JSON.parse(plain.stdout).results[0].measurementScaling;
    expect(scaling).toMatchObject({ kind: 'peak', peak: 0.8, gain: 1.2 });
    expect(scaling.inputFactor).toBeCloseTo(0.8 / max, 6);
    expect(scaling.outputFactor).toBeCloseTo((max * (2 / N) * 1.2) / 0.8, 6);
    // 37 x the frame gives 37 x the cube: the network saw the same input
    const a = readCube(join(dir, 'a.npy'));
    const b = readCube(join(dir, 'b.npy'));
    expect(a.length).toBe(H * W * N);
    let worst = 0;
    let largest = 0;
    for (let i = 0; i < a.length; i++) {
      worst = Math.max(worst, Math.abs(b[i] - 37 * a[i]));
      largest = Math.max(largest, Math.abs(37 * a[i]));
    }
    expect(largest).toBeGreaterThan(0);
    expect(worst / largest).toBeLessThan(1e-5);
  });

  it('--measurement-scaling overrides the weights (keeping their gain); a bad value or GAP-TV is a usage error', async () => {
    const run = (weights: string, output: string, ...extra: string[]) =>
      cli([
        'reconstruct',
        join(dir, 'frame.npy'),
        '--mask',
        join(dir, 'mask.npy'),
        '--method',
        's2',
        '--weights',
        join(dir, weights),
        '-o',
        join(dir, output),
        '--json',
        ...extra,
      ]);
    const [peak, custom, real, sim, bad, gapTv] = await Promise.all([
      run('sim.safetensors', 'p.npy', '--measurement-scaling', 'peak'),
      run('sim.safetensors', 'c.npy', '--measurement-scaling', 'peak:0.5'),
      run('real.safetensors', 'r.npy', '--measurement-scaling', 'band-sum'),
      run('sim.safetensors', 's.npy'),
      run('sim.safetensors', 'x.npy', '--measurement-scaling', 'peak:-1'),
      cli([
        'reconstruct',
        join(dir, 'frame.npy'),
        '--mask',
        join(dir, 'mask.npy'),
        '--measurement-scaling',
        'peak',
        '-o',
        join(dir, 'g.npy'),
      ]),
    ]);
    for (const r of [peak, custom, real, sim]) expect(r.code, r.stderr).toBe(0);
    const scaling = (r: { stdout: string }) => JSON.parse(r.stdout).results[0].measurementScaling;
    expect(scaling(peak)).toMatchObject({ kind: 'peak', peak: 0.8, gain: 1 });
    expect(scaling(peak).inputFactor).toBeCloseTo(0.8 / max, 6);
    expect(scaling(custom)).toMatchObject({ kind: 'peak', peak: 0.5, gain: 1 });
    expect(scaling(custom).inputFactor).toBeCloseTo(0.5 / max, 6);
    expect(scaling(real)).toEqual({
      kind: 'band-sum',
      gain: 1.2,
      inputFactor: (2 / N) * 1.2,
      outputFactor: 1,
    });
    expect(scaling(sim)).toEqual({ kind: 'band-sum', gain: 1, inputFactor: 2 / N, outputFactor: 1 });
    expect(readCube(join(dir, 'p.npy'))).not.toEqual(readCube(join(dir, 's.npy')));
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain(
      "expected 'band-sum', 'peak' (peak 0.8) or 'peak:<number > 0>', got 'peak:-1'",
    );
    expect(gapTv.code).toBe(2);
    expect(gapTv.stderr).toContain('--measurement-scaling is for --method s2');
  });
});
