import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setupBackend } from '@s2cassi/backends';
import { encodeBandPng, encodeSafetensors } from '@s2cassi/hsi-io';
import { readCubeFile } from '@s2cassi/hsi-io/node';
import { countParameters, encodeModelWeights, S2Transformer } from '@s2cassi/s2-attn';
import { beforeAll, describe, expect, it } from 'vitest';
import { cli, makeCube, makeMask, TINY, tempDir, writeMat, writeNpy } from './_cli';

const H = 16;
const W = 16;
const N = 28;
const WP = W + 2 * (N - 1);

const dir = tempDir();
const truth = makeCube(H, W, N);
const mask = makeMask(H, W);

function parseJson(text: string): Record<string, unknown> {
  return JSON.parse(text) as Record<string, unknown>;
}

function expectCleanError(result: { code: number; stderr: string }, code: number, ...fragments: string[]) {
  expect(result.code).toBe(code);
  for (const f of fragments) expect(result.stderr).toContain(f);
  expect(result.stderr).not.toMatch(/\n\s+at /); // no stack trace without --verbose
}

beforeAll(async () => {
  await writeMat(join(dir, 'truth.mat'), 'img', truth, [H, W, N]);
  await writeNpy(join(dir, 'mask.npy'), mask, [H, W]);
  await writeNpy(join(dir, 'mask-wide.npy'), makeMask(H, W + 1), [H, W + 1]);
  await writeNpy(join(dir, 'mask-short.npy'), makeMask(H - 2, W), [H - 2, W]);
  await setupBackend('cpu');
  const model = new S2Transformer(TINY);
  await writeFile(join(dir, 'tiny.safetensors'), encodeModelWeights(model));
  model.dispose();
});

