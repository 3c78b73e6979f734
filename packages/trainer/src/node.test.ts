import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setupBackend } from '@s2cassi/backends';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tinyConfig } from './_test-helpers';
import { TrainerCheckpointError } from './checkpoint';
import type { EpochRecord, StepRecord } from './events';
import { openResume, openTraining, readLog } from './node';
import type { Trainer } from './trainer';

const config = tinyConfig({
  seed: 7,
  training: { epochs: 3, samplesPerEpoch: 16, batchSize: 2 },
  data: { noise: { kind: 'gaussian', std: 0.02 } },
  optimizer: { gradientClipNorm: 0.5 },
  validation: { everyEpochs: 1 },
  checkpoint: { everySteps: 3, keep: 2 },
});

function record(trainer: Trainer, steps: StepRecord[], epochs: EpochRecord[]): void {
  trainer.events.on('step', (r) => steps.push(r));
  trainer.events.on('epoch', (r) => epochs.push(r));
}

const options = { handleSignals: false, backend: { backend: 'wasm', reason: 'test' } };
let root: string;
const straight: { steps: StepRecord[]; epochs: EpochRecord[]; weights: Float32Array } = {
  steps: [],
  epochs: [],
  weights: new Float32Array(),
};

describe('Node runner: checkpoints, exact resume, refused checkpoints', () => {
  beforeAll(async () => {
    await setupBackend('wasm');
    root = mkdtempSync(join(tmpdir(), 's2cassi-trainer-'));
    const run = await openTraining(config, join(root, 'straight'), options);
    record(run.trainer, straight.steps, straight.epochs);
    await run.start();
    const bytes = readFileSync(
      join(root, 'straight', 'checkpoints', 'step-000000024', 'weights.safetensors'),
    );
    straight.weights = new Float32Array(
      bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length),
    );
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('writes config, run manifest, JSON-lines log, checkpoints and curves', async () => {
    const dir = join(root, 'straight');
    const manifest = JSON.parse(readFileSync(join(dir, 'run.json'), 'utf8'));
    expect(manifest).toMatchObject({ seed: 7, backend: 'wasm', backendReason: 'test' });
    expect(manifest.configHash).toMatch(/^[0-9a-f]{64}$/);
    expect(manifest.packages['@s2cassi/trainer']).toBe('0.1.0');
    expect(readdirSync(join(dir, 'checkpoints')).sort()).toEqual([
      'best',
      'manifest.json',
      'step-000000021',
      'step-000000024',
    ]);
    const log = await readLog(join(dir, 'log.jsonl'));
    expect(log.steps).toHaveLength(24);
    expect(log.epochs).toHaveLength(3);
    expect(log.validations).toHaveLength(3);
    expect(log.steps[5].loss.total).toBe(straight.steps[5].loss.total);
    for (const file of ['loss.svg', 'loss.png', 'validation.svg', 'validation.png']) {
      expect(existsSync(join(dir, 'curves', file))).toBe(true);
    }
    expect(readFileSync(join(dir, 'curves', 'loss.svg'), 'utf8')).toContain('<polyline');
    expect(
      readFileSync(join(dir, 'curves', 'loss.png'))
        .subarray(1, 4)
        .toString(),
    ).toBe('PNG');
  });

  it('stop at step 10 (mid-epoch) + resume reproduces the uninterrupted run exactly', async () => {
    const dir = join(root, 'interrupted');
    const steps: StepRecord[] = [];
    const epochs: EpochRecord[] = [];
    const first = await openTraining(config, dir, { ...options, untilStep: 10 });
    record(first.trainer, steps, epochs);
    expect(await first.start()).toMatchObject({ step: 10, stopped: true });
    const second = await openResume(dir, options);
    expect(second.trainer.step).toBe(10);
    record(second.trainer, steps, epochs);
    expect(await second.start()).toMatchObject({ step: 24, stopped: false });
    expect(steps.map((s) => s.step)).toEqual(straight.steps.map((s) => s.step));
    const diffs = steps.map((s, i) => Math.abs(s.loss.total - straight.steps[i].loss.total));
    console.log(`resume: max |loss difference| over 24 steps = ${Math.max(...diffs)}`);
    expect(Math.max(...diffs)).toBe(0);
    expect(epochs.map((e) => e.meanLoss)).toEqual(straight.epochs.map((e) => e.meanLoss));
    expect(epochs.map((e) => e.validation?.psnr)).toEqual(straight.epochs.map((e) => e.validation?.psnr));
    const bytes = readFileSync(join(dir, 'checkpoints', 'step-000000024', 'weights.safetensors'));
    expect(new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length))).toEqual(
      straight.weights,
    );
    const manifest = JSON.parse(readFileSync(join(dir, 'run.json'), 'utf8'));
    expect(manifest.resumes).toHaveLength(1);
    expect(manifest.resumes[0].fromStep).toBe(10);
    const log = await readLog(join(dir, 'log.jsonl'));
    expect(log.records.filter((r) => r.type === 'resume')).toHaveLength(1);
    expect(log.steps.map((s) => s.loss.total)).toEqual(straight.steps.map((s) => s.loss.total));
  });

  it('an external AbortSignal stops the run with a checkpoint, and the run resumes from it', async () => {
    const dir = join(root, 'external-signal');
    const controller = new AbortController();
    const run = await openTraining(config, dir, { ...options, signal: controller.signal });
    run.trainer.events.on('step', (r) => {
      if (r.step === 4) controller.abort();
    });
    const result = await run.start();
    expect(result.stopped).toBe(true);
    expect(result.step).toBe(5);
    const resumed = await openResume(dir, { ...options, untilStep: 7 });
    expect(resumed.trainer.step).toBe(5);
    const again = await resumed.start();
    expect(again.step).toBe(7);
  });

  it('refuses to resume with a configuration that trains something else, naming the fields', async () => {
    const dir = join(root, 'other-config');
    const first = await openTraining(config, dir, { ...options, untilStep: 3 });
    await first.start();
    const attempt = openResume(dir, {
      ...options,
      overrides: { optimizer: { learningRate: 0.01 }, seed: 8 },
    });
    await expect(attempt).rejects.toThrow(TrainerCheckpointError);
    await expect(
      openResume(dir, { ...options, overrides: { optimizer: { learningRate: 0.01 } } }),
    ).rejects.toThrow(
      /different training configuration.*\n.*optimizer.learningRate: checkpoint 0.002, now 0.01/,
    );
    // What does not change the training may change.
    const ok = await openResume(dir, { ...options, overrides: { checkpoint: { everySteps: 5 } } });
    expect(ok.trainer.step).toBe(3);
    ok.trainer.dispose();
    await expect(openTraining(config, dir, options)).rejects.toThrow(/already holds a run with checkpoints/);
  });

  it('resumes with a new learning-rate schedule from the current step on, records the change, and refuses one that would rewrite steps already trained', async () => {
    const dir = join(root, 'schedule-change');
    const first = await openTraining(config, dir, { ...options, untilStep: 10 });
    await first.start();
    const hashBefore = JSON.parse(readFileSync(join(dir, 'run.json'), 'utf8')).configHash;
    // 8 steps per epoch; the tiny preset's rate is 2e-3 for epochs 0-1 (steps 1-16), then halved
    const cosine = (startEpoch: number) => ({
      learningRateSchedule: { kind: 'cosine', minLearningRate: 1e-5, startEpoch },
    });
    await expect(openResume(dir, { ...options, overrides: cosine(0) })).rejects.toThrow(
      /trained to step 10 with learningRateSchedule \{"kind":"step","everyEpochs":2,"factor":0.5\}; the new \{"kind":"cosine","minLearningRate":0.00001,"startEpoch":0\} would have run step 2 at [0-9.e-]+ instead of 0.002\. .*startEpoch >= 2/,
    );
    await expect(openResume(dir, { ...options, overrides: cosine(1) })).rejects.toThrow(
      /would have run step (9|10) at [0-9.e-]+ instead of 0.002/,
    );
    // anything else that trains differently is still refused, schedule change or not
    await expect(
      openResume(dir, { ...options, overrides: { ...cosine(2), optimizer: { learningRate: 0.01 } } }),
    ).rejects.toThrow(
      /different training configuration[\s\S]*optimizer.learningRate: checkpoint 0.002, now 0.01/,
    );
    expect(JSON.parse(readFileSync(join(dir, 'run.json'), 'utf8')).configHash).toBe(hashBefore);

    const steps: StepRecord[] = [];
    const resumed = await openResume(dir, { ...options, overrides: cosine(2), untilStep: 20 });
    expect(resumed.trainer.scheduleChange).toEqual({
      atStep: 10,
      from: { kind: 'step', everyEpochs: 2, factor: 0.5 },
      to: { kind: 'cosine', minLearningRate: 1e-5, startEpoch: 2 },
    });
    resumed.trainer.events.on('step', (r) => steps.push(r));
    await resumed.start();
    // after a stop the run resumes on the new schedule without being told again
    const again = await openResume(dir, options);
    expect(again.trainer.step).toBe(20);
    expect(again.trainer.scheduleChange).toBeUndefined();
    again.trainer.events.on('step', (r) => steps.push(r));
    await again.start();
    // step records count from 0: steps 10-15 keep 2e-3; 16-23 anneal from 2e-3 towards 1e-5 over the last 8
    expect(steps.map((s) => s.step)).toEqual([10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23]);
    for (const { step, learningRate } of steps) {
      const expected =
        step < 16 ? 2e-3 : 1e-5 + ((2e-3 - 1e-5) * (1 + Math.cos((Math.PI * (step - 16)) / 8))) / 2;
      expect(learningRate, `step ${step}`).toBeCloseTo(expected, 12);
    }
    expect(steps.at(-1)?.learningRate).toBeLessThan(2e-4);

    const manifest = JSON.parse(readFileSync(join(dir, 'run.json'), 'utf8'));
    expect(manifest.scheduleChanges).toHaveLength(1);
    expect(manifest.scheduleChanges[0]).toMatchObject({ atStep: 10, fromHash: hashBefore });
    expect(manifest.scheduleChanges[0].toHash).not.toBe(hashBefore);
    expect(manifest.configHash).toBe(manifest.scheduleChanges[0].toHash);
    expect(manifest.resumes.map((r: { fromStep: number }) => r.fromStep)).toEqual([10, 20]);
    expect(JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')).learningRateSchedule).toEqual({
      kind: 'cosine',
      minLearningRate: 1e-5,
      startEpoch: 2,
    });
    const log = await readLog(join(dir, 'log.jsonl'));
    const changes = log.records.filter((r) => r.type === 'schedule');
    expect(changes).toHaveLength(1);
    expect(changes[0]).toMatchObject({ atStep: 10, to: { kind: 'cosine', startEpoch: 2 } });
  });

  it('says when no cosine decay can keep the past: the old schedule already left the base rate', async () => {
    const dir = join(root, 'schedule-change-too-late');
    const first = await openTraining(config, dir, { ...options, untilStep: 18 });
    await first.start();
    // the tiny preset halves 2e-3 every 2 epochs: step index 16 (the 17th step) ran at 1e-3
    await expect(
      openResume(dir, {
        ...options,
        overrides: { learningRateSchedule: { kind: 'cosine', minLearningRate: 0, startEpoch: 2 } },
      }),
    ).rejects.toThrow(
      /No cosine decay can take over here: the old schedule already ran step 17 at 0.001, not at the base rate 0.002/,
    );
  });

  it('a run stopped after recording a schedule change but before a checkpoint with it goes on with the recorded schedule', async () => {
    const dir = join(root, 'schedule-change-no-step');
    const first = await openTraining(config, dir, { ...options, untilStep: 5 });
    await first.start();
    const schedule = { kind: 'cosine', minLearningRate: 0, startEpoch: 1 } as const;
    const changed = await openResume(dir, { ...options, overrides: { learningRateSchedule: schedule } });
    expect(changed.trainer.scheduleChange?.atStep).toBe(5);
    changed.trainer.dispose(); // stopped before writing a checkpoint with the new config
    const lines: string[] = [];
    const plain = await openResume(dir, { ...options, untilStep: 10, log: (line) => lines.push(line) });
    expect(plain.trainer.step).toBe(5);
    expect(plain.trainer.config.learningRateSchedule).toEqual(schedule);
    expect(
      lines.some((line) =>
        /predates the recorded learning-rate schedule change at step 5: applying it again/.test(line),
      ),
    ).toBe(true);
    const steps: StepRecord[] = [];
    plain.trainer.events.on('step', (r) => steps.push(r));
    await plain.start();
    // 8 steps per epoch, 24 in all: the decay starts at step index 8 (the old schedule kept 2e-3 through index 15)
    expect(steps.map((r) => r.step)).toEqual([5, 6, 7, 8, 9]);
    expect(steps[3].learningRate).toBeCloseTo(2e-3, 12);
    expect(steps[4].learningRate).toBeCloseTo((2e-3 * (1 + Math.cos(Math.PI / 16))) / 2, 12);
    const manifest = JSON.parse(readFileSync(join(dir, 'run.json'), 'utf8'));
    expect(manifest.scheduleChanges).toHaveLength(1);
    // and from the new checkpoint on, the schedule is the checkpoint's own
    const again = await openResume(dir, { ...options, untilStep: 11 });
    expect(again.trainer.config.learningRateSchedule).toEqual(schedule);
    expect(again.trainer.scheduleChange).toBeUndefined();
    again.trainer.dispose();
  });

  it('skips a corrupt latest checkpoint, resumes from the previous good one, and still matches', async () => {
    const dir = join(root, 'corrupt');
    const first = await openTraining(config, dir, { ...options, untilStep: 10 });
    await first.start();
    const latest = join(dir, 'checkpoints', 'step-000000010', 'weights.safetensors');
    const bytes = readFileSync(latest);
    bytes[bytes.length - 5] ^= 0xff;
    writeFileSync(latest, bytes);
    const lines: string[] = [];
    const resumed = await openResume(dir, { ...options, log: (line) => lines.push(line), untilStep: 14 });
    expect(resumed.trainer.step).toBe(9);
    expect(lines.join('\n')).toMatch(
      /skipped unusable checkpoint .*step-000000010.*SHA-256 checksum \(corrupt\)/,
    );
    const steps: StepRecord[] = [];
    record(resumed.trainer, steps, []);
    await resumed.start();
    expect(steps.map((s) => s.loss.total)).toEqual(straight.steps.slice(9, 14).map((s) => s.loss.total));
    expect(existsSync(join(dir, 'checkpoints', 'step-000000014'))).toBe(true);
  });

  it('refuses when no checkpoint is usable, listing why for each', async () => {
    const dir = join(root, 'all-corrupt');
    const first = await openTraining(config, dir, { ...options, untilStep: 6 });
    await first.start();
    writeFileSync(
      join(dir, 'checkpoints', 'step-000000006', 'state.json'),
      '{"format": "s2cassi.trainer-che',
    );
    rmSync(join(dir, 'checkpoints', 'step-000000003', 'optimizer.safetensors'));
    const before = tf.memory().numTensors;
    await expect(openResume(dir, options)).rejects.toThrow(
      /no usable checkpoint:\n.*state.json is not valid JSON[\s\S]*optimizer.safetensors is missing/,
    );
    expect(tf.memory().numTensors).toBe(before);
  });
});
