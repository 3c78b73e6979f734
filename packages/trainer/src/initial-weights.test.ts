import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setupBackend } from '@s2cassi/backends';
import { decodeSafetensors, encodeSafetensors } from '@s2cassi/hsi-io/safetensors';
import { encodeModelWeights, S2Transformer, WeightsMismatchError } from '@s2cassi/s2-attn';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { syntheticTrainer, tinyConfig } from './_test-helpers';
import { configHash, decodeCheckpoint } from './checkpoint';
import { TrainerInitialWeightsError } from './initial-weights';
import { createModel } from './model';
import { openResume, openTraining } from './node';
import type { Trainer } from './trainer';

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/** Every weight of the trainer's model by name (copied out). */
function weightsOf(trainer: Trainer): Map<string, Float32Array> {
  return new Map(
    trainer.model.namedWeights().map((w) => [w.name, (w.variable.dataSync() as Float32Array).slice()]),
  );
}

/** The tensors of a weights file by name, as float32 (an independent read of the file). */
function tensorsOf(bytes: Uint8Array): Map<string, Float32Array> {
  const file = decodeSafetensors(bytes);
  return new Map(
    Object.entries(file.tensors).map(([name, t]) => [
      name,
      new Float32Array(t.data.buffer, t.data.byteOffset, t.data.byteLength / 4).slice(),
    ]),
  );
}

const base = tinyConfig({ seed: 3, loss: { objective: 'l1' } });