describe('s2cassi (real processes)', () => {
  it('--help lists every command and each command help has an example', async () => {
    const names = [
      'demo',
      'simulate',
      'reconstruct',
      'evaluate',
      'train',
      'resume',
      'average',
      'metrics',
      'niqe',
      'render',
      'info',
    ];
    const [root, ...helps] = await Promise.all([cli(['--help']), ...names.map((n) => cli([n, '--help']))]);
    expect(root.code).toBe(0);
    for (const n of names) expect(root.stdout).toContain(n);
    helps.forEach((h, i) => {
      expect(h.code, names[i]).toBe(0);
      expect(h.stdout, names[i]).toMatch(/Examples?:\n\s+s2cassi /);
      expect(h.stdout, names[i]).toContain('--json');
      expect(h.stdout, names[i]).toContain('--backend');
    });
  });

  it('simulate writes the measurement of the forward model and a PNG preview', async () => {
    const r = await cli([
      'simulate',
      join(dir, 'truth.mat'),
      '--mask',
      join(dir, 'mask.npy'),
      '-o',
      join(dir, 'meas.mat'),
      '--json',
      '--backend',
      'cpu',
    ]);
    expect(r.code, r.stderr).toBe(0);
    const json = parseJson(r.stdout);
    expect((json.measurement as { shape: number[] }).shape).toEqual([H, WP]);
    expect(existsSync(join(dir, 'meas.png'))).toBe(true);
    // Independent reference: Y[y, x + 2n] = sum_n F[y, x, n] M[y, x].
    const expected = new Float64Array(H * WP);
    for (let y = 0; y < H; y++)
      for (let x = 0; x < W; x++)
        for (let n = 0; n < N; n++)
          expected[y * WP + x + 2 * n] += truth[(y * W + x) * N + n] * mask[y * W + x];
    const written = await readCubeFile(join(dir, 'meas.mat'));
    expect(written.shape).toEqual([H, WP, 1]);
    let worst = 0;
    for (let i = 0; i < expected.length; i++)
      worst = Math.max(worst, Math.abs(written.data[i] - expected[i]));
    expect(worst).toBeLessThan(1e-4);
  });

  it('--threads 2 runs wasm on the threaded build (with the SIMD worker pool) to the same result; bad counts are usage errors', async () => {
    const args = ['simulate', join(dir, 'truth.mat'), '--mask', join(dir, 'mask.npy'), '--verbose'];
    const threaded = await cli([
      ...args,
      '-o',
      join(dir, 'meas-threads.mat'),
      '--backend',
      'wasm',
      '--threads',
      '2',
    ]);
    expect(threaded.code, threaded.stderr).toBe(0);
    expect(threaded.stderr).toMatch(/backend: wasm \(.*2 thread\(s\), SIMD kernels on 2 threads\)/);
    const one = await cli([...args, '-o', join(dir, 'meas-one.mat'), '--backend', 'wasm']);
    expect(one.code, one.stderr).toBe(0);
    expect(one.stderr).toContain('1 thread(s)');
    const single = await readCubeFile(join(dir, 'meas-one.mat'));
    const written = await readCubeFile(join(dir, 'meas-threads.mat'));
    expect(written.shape).toEqual(single.shape);
    let worst = 0;
    for (let i = 0; i < single.data.length; i++)
      worst = Math.max(worst, Math.abs(written.data[i] - single.data[i]));
    expect(worst).toBeLessThan(1e-5);
    for (const bad of ['0', '9', '1.5', 'two']) {
      const r = await cli([...args, '-o', join(dir, 'never.mat'), '--threads', bad]);
      expect(r.code, bad).toBe(2);
      expect(r.stderr).toContain(`expected an integer from 1 to 8, got '${bad}'`);
    }
    expect(existsSync(join(dir, 'never.mat'))).toBe(false);
  });

  it('simulate keeps an existing output unless --force, and never writes over an input', async () => {
    const args = [
      'simulate',
      join(dir, 'truth.mat'),
      '--mask',
      join(dir, 'mask.npy'),
      '--backend',
      'cpu',
      '--no-preview',
    ];
    const kept = await cli([...args, '-o', join(dir, 'meas.mat')]);
    expectCleanError(kept, 2, 'already exists', '--force');
    const forced = await cli([...args, '-o', join(dir, 'meas2.npy')]);
    expect(forced.code, forced.stderr).toBe(0);
    const again = await cli([...args, '-o', join(dir, 'meas2.npy'), '--force']);
    expect(again.code, again.stderr).toBe(0);
    const overInput = await cli([...args, '-o', join(dir, 'truth.mat'), '--force']);
    expectCleanError(overInput, 2, 'refusing to write the output over the input');
  });

  it('simulate rejects a mask that does not fit the cube, and missing files', async () => {
    const wide = await cli([
      'simulate',
      join(dir, 'truth.mat'),
      '--mask',
      join(dir, 'mask-wide.npy'),
      '-o',
      join(dir, 'x.npy'),
      '--backend',
      'cpu',
    ]);
    expectCleanError(wide, 2, `[${H}, ${W + 1}]`, `[${H}, ${W}, ${N}]`);
    const missing = await cli(['simulate', join(dir, 'nope.mat'), '-o', join(dir, 'y.npy')]);
    expectCleanError(missing, 2, 'nope.mat does not exist');
    expect(existsSync(join(dir, 'x.npy'))).toBe(false);
  });

  it('reconstruct (GAP-TV) writes a cube by extension plus renderings; metrics scores it', async () => {
    const r = await cli([
      'reconstruct',
      join(dir, 'meas.mat'),
      '--mask',
      join(dir, 'mask.npy'),
      '-o',
      join(dir, 'gap.npy'),
      '--iterations',
      '20',
      '--render',
      '--json',
      '--backend',
      'cpu',
    ]);
    expect(r.code, r.stderr).toBe(0);
    const json = parseJson(r.stdout) as { results: { shape: number[]; files: string[] }[] };
    expect(json.results[0].shape).toEqual([H, W, N]);
    for (const f of json.results[0].files) expect(existsSync(f), f).toBe(true);
    expect(existsSync(join(dir, 'gap.srgb.png'))).toBe(true);
    const m = await cli(['metrics', join(dir, 'truth.mat'), join(dir, 'gap.npy'), '--json']);
    expect(m.code, m.stderr).toBe(0);
    const metrics = parseJson(m.stdout) as { mean: { psnr: number; ssim: number; sam: number } };
    // GAP-TV must do better than the trivial all-zero guess and give finite scores.
    expect(metrics.mean.psnr).toBeGreaterThan(15);
    expect(metrics.mean.ssim).toBeGreaterThan(0);
    const csv = await cli([
      'metrics',
      join(dir, 'truth.mat'),
      join(dir, 'gap.npy'),
      '--per-band',
      '--format',
      'csv',
    ]);
    expect(csv.code).toBe(0);
    const lines = csv.stdout.trim().split('\n');
    expect(lines[0]).toBe('band,nm,PSNR (dB),SSIM,RMSE');
    expect(lines).toHaveLength(N + 2);
  });

  it('reconstruct explains a mask that does not fit the measurement', async () => {
    const odd = await cli([
      'reconstruct',
      join(dir, 'meas.mat'),
      '--mask',
      join(dir, 'mask-wide.npy'),
      '-o',
      join(dir, 'z.mat'),
    ]);
    expectCleanError(odd, 2, `[${H}, ${W + 1}]`, `[${H}, ${WP}]`, "W' = W + step * (bands - 1)");
    const short = await cli([
      'reconstruct',
      join(dir, 'meas.mat'),
      '--mask',
      join(dir, 'mask-short.npy'),
      '-o',
      join(dir, 'z.mat'),
    ]);
    expectCleanError(short, 2, 'heights differ', "W' = W + step * (bands - 1)");
    const cubeAsMeasurement = await cli([
      'reconstruct',
      join(dir, 'truth.mat'),
      '--mask',
      join(dir, 'mask.npy'),
      '-o',
      join(dir, 'z.mat'),
    ]);
    expectCleanError(cubeAsMeasurement, 2, 'expected a 2-D array');
    const badExt = await cli([
      'reconstruct',
      join(dir, 'meas.mat'),
      '--mask',
      join(dir, 'mask.npy'),
      '-o',
      join(dir, 'z.tiff'),
    ]);
    expectCleanError(badExt, 2, "unknown extension '.tiff'");
  });

  it('reconstruct --method s2 runs given weights tiled under a memory budget; without weights it says why not', async () => {
    const r = await cli([
      'reconstruct',
      join(dir, 'meas.mat'),
      '--mask',
      join(dir, 'mask.npy'),
      '-o',
      join(dir, 's2-out'),
      '--method',
      's2',
      '--weights',
      join(dir, 'tiny.safetensors'),
      '--tile',
      '8',
      '--overlap',
      '4',
      '--memory-budget',
      '64MiB',
      '--json',
      '--backend',
      'cpu',
    ]);
    expect(r.code, r.stderr).toBe(0);
    const out = await readCubeFile(join(dir, 's2-out'));
    expect(out.shape).toEqual([H, W, N]);
    expect(readdirSync(join(dir, 's2-out'))).toHaveLength(N);
    const none = await cli([
      'reconstruct',
      join(dir, 'meas.mat'),
      '--mask',
      join(dir, 'mask.npy'),
      '-o',
      join(dir, 'n.mat'),
      '--method',
      's2',
    ]);
    expectCleanError(none, 2, '--weights', 'not bundled yet');
  });

  it('reconstruct of a folder: deterministic shards, finished outputs skipped (resumable)', async () => {
    const batch = join(dir, 'batch');
    const { mkdir } = await import('node:fs/promises');
    await mkdir(batch);
    const measurement = (await readCubeFile(join(dir, 'meas.mat'))).data;
    for (const name of ['a', 'b', 'c']) await writeNpy(join(batch, `${name}.npy`), measurement, [H, WP]);
    const out = join(dir, 'batch-out');
    const base = [
      'reconstruct',
      batch,
      '--mask',
      join(dir, 'mask.npy'),
      '-o',
      out,
      '--iterations',
      '3',
      '--format',
      'npy',
      '--json',
      '--backend',
      'cpu',
    ];
    const first = parseJson((await cli([...base, '--shard', '1/2'])).stdout) as {
      results: { input: string }[];
    };
    expect(first.results.map((r) => r.input.split('/').pop())).toEqual(['a.npy', 'c.npy']);
    const second = parseJson((await cli([...base, '--shard', '2/2'])).stdout) as {
      results: { input: string }[];
    };
    expect(second.results.map((r) => r.input.split('/').pop())).toEqual(['b.npy']);
    const resumed = parseJson((await cli(base)).stdout) as { results: unknown[]; skipped: string[] };
    expect(resumed.results).toHaveLength(0);
    expect(resumed.skipped).toHaveLength(3);
    expect(readdirSync(out).sort()).toEqual(['a.npy', 'b.npy', 'c.npy']);
    const badShard = await cli([...base, '--shard', '3/2']);
    expectCleanError(badShard, 2, 'k/n');
  });

  it('evaluate scores GAP-TV per scene and on average, as JSON, CSV and with published numbers', async () => {
    await writeNpy(join(dir, 'scene2.npy'), makeCube(H, W, N, 4), [H, W, N]);
    const args = [
      'evaluate',
      join(dir, 'truth.mat'),
      join(dir, 'scene2.npy'),
      '--mask',
      join(dir, 'mask.npy'),
      '--iterations',
      '5',
      '--backend',
      'cpu',
    ];
    const [json, csv] = await Promise.all([
      cli([...args, '--json', '--compare']),
      cli([...args, '--format', 'csv']),
    ]);
    expect(json.code, json.stderr).toBe(0);
    const parsed = parseJson(json.stdout) as {
      methods: Record<string, { mean: { psnr: number }; scenes: Record<string, { psnr: number }> }>;
      published: { methods: Record<string, { mean: number }> };
    };
    const gap = parsed.methods['gap-tv'];
    expect(Object.keys(gap.scenes).sort()).toEqual(['scene2', 'truth']);
    expect(gap.mean.psnr).toBeCloseTo((gap.scenes.truth.psnr + gap.scenes.scene2.psnr) / 2, 10);
    expect(parsed.published.methods['S2-Transformer'].mean).toBe(36.48);
    expect(csv.code, csv.stderr).toBe(0);
    expect(csv.stdout.split('\n')[0]).toBe('scene,method,PSNR (dB),SSIM,SAM (deg),time (s)');
  });

  it('folders of symbolic links count their targets, a dangling link is an error naming it, and evaluate reads every scene before reconstructing any', async () => {
    const { mkdir, rm, symlink } = await import('node:fs/promises');
    const targets = join(dir, 'link-targets');
    await mkdir(targets);
    await writeNpy(join(targets, 'm.npy'), makeMask(H, WP), [H, WP]); // any [H, W'] plane is a measurement
    await writeNpy(join(targets, 's.npy'), makeCube(H, W, N, 7), [H, W, N]);
    const common = ['--mask', join(dir, 'mask.npy'), '--iterations', '2', '--backend', 'cpu'];
    // reconstruct: a folder holding a link to a measurement reconstructs it
    const measurements = join(dir, 'measurement-links');
    await mkdir(measurements);
    await symlink(join(targets, 'm.npy'), join(measurements, 'linked.npy'));
    const out = join(dir, 'linked-out');
    const rec = await cli(['reconstruct', measurements, '-o', out, '--format', 'npy', '--json', ...common]);
    expect(rec.code, rec.stderr).toBe(0);
    const results = (parseJson(rec.stdout) as { results: { input: string }[] }).results;
    expect(results.map((r) => r.input.split('/').pop())).toEqual(['linked.npy']);
    expect(readdirSync(out)).toEqual(['linked.npy']);
    // evaluate: the same for scenes; its progress names the scene and the method
    const scenes = join(dir, 'scene-links');
    await mkdir(scenes);
    await symlink(join(targets, 's.npy'), join(scenes, 'a-linked.npy'));
    const ev = await cli(['evaluate', scenes, ...common]);
    expect(ev.code, ev.stderr).toBe(0);
    expect(ev.stdout).toContain('a-linked');
    expect(ev.stderr).toContain('a-linked gap-tv:');
    // a dangling link that could not be a scene anyway (notes.txt) is left alone
    await symlink(join(targets, 'gone.txt'), join(scenes, 'notes.txt'));
    const withNotes = await cli(['evaluate', scenes, ...common]);
    expect(withNotes.code, withNotes.stderr).toBe(0);
    // a link to nothing that could be a scene: an error naming it, for both commands
    await symlink(join(targets, 'gone.npy'), join(scenes, 'b-dangling.npy'));
    expectCleanError(await cli(['evaluate', scenes, ...common]), 2, 'b-dangling.npy', 'symbolic link');
    await symlink(join(targets, 'gone.npy'), join(measurements, 'dangling.npy'));
    expectCleanError(
      await cli(['reconstruct', measurements, '-o', join(dir, 'linked-out-2'), ...common]),
      2,
      'dangling.npy',
      'symbolic link',
    );
    // a broken scene after a good one ends the run before the good one is reconstructed
    await rm(join(scenes, 'b-dangling.npy'));
    await writeFile(join(scenes, 'c-broken.npy'), 'this is not a NumPy file');
    const broken = await cli(['evaluate', scenes, ...common]);
    expect(broken.code).not.toBe(0);
    expect(broken.stderr).toContain('c-broken.npy');
    expect(broken.stderr).not.toContain('a-linked gap-tv:');
    expect(broken.stdout).toBe('');
    // with S2 too (a model is loaded only after every scene was read): the same clean error
    const withS2 = [
      'evaluate',
      scenes,
      '--method',
      's2',
      '--weights',
      join(dir, 'tiny.safetensors'),
      ...common,
    ];
    const brokenS2 = await cli(withS2);
    expect(brokenS2.code).not.toBe(0);
    expect(brokenS2.stderr).toContain('c-broken.npy');
    // a scene whose band count the model cannot take: named before any reconstruction
    await rm(join(scenes, 'c-broken.npy'));
    await writeNpy(join(scenes, 'd-five-bands.npy'), makeCube(H, W, 5, 8), [H, W, 5]);
    const bands = await cli(withS2);
    expectCleanError(bands, 2, `the model reconstructs ${N} bands`, 'd-five-bands.npy has 5');
    expect(bands.stderr).not.toContain('a-linked s2:');
  });

  it('niqe scores every band of a cube and a PNG image', async () => {
    const big = makeCube(96, 192, 2, 9);
    await writeNpy(join(dir, 'big.npy'), big, [96, 192, 2]);
    const grey = new Uint8Array(96 * 192);
    for (let i = 0; i < grey.length; i++) grey[i] = Math.round(big[2 * i] * 255);
    await writeFile(
      join(dir, 'grey.png'),
      encodeBandPng({ width: 192, height: 96, bitDepth: 8, data: grey }),
    );
    const r = await cli(['niqe', join(dir, 'big.npy'), join(dir, 'grey.png'), '--json']);
    expect(r.code, r.stderr).toBe(0);
    const json = parseJson(r.stdout) as { inputs: { kind: string; mean: number; bands?: number[] }[] };
    expect(json.inputs[0].kind).toBe('cube');
    expect(json.inputs[0].bands).toHaveLength(2);
    expect(json.inputs[0].mean).toBeCloseTo(
      ((json.inputs[0].bands?.[0] ?? 0) + (json.inputs[0].bands?.[1] ?? 0)) / 2,
      10,
    );
    expect(json.inputs[1].kind).toBe('image');
    expect(Number.isFinite(json.inputs[1].mean)).toBe(true);
  });

  it('render writes sRGB, band grid and spectra; bad points are usage errors', async () => {
    const r = await cli([
      'render',
      join(dir, 'truth.mat'),
      '-o',
      join(dir, 'render'),
      '--points',
      '2,3;10,12',
      '--json',
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(readdirSync(join(dir, 'render')).sort()).toEqual(['bands.png', 'spectra.svg', 'srgb.png']);
    expect(readFileSync(join(dir, 'render', 'spectra.svg'), 'utf8')).toContain('x=10, y=12');
    const again = await cli(['render', join(dir, 'truth.mat'), '-o', join(dir, 'render')]);
    expectCleanError(again, 2, 'already exists');
    const bad = await cli(['render', join(dir, 'truth.mat'), '-o', join(dir, 'render2'), '--points', '99,1']);
    expectCleanError(bad, 2, 'outside');
  });

  it('info describes files and models', async () => {
    const [file, model, header] = await Promise.all([
      cli(['info', join(dir, 'truth.mat'), '--json']),
      cli(['info', '--model', join(dir, 'tiny.safetensors'), '--size', '32x48', '--json']),
      cli(['info', join(dir, 'mask.npy'), '--no-ranges']),
    ]);
    expect(file.code, file.stderr).toBe(0);
    const f = parseJson(file.stdout).file as {
      format: string;
      variables: { name: string; shape: number[]; min: number; max: number }[];
    };
    expect(f.format).toBe('MAT v5');
    expect(f.variables[0]).toMatchObject({ name: 'img', shape: [H, W, N] });
    expect(f.variables[0].min).toBeCloseTo(Math.min(...truth), 6);
    expect(f.variables[0].max).toBeCloseTo(Math.max(...truth), 6);
    expect(model.code, model.stderr).toBe(0);
    const m = parseJson(model.stdout).model as {
      parameters: { total: number };
      macs: { paddedHeight: number; paddedWidth: number };
    };
    expect(m.parameters.total).toBe(countParameters(TINY).total);
    expect([m.macs.paddedHeight, m.macs.paddedWidth]).toEqual([32, 48]);
    expect(header.code, header.stderr).toBe(0);
    expect(header.stdout).toContain(`[${H}, ${W}]`);
    // a safetensors cube with a declared scale: the ranges readers return (stored / scale), said so
    await writeFile(
      join(dir, 'scaled.safetensors'),
      encodeSafetensors(
        {
          cube: {
            dtype: 'U16',
            shape: [2, 2, 2],
            data: Uint16Array.from([0, 250, 500, 750, 1000, 100, 200, 300]),
          },
        },
        { scale: '1000' },
      ),
    );
    const scaled = await cli(['info', join(dir, 'scaled.safetensors'), '--json']);
    expect(scaled.code, scaled.stderr).toBe(0);
    const v = (
      parseJson(scaled.stdout).file as {
        variables: { min: number; max: number; mean: number; note: string }[];
      }
    ).variables[0];
    expect([v.min, v.max]).toEqual([0, 1]);
    expect(v.mean).toBeCloseTo(3100 / 8 / 1000, 6);
    expect(v.note).toContain("scaled by 1/1000 (the file's metadata 'scale')");
    await writeFile(
      join(dir, 'bad-scale.safetensors'),
      encodeSafetensors(
        { cube: { dtype: 'U16', shape: [1], data: Uint16Array.from([1]) } },
        { scale: 'zero' },
      ),
    );
    const badScale = await cli(['info', join(dir, 'bad-scale.safetensors')]);
    expect(badScale.code).not.toBe(0);
    expect(badScale.stderr).toContain("metadata 'scale' = 'zero': expected a positive number");
    const spe = await cli(['info', '--model', 'default', '--block-type', 'spe', '--json']);
    expect((parseJson(spe.stdout).model as { config: { blockType: string } }).config.blockType).toBe('spe');
    const missing = await cli(['info', join(dir, 'missing.mat')]);
    expectCleanError(missing, 2, 'does not exist');
  });

  it('usage errors exit 2; --verbose adds the stack', async () => {
    const [unknownOption, unknownCommand, badBackend, verbose] = await Promise.all([
      cli(['info', '--frobnicate']),
      cli(['frobnicate']),
      cli(['simulate', 'x.mat', '-o', 'y.mat', '--backend', 'quantum']),
      cli(['info', join(dir, 'missing.mat'), '--verbose']),
    ]);
    expectCleanError(unknownOption, 2, "unknown option '--frobnicate'");
    expectCleanError(unknownCommand, 2, "unknown command 'frobnicate'");
    expectCleanError(badBackend, 2, 'quantum');
    expect(verbose.code).toBe(2);
    expect(verbose.stderr).toMatch(/\n\s+at /);
  });
});
