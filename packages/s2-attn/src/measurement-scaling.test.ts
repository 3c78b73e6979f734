import { decodeSafetensors, encodeSafetensors } from '@s2cassi/hsi-io/safetensors';
import { describeBackends } from '@s2cassi/testing';
import * as tf from '@tensorflow/tfjs-core';
import { expect, it } from 'vitest';
import { S2AttnInputError } from './errors';
import {
  DEFAULT_MEASUREMENT_SCALING,
  isDefaultMeasurementScaling,
  measurementFactors,
  resolveMeasurementScaling,
} from './measurement-scaling';
import { S2Transformer } from './s2-transformer';
import { averageModelWeights, decodeModelWeights, encodeModelWeights, modelManifest } from './weights';

const tiny = {
  bandCount: 4,
  embeddingDim: 4,
  stageCount: 1,
  blocksPerStage: 1,
  heads: 1,
  windowSize: 2,
  ffnRatio: 1,
  maskEncodingStage: 0,
  seed: 2,
};

/** Replaces (or removes, with undefined) one metadata entry of a weights file. */
function withMetadata(bytes: Uint8Array, key: string, value: string | undefined): Uint8Array {
  const file = decodeSafetensors(bytes);
  const metadata = { ...file.metadata };
  if (value === undefined) delete metadata[key];
  else metadata[key] = value;
  const tensors = Object.fromEntries(
    Object.entries(file.tensors).map(([name, t]) => [
      name,
      { dtype: 'F32' as const, shape: t.shape, data: t.data as Float32Array },
    ]),
  );
  return encodeSafetensors(tensors, metadata);
}