describe.each(['cpu', 'wasm'] as const)('initial weights (fine-tuning) on %s', (backend) => {
  let source: Uint8Array;
  beforeAll(async () => {
    await setupBackend(backend);
    // A model that differs from any seed's initialisation: seed 11, trained a few steps.
    const trainer = await syntheticTrainer(tinyConfig({ seed: 11, loss: { objective: 'l1' } }));
    for (let i = 0; i < 3; i++) await trainer.trainStep();
    source = (trainer.model.encodeWeights as () => Uint8Array)();
    trainer.dispose();
  });
  afterAll(async () => {
    await setupBackend('cpu');
  });

  it('starts from the file: every weight equals the file, the config pins its SHA-256, and it trains', async () => {
    const before = tf.memory().numTensors;
    const copy = source.slice();
    const config = { ...base, initialWeights: { path: 'w.safetensors' } };
    const trainer = await syntheticTrainer(config, {
      initialWeights: { bytes: source, source: 'w.safetensors' },
    });
    const loaded = weightsOf(trainer);
    const file = tensorsOf(source);
    expect([...loaded.keys()].sort()).toEqual([...file.keys()].sort());
    for (const [name, values] of file) expect(loaded.get(name)).toEqual(values);
    expect(trainer.config.initialWeights).toEqual({ path: 'w.safetensors', sha256: sha256(source) });
    expect(source).toEqual(copy); // the input is not modified
    const record = await trainer.trainStep();
    expect(Number.isFinite(record.loss.total)).toBe(true);
    trainer.dispose();
    // The same seed without the file starts elsewhere (the check above could not pass by accident).
    const random = await syntheticTrainer(base);
    const name = [...file.keys()][0];
    expect(weightsOf(random).get(name)).not.toEqual(file.get(name));
    random.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('the pinned SHA-256 identifies the content: the path is not part of the training hash, the content is', async () => {
    const a = { ...base, initialWeights: { path: 'a.safetensors', sha256: sha256(source) } };
    const b = { ...base, initialWeights: { path: 'elsewhere/b.safetensors', sha256: sha256(source) } };
    const c = { ...base, initialWeights: { path: 'a.safetensors', sha256: '0'.repeat(64) } };
    expect(await configHash(a)).toBe(await configHash(b));
    expect(await configHash(a)).not.toBe(await configHash(c));
    expect(await configHash(a)).not.toBe(await configHash(base));
  });

  it('refuses a file whose SHA-256 differs from the pinned one, naming both', async () => {
    const before = tf.memory().numTensors;
    const pinned = '1'.repeat(64);
    const config = { ...base, initialWeights: { path: 'w.safetensors', sha256: pinned } };
    const error = await syntheticTrainer(config, {
      initialWeights: { bytes: source, source: 'w.safetensors' },
    }).catch((e: Error) => e);
    expect(error).toBeInstanceOf(TrainerInitialWeightsError);
    expect((error as Error).message).toContain(sha256(source));
    expect((error as Error).message).toContain(pinned);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('refuses the weights of another model, naming each differing field with both values', async () => {
    const before = tf.memory().numTensors;
    const other = new S2Transformer({ ...base.model, embeddingDim: 12, windowSize: 8, seed: 1 });
    const bytes = encodeModelWeights(other);
    other.dispose();
    const config = { ...base, initialWeights: { path: 'w.safetensors' } };
    const error = await syntheticTrainer(config, {
      initialWeights: { bytes, source: 'w.safetensors' },
    }).catch((e: Error) => e);
    expect(error).toBeInstanceOf(TrainerInitialWeightsError);
    const message = (error as Error).message;
    expect(message).toContain('embeddingDim 12 in the weights, 8 in the config');
    expect(message).toContain('windowSize 8 in the weights, 4 in the config');
    expect(message).not.toContain('seed');
    expect(tf.memory().numTensors).toBe(before);
  });

  it('a plain safetensors file (no model config) is checked tensor by tensor, and nothing is assigned on a mismatch', async () => {
    const before = tf.memory().numTensors;
    const file = decodeSafetensors(source);
    const names = Object.keys(file.tensors);
    const tensors = Object.fromEntries(
      names.slice(1).map((name) => {
        const t = file.tensors[name];
        return [
          name,
          { dtype: 'F32' as const, shape: t.shape, data: tensorsOf(source).get(name) as Float32Array },
        ];
      }),
    );
    const bytes = encodeSafetensors({
      ...tensors,
      extra: { dtype: 'F32', shape: [2], data: new Float32Array(2) },
    });
    const config = { ...base, initialWeights: { path: 'w.safetensors' } };
    const error = await syntheticTrainer(config, {
      initialWeights: { bytes, source: 'w.safetensors' },
    }).catch((e: Error) => e);
    expect(error).toBeInstanceOf(WeightsMismatchError);
    expect((error as Error).message).toContain(`missing 1: ${names[0]}`);
    expect((error as Error).message).toContain('unexpected 1: extra');
    expect(tf.memory().numTensors).toBe(before);
  });

  it('a failed load assigns nothing: a caller-owned model keeps its weights (and is not disposed)', async () => {
    const own = createModel(base.model, 21);
    const before = new Map(
      own.namedWeights().map((w) => [w.name, (w.variable.dataSync() as Float32Array).slice()]),
    );
    const file = decodeSafetensors(source);
    const names = Object.keys(file.tensors);
    const all = tensorsOf(source);
    // every tensor right but the last, which has the wrong shape: the check must come before any assignment
    const tensors = Object.fromEntries(
      names.map((name, i) => [
        name,
        i === names.length - 1
          ? { dtype: 'F32' as const, shape: [1], data: new Float32Array(1) }
          : { dtype: 'F32' as const, shape: file.tensors[name].shape, data: all.get(name) as Float32Array },
      ]),
    );
    const config = { ...base, initialWeights: { path: 'w.safetensors' } };
    const error = await syntheticTrainer(config, {
      model: own,
      initialWeights: { bytes: encodeSafetensors(tensors) },
    }).catch((e: Error) => e);
    expect(error).toBeInstanceOf(WeightsMismatchError);
    for (const { name, variable } of own.namedWeights())
      expect(variable.dataSync()).toEqual(before.get(name));
    own.dispose();
  });

  it('a run resumed through Trainer.create with the config it started from (a path only) takes the pinned SHA-256 from its checkpoint', async () => {
    const before = tf.memory().numTensors;
    const config = { ...base, initialWeights: { path: 'w.safetensors' } };
    const first = await syntheticTrainer(config, {
      initialWeights: { bytes: source, source: 'w.safetensors' },
    });
    await first.trainStep();
    const encoded = await first.checkpoint();
    first.dispose();
    const checkpoint = await decodeCheckpoint(encoded.files, 'memory');
    const resumed = await syntheticTrainer(config, { checkpoint });
    expect(resumed.step).toBe(1);
    expect(resumed.config.initialWeights?.sha256).toBe(sha256(source));
    resumed.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('the config and the bytes go together: either one alone is refused', async () => {
    const before = tf.memory().numTensors;
    const named = await syntheticTrainer({ ...base, initialWeights: { path: 'w.safetensors' } }).catch(
      (e: Error) => e,
    );
    expect(named).toBeInstanceOf(TrainerInitialWeightsError);
    expect((named as Error).message).toMatch(/initialWeights\.path w\.safetensors.*pass the file's bytes/);
    const unnamed = await syntheticTrainer(base, {
      initialWeights: { bytes: source, source: 'w.safetensors' },
    }).catch((e: Error) => e);
    expect(unnamed).toBeInstanceOf(TrainerInitialWeightsError);
    expect((unnamed as Error).message).toContain('the config has no initialWeights entry');
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('initial weights in the Node runner', () => {
  let root: string;
  let source: Uint8Array;
  const options = { handleSignals: false, backend: { backend: 'wasm', reason: 'test' } };
  beforeAll(async () => {
    await setupBackend('wasm');
    root = mkdtempSync(join(tmpdir(), 's2cassi-init-'));
    const model = new S2Transformer({ ...base.model, seed: 99 });
    source = encodeModelWeights(model);
    model.dispose();
    writeFileSync(join(root, 'start.safetensors'), source);
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('reads the path relative to the base folder, pins the SHA-256 in config.json, records it in run.json, and a resume needs no file', async () => {
    const config = {
      ...base,
      training: { ...base.training, epochs: 2, samplesPerEpoch: 4 },
      initialWeights: { path: 'start.safetensors' },
    };
    const dir = join(root, 'run');
    const run = await openTraining(config, dir, { ...options, baseDirectory: root, untilStep: 1 });
    const first = weightsOf(run.trainer);
    for (const [name, values] of tensorsOf(source)) expect(first.get(name)).toEqual(values);
    await run.start();
    const digest = sha256(readFileSync(join(root, 'start.safetensors')));
    expect(JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')).initialWeights).toEqual({
      path: 'start.safetensors',
      sha256: digest,
    });
    expect(JSON.parse(readFileSync(join(dir, 'run.json'), 'utf8')).initialWeights).toEqual({
      path: join(root, 'start.safetensors'),
      sha256: digest,
      bytes: source.length,
    });
    // The checkpoint holds the weights now: the resume reads no initial weights.
    rmSync(join(root, 'start.safetensors'));
    const resumed = await openResume(dir, options);
    expect(resumed.trainer.step).toBe(1);
    const result = await resumed.start();
    expect(result.step).toBe(4);
    writeFileSync(join(root, 'start.safetensors'), source);
  });

  it('a missing file and a changed file are errors that name the path and leave no checkpoints', async () => {
    const missing = { ...base, initialWeights: { path: 'nope.safetensors' } };
    const dir = join(root, 'missing');
    const error = await openTraining(missing, dir, { ...options, baseDirectory: root }).catch(
      (e: Error) => e,
    );
    expect(error).toBeInstanceOf(TrainerInitialWeightsError);
    expect((error as Error).message).toBe(
      `initialWeights.path ${join(root, 'nope.safetensors')} does not exist: expected a safetensors weights file of the config's model`,
    );
    const changed = { ...base, initialWeights: { path: 'start.safetensors', sha256: 'a'.repeat(64) } };
    const error2 = await openTraining(changed, join(root, 'changed'), {
      ...options,
      baseDirectory: root,
    }).catch((e: Error) => e);
    expect((error2 as Error).message).toContain(`the config pins ${'a'.repeat(64)}`);
    expect(existsSync(join(dir, 'checkpoints'))).toBe(false);
    expect(existsSync(join(root, 'changed'))).toBe(false);
  });
});
