import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { TrainerConfigError, trainerConfigJsonSchema, validateConfig } from './config';
import { deepMerge, diffPaths, parseSetOverrides } from './overrides';
import { PRESET_NAMES, preset, resolveConfig } from './presets';

describe('trainer config', () => {
  it('every preset validates', () => {
    for (const name of PRESET_NAMES) expect(() => validateConfig(preset(name))).not.toThrow();
  });

  it('the paper preset is the paper protocol', () => {
    const paper = preset('paper');
    expect(paper.model).toMatchObject({
      stageCount: 4,
      blocksPerStage: 6,
      embeddingDim: 60,
      heads: 6,
      windowSize: 8,
    });
    expect(paper.data.cropSize).toBe(256);
    expect(paper.training).toEqual({ epochs: 300, samplesPerEpoch: 5000, batchSize: 4 });
    expect(paper.optimizer).toMatchObject({ learningRate: 4e-4, beta1: 0.9, beta2: 0.999 });
    expect(paper.learningRateSchedule).toEqual({ kind: 'step', everyEpochs: 50, factor: 0.5 });
    expect(paper.loss).toMatchObject({
      objective: 'mask-aware',
      alphaME: 1.5,
      alphaMA: 1,
      beta: 10,
      switchFraction: 0.5,
    });
    expect(paper.data.augment).toEqual({ rot90: true, flip: true });
    expect(paper.data.noise.kind).toBe('gaussian');
  });

  it('reports every problem with its path, what was expected and what was given', () => {
    const bad = deepMerge(preset('tiny'), {
      training: { batchSize: 0 },
      optimizer: { beta1: 1.5 },
      data: { noise: { kind: 'poisson' } },
      model: { embeddingDim: 9 },
      typo: 1,
    });
    let error: unknown;
    try {
      validateConfig(bad);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(TrainerConfigError);
    const issues = (error as TrainerConfigError).issues;
    const paths = issues.map((issue) => issue.path);
    expect(paths).toEqual(
      expect.arrayContaining([
        'training.batchSize',
        'optimizer.beta1',
        'data.noise.kind',
        'model.embeddingDim',
        '',
      ]),
    );
    const message = (error as Error).message;
    expect(message).toContain('training.batchSize');
    expect(message).toContain('(given: 0)');
    expect(message).toContain('(given: 1.5)');
    expect(message).toContain('typo');
  });

  it('checks cross-field constraints', () => {
    expect(() => validateConfig(deepMerge(preset('tiny'), { data: { cropSize: 64 } }))).toThrow(
      /cropSize 64 exceeds/,
    );
    expect(() => validateConfig(deepMerge(preset('tiny'), { model: { maskEncodingStage: 3 } }))).toThrow(
      /maskEncodingStage must be <= stageCount/,
    );
    expect(() => validateConfig(deepMerge(preset('tiny'), { training: { samplesPerEpoch: 1 } }))).toThrow(
      /samplesPerEpoch \(1\) must be >= batchSize/,
    );
    const epochs = preset('tiny').training.epochs;
    const cosineFrom = (startEpoch: number) =>
      validateConfig(
        deepMerge(preset('tiny'), {
          learningRateSchedule: { kind: 'cosine', minLearningRate: 0, startEpoch },
        }),
      );
    expect(() => cosineFrom(epochs)).toThrow(
      new RegExp(
        `startEpoch ${epochs} leaves no epoch to anneal over: it must be below training.epochs \\(${epochs}\\)`,
      ),
    );
    expect(cosineFrom(epochs - 1).learningRateSchedule).toEqual({
      kind: 'cosine',
      minLearningRate: 0,
      startEpoch: epochs - 1,
    });
  });

  it('resolves `extends` with deep merge and overrides, without modifying the inputs', () => {
    const file = { extends: 'cpu-small', training: { epochs: 7 }, data: { noise: { kind: 'none' } } };
    const copy = structuredClone(file);
    const config = resolveConfig(
      file,
      parseSetOverrides(['optimizer.learningRate=1e-3', 'data.source.root=/x/cave']),
    );
    expect(file).toEqual(copy);
    expect(config.training).toEqual({ ...preset('cpu-small').training, epochs: 7 });
    expect(config.data.noise).toEqual({ kind: 'none' });
    expect(config.optimizer.learningRate).toBe(1e-3);
    expect(config.data.source).toMatchObject({ kind: 'cave', root: '/x/cave' });
    expect(config.model).toEqual(preset('cpu-small').model);
    expect(() => resolveConfig({ extends: 'huge' })).toThrow(
      /unknown preset "huge"; expected one of paper, cpu-small/,
    );
    expect(() => resolveConfig(null)).toThrow(/expected a JSON object/);
  });

  it('parses --set overrides as JSON when possible, else as strings', () => {
    expect(
      parseSetOverrides([
        'a.b=3',
        'a.c=true',
        'a.d=null',
        'e=["x"]',
        'f.g=hello world',
        'h={"kind":"none"}',
        'a.i=1e-3',
      ]),
    ).toEqual({
      a: { b: 3, c: true, d: null, i: 1e-3 },
      e: ['x'],
      f: { g: 'hello world' },
      h: { kind: 'none' },
    });
    expect(() => parseSetOverrides(['novalue'])).toThrow(/expected an override like "training.batchSize=4"/);
    expect(() => parseSetOverrides(['a..b=1'])).toThrow(TrainerConfigError);
    expect(() => parseSetOverrides(['__proto__.x=1'])).toThrow(TrainerConfigError);
  });

  it('deepMerge replaces a union variant whose kind changes and keeps arrays whole', () => {
    const base = { noise: { kind: 'shot', quantumEfficiency: 0.4 }, list: [1, 2, 3], keep: { a: 1, b: 2 } };
    expect(deepMerge(base, { noise: { kind: 'gaussian', std: 0.1 }, list: [4], keep: { b: 3 } })).toEqual({
      noise: { kind: 'gaussian', std: 0.1 },
      list: [4],
      keep: { a: 1, b: 3 },
    });
    expect(base.keep).toEqual({ a: 1, b: 2 });
  });

  it('diffPaths names the differing leaves', () => {
    expect(diffPaths({ a: { b: 1, c: [1] }, d: 2 }, { a: { b: 2, c: [1] }, e: 1 })).toEqual([
      'a.b',
      'd',
      'e',
    ]);
  });

  it('the committed JSON Schema is up to date', () => {
    const committed = JSON.parse(
      readFileSync(resolve(import.meta.dirname, '../trainer-config.schema.json'), 'utf8'),
    );
    expect(committed).toEqual(JSON.parse(JSON.stringify(trainerConfigJsonSchema())));
    expect(committed.properties.model.required).toContain('embeddingDim');
  });
});
