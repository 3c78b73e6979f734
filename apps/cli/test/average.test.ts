import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setupBackend } from '@s2cassi/backends';
import { decodeSafetensors, encodeSafetensors, safetensorToFloat32 } from '@s2cassi/hsi-io';
import { encodeModelWeights, S2Transformer } from '@s2cassi/s2-attn';
import { beforeAll, describe, expect, it } from 'vitest';
import { cli, TINY, tempDir } from './_cli';

const dir = tempDir();
/** Three "checkpoints" of one model: the same config, the weights shifted by 0, 1 and 3. */
const offsets = [0, 1, 3];

function shifted(bytes: Uint8Array, offset: number): Uint8Array {
  const { tensors, metadata } = decodeSafetensors(bytes);
  const out: Record<string, { dtype: 'F32'; shape: number[]; data: Float32Array }> = {};
  for (const [name, t] of Object.entries(tensors))
    out[name] = { dtype: 'F32', shape: t.shape, data: safetensorToFloat32(t).map((v) => v + offset) };
  return encodeSafetensors(out, metadata);
}

beforeAll(async () => {
  await setupBackend('cpu');
  const model = new S2Transformer(TINY);
  const base = encodeModelWeights(model);
  model.dispose();
  writeFileSync(join(dir, 'a.safetensors'), shifted(base, offsets[0]));
  writeFileSync(join(dir, 'b.safetensors'), shifted(base, offsets[1]));
  mkdirSync(join(dir, 'step-000000300'));
  writeFileSync(join(dir, 'step-000000300', 'weights.safetensors'), shifted(base, offsets[2]));
  const other = new S2Transformer({ ...TINY, embeddingDim: 8 });
  writeFileSync(join(dir, 'other.safetensors'), encodeModelWeights(other));
  other.dispose();
});

describe('s2cassi average', () => {
  it('writes the (weighted) mean of weight files and checkpoint folders, usable as --weights', async () => {
    const inputs = [join(dir, 'a.safetensors'), join(dir, 'b.safetensors'), join(dir, 'step-000000300')];
    const before = inputs.map((p, i) => readFileSync(i === 2 ? join(p, 'weights.safetensors') : p));
    const r = await cli(['average', ...inputs, '-o', join(dir, 'avg.safetensors'), '--json']);
    expect(r.code, r.stderr).toBe(0);
    const summary = JSON.parse(r.stdout) as {
      inputs: string[];
      weights: number[];
      config: { embeddingDim: number };
    };
    expect(summary.inputs[2]).toBe(join(dir, 'step-000000300', 'weights.safetensors'));
    expect(summary.weights).toEqual([1, 1, 1]);
    expect(summary.config.embeddingDim).toBe(12);
    const a = decodeSafetensors(readFileSync(join(dir, 'a.safetensors')));
    const avg = decodeSafetensors(readFileSync(join(dir, 'avg.safetensors')));
    const name = Object.keys(a.tensors).sort()[0];
    const base = safetensorToFloat32(a.tensors[name]);
    const got = safetensorToFloat32(avg.tensors[name]);
    // (x + 0 + x + 1 + x + 3) / 3 = x + 4/3, element by element
    for (let k = 0; k < base.length; k++) expect(got[k]).toBeCloseTo(base[k] + 4 / 3, 5);
    // weighted: (1 * x + 3 * (x + 1)) / 4 = x + 3/4
    const weighted = await cli([
      'average',
      inputs[0],
      inputs[1],
      '--weights',
      '1,3',
      '-o',
      join(dir, 'weighted.safetensors'),
    ]);
    expect(weighted.code, weighted.stderr).toBe(0);
    expect(weighted.stdout).toContain('averaged 2 weight files');
    const w = safetensorToFloat32(
      decodeSafetensors(readFileSync(join(dir, 'weighted.safetensors'))).tensors[name],
    );
    for (let k = 0; k < base.length; k++) expect(w[k]).toBeCloseTo(base[k] + 3 / 4, 5);
    // the inputs are untouched, and the output is a model file the other commands read
    inputs.forEach((p, i) => {
      expect(readFileSync(i === 2 ? join(p, 'weights.safetensors') : p).equals(before[i])).toBe(true);
    });
    const info = await cli(['info', '--model', join(dir, 'avg.safetensors'), '--json']);
    expect(info.code, info.stderr).toBe(0);
  });

  it('refuses what it cannot average, naming it, and never writes over an input or an existing file', async () => {
    const a = join(dir, 'a.safetensors');
    const b = join(dir, 'b.safetensors');
    const cases: [string[], string][] = [
      [
        [a, join(dir, 'other.safetensors'), '-o', join(dir, 'x.safetensors')],
        'other.safetensors holds another model',
      ],
      [[a, '-o', join(dir, 'x.safetensors')], 'at least two weight files'],
      [[a, b, '--weights', '1', '-o', join(dir, 'x.safetensors')], 'expected 2 non-negative numbers'],
      [[a, b, '--weights', '0,0', '-o', join(dir, 'x.safetensors')], 'not all zero'],
      [
        [a, join(dir, 'missing.safetensors'), '-o', join(dir, 'x.safetensors')],
        'missing.safetensors does not exist',
      ],
      [[a, join(dir, 'notes.txt'), '-o', join(dir, 'x.safetensors')], 'notes.txt does not exist'],
      [[a, dir, '-o', join(dir, 'x.safetensors')], 'is a folder without weights.safetensors'],
      [[a, b, '-o', join(dir, 'x.npy')], 'expected a .safetensors output file'],
      [[a, b, '-o', a], 'refusing to write the output over the input'],
      [[a, b, '-o', join(dir, 'avg.safetensors')], 'already exists: pass --force'],
    ];
    for (const [args, message] of cases) {
      const r = await cli(['average', ...args]);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr, args.join(' ')).toContain(message);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
    const forced = await cli(['average', a, b, '-o', join(dir, 'avg.safetensors'), '--force']);
    expect(forced.code, forced.stderr).toBe(0);
  });
});
