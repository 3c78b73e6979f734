import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli, tempDir } from './_cli';

describe('s2cassi train / resume (tiny preset, real processes)', () => {
  it('Ctrl-C saves a checkpoint and exits cleanly; resume finishes the run', async () => {
    const dir = tempDir();
    const run = join(dir, 'run');
    const sets = [
      '--set',
      'training.epochs=40',
      '--set',
      'training.samplesPerEpoch=4',
      '--set',
      'learningRateSchedule={"kind":"constant"}',
    ];
    const first = await cli(['train', '--preset', 'tiny', ...sets, '-o', run], { interruptOn: /step 3\/80/ });
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toMatch(/stopped at step \d+ of 80; checkpoint saved/);
    const manifest = JSON.parse(readFileSync(join(run, 'checkpoints', 'manifest.json'), 'utf8')) as {
      latest: string;
    };
    expect(manifest.latest).toBeTruthy();
    expect(readFileSync(join(run, 'log.jsonl'), 'utf8')).toContain('"type":"step"');
    const again = await cli(['train', '--preset', 'tiny', '-o', run]);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('s2cassi resume');
    const resumed = await cli(['resume', run, '--steps', '10', '--json']);
    expect(resumed.code, resumed.stderr).toBe(0);
    const json = JSON.parse(resumed.stdout) as { step: number; stopped: boolean; totalSteps: number };
    expect(json).toMatchObject({ step: 10, stopped: true, totalSteps: 80 });
    expect(existsSync(join(run, 'run.json'))).toBe(true);
    // 2 steps per epoch: a decay from epoch 5 (step 11) leaves the 10 steps done as they ran; from epoch 4 it does not
    const schedule = (startEpoch: number) =>
      `learningRateSchedule={"kind":"cosine","minLearningRate":0,"startEpoch":${startEpoch}}`;
    const refused = await cli(['resume', run, '--set', schedule(4), '--steps', '12']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/would have run step 10 at .* instead of .*startEpoch >= 5/);
    const decayed = await cli(['resume', run, '--set', schedule(5), '--steps', '12', '--json']);
    expect(decayed.code, decayed.stderr).toBe(0);
    expect(JSON.parse(decayed.stdout)).toMatchObject({ step: 12, stopped: true });
    const changes = JSON.parse(readFileSync(join(run, 'run.json'), 'utf8')).scheduleChanges;
    expect(changes).toMatchObject([{ atStep: 10, to: { kind: 'cosine', startEpoch: 5 } }]);
  });

  it("--init fine-tunes from a checkpoint's weights (pinned by SHA-256); a missing file or another model's weights are usage errors", async () => {
    const dir = tempDir();
    const sets = ['--set', 'training.epochs=1', '--set', 'training.samplesPerEpoch=4'];
    const source = await cli(['train', '--preset', 'tiny', ...sets, '-o', join(dir, 'source'), '--json']);
    expect(source.code, source.stderr).toBe(0);
    const weights = join(dir, 'source', 'checkpoints', 'step-000000002', 'weights.safetensors');
    const bytes = readFileSync(weights);
    const tuned = await cli([
      'train',
      '--preset',
      'tiny',
      ...sets,
      '--set',
      'seed=5',
      '--init',
      weights,
      '-o',
      join(dir, 'tuned'),
      '--json',
    ]);
    expect(tuned.code, tuned.stderr).toBe(0);
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    expect(JSON.parse(readFileSync(join(dir, 'tuned', 'config.json'), 'utf8')).initialWeights).toEqual({
      path: weights,
      sha256,
    });
    expect(JSON.parse(readFileSync(join(dir, 'tuned', 'run.json'), 'utf8')).initialWeights.sha256).toBe(
      sha256,
    );
    expect(readFileSync(weights)).toEqual(bytes); // the source is not touched
    writeFileSync(join(dir, 'garbage.safetensors'), 'not a safetensors file');
    const [missing, other, garbage] = await Promise.all([
      cli([
        'train',
        '--preset',
        'tiny',
        ...sets,
        '--init',
        join(dir, 'nope.safetensors'),
        '-o',
        join(dir, 'm'),
      ]),
      cli([
        'train',
        '--preset',
        'tiny',
        ...sets,
        '--set',
        'model.embeddingDim=12',
        '--init',
        weights,
        '-o',
        join(dir, 'o'),
      ]),
      cli([
        'train',
        '--preset',
        'tiny',
        ...sets,
        '--init',
        join(dir, 'garbage.safetensors'),
        '-o',
        join(dir, 'g'),
      ]),
    ]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain(`initialWeights.path ${join(dir, 'nope.safetensors')} does not exist`);
    expect(other.code).toBe(2);
    expect(other.stderr).toContain('embeddingDim 8 in the weights, 12 in the config');
    expect(garbage.code).toBe(2);
    expect(garbage.stderr).toContain(`initial weights ${join(dir, 'garbage.safetensors')}`);
  });

  it('bad configs and missing runs are usage errors', async () => {
    const dir = tempDir();
    const [badValue, noConfig, missingRun] = await Promise.all([
      cli(['train', '--preset', 'tiny', '--set', 'training.epochs=-1', '-o', join(dir, 'r')]),
      cli(['train', '-o', join(dir, 'r2')]),
      cli(['resume', join(dir, 'nowhere')]),
    ]);
    expect(badValue.code).toBe(2);
    expect(badValue.stderr).toContain('training.epochs');
    expect(noConfig.code).toBe(2);
    expect(noConfig.stderr).toContain('--preset');
    expect(missingRun.code).toBe(2);
    expect(missingRun.stderr).toContain('does not exist');
  });
});
