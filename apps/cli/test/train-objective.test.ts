import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodePng } from '@s2cassi/hsi-render';
import { describe, expect, it } from 'vitest';
import { cli, tempDir } from './_cli';

describe('s2cassi train: the switch from L_ME to L_MA', () => {
  it('is printed where it happens, and the loss chart marks it', async () => {
    const dir = tempDir();
    const run = join(dir, 'run');
    // One step per epoch, two epochs: L_ME for the first step, L_MA (switchFraction 0.5) for the second.
    const sets = ['--set', 'training.epochs=2', '--set', 'training.samplesPerEpoch=2'];
    const result = await cli(['train', '--preset', 'tiny', ...sets, '-o', run]);
    expect(result.code, result.stderr).toBe(0);
    const lines = result.stderr.split('\n');
    const at = lines.findIndex((l) =>
      l.includes('loss objective switches from L_ME to L_MA from step 2 (epoch 2)'),
    );
    expect(at, result.stderr).toBeGreaterThan(-1);
    expect(lines[at]).toContain('not comparable');
    // Printed between the last L_ME step and the first L_MA step.
    expect(lines.slice(0, at).some((l) => l.startsWith('step 1/2'))).toBe(true);
    expect(lines.slice(at).some((l) => l.startsWith('step 2/2'))).toBe(true);
    const log = readFileSync(join(run, 'log.jsonl'), 'utf8');
    expect(log).toContain('"type":"objective"');
    expect(readFileSync(join(run, 'curves', 'loss.svg'), 'utf8')).toContain('L_ME -&gt; L_MA');
    const png = decodePng(readFileSync(join(run, 'curves', 'loss.png')));
    expect(png.width).toBeGreaterThan(0);
  });
});
