import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setupBackend } from '@s2cassi/backends';
import { decodeNpy } from '@s2cassi/hsi-io';
import { encodeModelWeights, S2Transformer } from '@s2cassi/s2-attn';
import { beforeAll, describe, expect, it } from 'vitest';
import { cli, makeCube, makeMask, TINY, tempDir, writeNpy } from './_cli';

const dir = tempDir();
const [H, W, N] = [16, 16, 28];

beforeAll(async () => {
  await setupBackend('cpu');
  const model = new S2Transformer(TINY);
  writeFileSync(join(dir, 'plain.safetensors'), encodeModelWeights(model));
  model.selfEnsemble = 'shift2';
  writeFileSync(join(dir, 'shift2.safetensors'), encodeModelWeights(model));
  model.dispose();
  await writeNpy(join(dir, 'mask.npy'), makeMask(H, W), [H, W]);
  await writeNpy(join(dir, 'scene.npy'), makeCube(H, W, N), [H, W, N]);
  const sim = await cli([
    'simulate',
    join(dir, 'scene.npy'),
    '--mask',
    join(dir, 'mask.npy'),
    '-o',
    join(dir, 'y.npy'),
  ]);
  if (sim.code !== 0) throw new Error(sim.stderr);
});

const cube = (name: string) => decodeNpy(new Uint8Array(readFileSync(join(dir, name)))).data as Float32Array;
const reconstruct = (weights: string, out: string, ...extra: string[]) =>
  cli([
    'reconstruct',
    join(dir, 'y.npy'),
    '--mask',
    join(dir, 'mask.npy'),
    '--method',
    's2',
    '--weights',
    join(dir, weights),
    '-o',
    join(dir, out),
    '--json',
    ...extra,
  ]);

describe('reconstruct / evaluate --self-ensemble', () => {
  it("runs the weights' own ensemble by default, --self-ensemble overrides it, and the JSON says which ran", async () => {
    const [plain, own, chosen, none] = await Promise.all([
      reconstruct('plain.safetensors', 'plain.npy'),
      reconstruct('shift2.safetensors', 'own.npy'),
      reconstruct('plain.safetensors', 'chosen.npy', '--self-ensemble', 'shift2'),
      reconstruct('shift2.safetensors', 'none.npy', '--self-ensemble', 'none'),
    ]);
    for (const r of [plain, own, chosen, none]) expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(plain.stdout).selfEnsemble).toBe('none');
    expect(JSON.parse(own.stdout).selfEnsemble).toBe('shift2');
    expect(JSON.parse(chosen.stdout).selfEnsemble).toBe('shift2');
    expect(JSON.parse(none.stdout).selfEnsemble).toBe('none');
    // the same weights: shift2 from the file or from the option is the same cube, none the single pass
    expect(cube('own.npy')).toEqual(cube('chosen.npy'));
    expect(cube('none.npy')).toEqual(cube('plain.npy'));
    expect(cube('own.npy')).not.toEqual(cube('plain.npy'));
    const evaluated = await cli([
      'evaluate',
      join(dir, 'scene.npy'),
      '--mask',
      join(dir, 'mask.npy'),
      '--method',
      's2',
      '--weights',
      join(dir, 'shift2.safetensors'),
    ]);
    expect(evaluated.code, evaluated.stderr).toBe(0);
    expect(evaluated.stdout).toContain("note: S2 is the mean of the shift2 self-ensemble's passes");
  });

  it('a name outside the choices, or an ensemble for GAP-TV, is a usage error', async () => {
    const [bad, gapTv, evaluateGapTv] = await Promise.all([
      reconstruct('plain.safetensors', 'bad.npy', '--self-ensemble', 'flip'),
      cli([
        'reconstruct',
        join(dir, 'y.npy'),
        '--mask',
        join(dir, 'mask.npy'),
        '--self-ensemble',
        'shift2',
        '-o',
        join(dir, 'g.npy'),
      ]),
      cli(['evaluate', join(dir, 'scene.npy'), '--mask', join(dir, 'mask.npy'), '--self-ensemble', 'shift2']),
    ]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("argument 'flip' is invalid. Allowed choices are none, shift2, shift4");
    expect(gapTv.code).toBe(2);
    expect(gapTv.stderr).toContain('--self-ensemble is for --method s2; GAP-TV runs once');
    expect(evaluateGapTv.code).toBe(2);
    expect(evaluateGapTv.stderr).toContain('--self-ensemble is for --method s2; GAP-TV runs once');
  });
});