describeBackends('measurement scaling', () => {
  it('factors: closed forms of both conventions', () => {
    expect(measurementFactors({ kind: 'band-sum', gain: 1 }, Number.NaN, 28)).toEqual({
      input: 2 / 28,
      output: 1,
    });
    expect(measurementFactors({ kind: 'band-sum', gain: 1.2 }, 5, 28)).toEqual({
      input: (2 / 28) * 1.2,
      output: 1,
    });
    // the real-data code: meas / max * 0.8 in, networks trained on Y * 2 / 28 * 1.2
    const { input, output } = measurementFactors({ kind: 'peak', peak: 0.8, gain: 1.2 }, 1, 28);
    expect(input).toBeCloseTo(0.8, 15);
    expect(output).toBeCloseTo(0.10714285714285714, 15);
    const scaled = measurementFactors({ kind: 'peak', peak: 0.8, gain: 1.2 }, 250, 28);
    expect(scaled.input * 250).toBeCloseTo(0.8, 15);
    expect(scaled.output).toBeCloseTo(250 * 0.10714285714285714, 12);
    expect(() => measurementFactors({ kind: 'peak', peak: 0.8, gain: 1 }, 0, 28)).toThrow(
      'expected a measurement with a positive maximum, got maximum 0',
    );
  });

  it('resolve: accepts both kinds, names the field and the value it refuses', () => {
    expect(resolveMeasurementScaling({ kind: 'peak', peak: 0.8, gain: 1.2 })).toEqual({
      kind: 'peak',
      peak: 0.8,
      gain: 1.2,
    });
    expect(isDefaultMeasurementScaling(resolveMeasurementScaling({ kind: 'band-sum', gain: 1 }))).toBe(true);
    const cases: [unknown, string][] = [
      [null, "w: expected { kind: 'band-sum', gain } or { kind: 'peak', peak, gain }, got null"],
      [{ kind: 'max', gain: 1 }, `w: kind: expected 'band-sum' or 'peak', got "max"`],
      [{ kind: 'band-sum', gain: 0 }, 'w: gain: expected a finite number > 0, got 0'],
      [{ kind: 'peak', gain: 1 }, 'w: peak: expected a finite number > 0, got undefined'],
      [{ kind: 'peak', peak: '0.8', gain: 1 }, 'w: peak: expected a finite number > 0, got "0.8"'],
      [
        { kind: 'band-sum', gain: 1, peak: 0.8 },
        "w: unexpected field peak for kind 'band-sum' (expected kind, gain)",
      ],
    ];
    for (const [value, message] of cases) {
      expect(() => resolveMeasurementScaling(value, 'w')).toThrow(new S2AttnInputError(message));
    }
    const model = new S2Transformer(tiny);
    expect(() => {
      model.measurementScaling = { kind: 'peak', peak: -1, gain: 1 };
    }).toThrow('S2Transformer measurementScaling: peak: expected a finite number > 0, got -1');
    expect(model.measurementScaling).toEqual(DEFAULT_MEASUREMENT_SCALING);
    model.dispose();
  });

  it('weight files carry a non-default scaling in their metadata and manifest; the default leaves the bytes as before', () => {
    const start = tf.memory().numTensors;
    const model = new S2Transformer(tiny);
    const plain = encodeModelWeights(model);
    expect(decodeSafetensors(plain).metadata.measurement).toBeUndefined();
    expect(modelManifest(model).measurement).toBeUndefined();
    model.measurementScaling = { kind: 'peak', peak: 0.8, gain: 1.2 };
    const real = encodeModelWeights(model);
    expect(JSON.parse(decodeSafetensors(real).metadata.measurement)).toEqual({
      kind: 'peak',
      peak: 0.8,
      gain: 1.2,
    });
    // the tensors are the same; only the metadata differs
    expect(withMetadata(real, 'measurement', undefined)).toEqual(plain);
    const decoded = decodeModelWeights(real, { source: 'real.safetensors' });
    expect(decoded.measurementScaling).toEqual({ kind: 'peak', peak: 0.8, gain: 1.2 });
    const decodedPlain = decodeModelWeights(plain);
    expect(decodedPlain.measurementScaling).toEqual({ kind: 'band-sum', gain: 1 });
    // a manifest beside weights without a config of their own supplies it; when both exist they must agree, an
    // absent entry meaning the default
    const manifest = modelManifest(model);
    const fromManifest = decodeModelWeights(withMetadata(plain, 'config', undefined), { manifest });
    expect(fromManifest.measurementScaling).toEqual(manifest.measurement);
    fromManifest.dispose();
    expect(() => decodeModelWeights(plain, { manifest, source: 'p' })).toThrow(
      'p: the measurement scaling in the safetensors metadata and the manifest differ: {"kind":"band-sum","gain":1} vs {"kind":"peak","peak":0.8,"gain":1.2}',
    );
    expect(() =>
      decodeModelWeights(real, {
        manifest: { ...manifest, measurement: { kind: 'band-sum', gain: 1 } },
        source: 'r',
      }),
    ).toThrow(
      'r: the measurement scaling in the safetensors metadata and the manifest differ: {"kind":"peak","peak":0.8,"gain":1.2} vs {"kind":"band-sum","gain":1}',
    );
    expect(() => decodeModelWeights(withMetadata(real, 'measurement', '{"kind":'), { source: 'r' })).toThrow(
      /^r: metadata 'measurement' is not valid JSON/,
    );
    expect(() =>
      decodeModelWeights(withMetadata(real, 'measurement', '{"kind":"peak","gain":1}'), { source: 'r' }),
    ).toThrow('r: measurement: peak: expected a finite number > 0, got undefined');
    // averaging keeps the scaling and refuses files that scale otherwise
    const averaged = averageModelWeights([real, real]);
    const average = decodeModelWeights(averaged);
    expect(average.measurementScaling).toEqual(model.measurementScaling);
    average.dispose();
    expect(() => averageModelWeights([real, plain], { sources: ['a', 'b'] })).toThrow(
      'averageModelWeights: b expects measurements scaled otherwise than a: {"kind":"band-sum","gain":1} vs {"kind":"peak","peak":0.8,"gain":1.2}',
    );
    for (const m of [model, decoded, decodedPlain]) m.dispose();
    expect(tf.memory().numTensors).toBe(start);
  });
});
