import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli, makeMask, tempDir, writeNpy } from './_cli';

const H = 16;
const W = 16;
const N = 28;
const WP = W + 2 * (N - 1);

describe('s2cassi reconstruct over a folder', () => {
  it('reports an unreadable file, goes on with the rest, and exits non-zero at the end with the list', async () => {
    const dir = tempDir();
    const batch = join(dir, 'batch');
    mkdirSync(batch);
    await writeNpy(join(dir, 'mask.npy'), makeMask(H, W), [H, W]);
    const measurement = makeMask(H, WP, 11);
    // Sorted: the first file is unreadable, one in the middle too, one does not fit the mask.
    writeFileSync(join(batch, '0-broken.npy'), 'not a NumPy file');
    await writeNpy(join(batch, 'a.npy'), measurement, [H, WP]);
    writeFileSync(join(batch, 'b-truncated.mat'), 'MATLAB 5.0 MAT-file, truncated');
    await writeNpy(join(batch, 'c.npy'), measurement, [H, WP]);
    await writeNpy(join(batch, 'd-wide.npy'), makeMask(H, WP + 3), [H, WP + 3]);
    const before = readdirSync(batch).map((name) => [name, readFileSync(join(batch, name))] as const);
    const out = join(dir, 'out');
    const args = ['reconstruct', batch, '--mask', join(dir, 'mask.npy'), '-o', out];
    const common = ['--iterations', '2', '--format', 'npy', '--backend', 'cpu'];

    const result = await cli([...args, ...common]);
    expect(result.code).toBe(2);
    // Every good file was reconstructed, every bad one reported.
    expect(readdirSync(out).sort()).toEqual(['a.npy', 'c.npy']);
    for (const bad of ['0-broken.npy', 'b-truncated.mat', 'd-wide.npy']) {
      expect(result.stderr.match(new RegExp(bad.replace('.', '\\.'), 'g'))?.length, bad).toBe(2);
    }
    const last = result.stderr.trim().split('\n').pop() ?? '';
    expect(last).toMatch(/^error: 3 of 5 measurements failed: /);
    expect(last).toContain(join(batch, '0-broken.npy'));
    expect(last).toContain(join(batch, 'd-wide.npy'));
    expect(result.stdout).toContain('2 reconstructed, 0 already done (skipped), 3 failed');
    // Inputs untouched.
    for (const [name, bytes] of before)
      expect(readFileSync(join(batch, name)).equals(bytes), name).toBe(true);

    // As JSON: the failures are listed; a rerun skips finished outputs and reports the same failures.
    const again = await cli([...args, ...common, '--json']);
    expect(again.code).toBe(2);
    const json = JSON.parse(again.stdout) as {
      results: unknown[];
      skipped: string[];
      failed: { input: string; error: string }[];
    };
    expect(json.results).toHaveLength(0);
    expect(json.skipped).toHaveLength(2);
    expect(json.failed.map((f) => f.input.split('/').pop())).toEqual([
      '0-broken.npy',
      'b-truncated.mat',
      'd-wide.npy',
    ]);
    expect(json.failed[2].error).toMatch(/mask/);
  });
});
