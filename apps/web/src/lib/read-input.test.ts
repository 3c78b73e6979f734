import {
  createCube,
  decodeNpy,
  encodeBandPng,
  encodeEnvi,
  encodeMat,
  encodeNpy,
  encodeNpz,
  encodeSafetensors,
} from '@s2cassi/hsi-io';
import { encodeModelWeights, modelManifest, S2Transformer } from '@s2cassi/s2-attn';
import { uniformArray } from '@s2cassi/testing';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { beforeAll, describe, expect, it } from 'vitest';
import { exportCube } from './export-cube';
import { defaultWavelengths } from './formats';
import { readInput } from './read-input';
import type { CubeData } from './types';

const H = 6;
const W = 5;
const N = 4;
const cubeValues = uniformArray(H * W * N, 11);
const planeValues = uniformArray(H * W, 12);

function named(name: string, bytes: Uint8Array) {
  return { name, bytes };
}

describe('readInput', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('reads a .npy cube [H, W, N] in C order with default wavelengths', async () => {
    const loaded = await readInput('cube', [
      named('scene.npy', encodeNpy({ data: cubeValues, shape: [H, W, N] })),
    ]);
    expect(loaded.role).toBe('cube');
    if (loaded.role !== 'cube') return;
    expect(loaded.cube.shape).toEqual([H, W, N]);
    expect(Array.from(loaded.cube.data)).toEqual(Array.from(cubeValues));
    expect(loaded.cube.wavelengths).toEqual([450, 516.7, 583.3, 650]);
  });

  it('reads a MAT cube (column-major H x W x N) into HWC order', async () => {
    // value (y, x, n) = 100 y + 10 x + n, written column-major as MATLAB does
    const column = new Float32Array(H * W * N);
    for (let n = 0; n < N; n++)
      for (let x = 0; x < W; x++)
        for (let y = 0; y < H; y++) column[y + H * (x + W * n)] = 100 * y + 10 * x + n;
    const bytes = encodeMat({ img: { class: 'single', dims: [H, W, N], data: column } });
    const loaded = await readInput('cube', [named('scene.mat', bytes)]);
    if (loaded.role !== 'cube') throw new Error('expected a cube');
    expect(loaded.cube.shape).toEqual([H, W, N]);
    for (let y = 0; y < H; y++)
      for (let x = 0; x < W; x++)
        for (let n = 0; n < N; n++) expect(loaded.cube.data[(y * W + x) * N + n]).toBe(100 * y + 10 * x + n);
    expect(loaded.source).toBe('scene.mat:img');
  });

  it('picks the mask and the measurement out of an .npz by name and rank', async () => {
    const bytes = encodeNpz({
      cube: { data: cubeValues, shape: [H, W, N] },
      mask: { data: planeValues, shape: [H, W] },
      meas: { data: uniformArray(H * (W + 6), 3), shape: [H, W + 6] },
    });
    const mask = await readInput('mask', [named('all.npz', bytes)]);
    if (mask.role !== 'mask') throw new Error('expected a mask');
    expect(mask.source).toBe('all.npz:mask');
    expect(Array.from(mask.plane.data)).toEqual(Array.from(planeValues));
    const measurement = await readInput('measurement', [named('all.npz', bytes)]);
    if (measurement.role !== 'measurement') throw new Error('expected a measurement');
    expect(measurement.plane.shape).toEqual([H, W + 6]);
  });

  it('reads an ENVI pair and a PNG band stack (sorted by name)', async () => {
    const cube = createCube([H, W, N], cubeValues, [460, 500, 550, 600]);
    const { header, data } = encodeEnvi(cube, { interleave: 'bil' });
    const envi = await readInput('cube', [
      named('scene.img', data),
      named('scene.hdr', new TextEncoder().encode(header)),
    ]);
    if (envi.role !== 'cube') throw new Error('expected a cube');
    expect(Array.from(envi.cube.data)).toEqual(Array.from(cubeValues));

    const bands = [0, 1, 2].map((b) => {
      const band = new Uint8Array(H * W);
      for (let p = 0; p < H * W; p++) band[p] = (p * 7 + b * 50) % 256;
      return band;
    });
    const files = bands.map((band, b) =>
      named(`band_${b + 1}.png`, encodeBandPng({ width: W, height: H, bitDepth: 8, data: band })),
    );
    const stack = await readInput('cube', [files[2], files[0], files[1]]);
    if (stack.role !== 'cube') throw new Error('expected a cube');
    expect(stack.cube.shape).toEqual([H, W, 3]);
    for (let b = 0; b < 3; b++) expect(stack.cube.data[7 * 3 + b]).toBeCloseTo(bands[b][7] / 255, 6);
  });

  it('reads integer data by the one hsi-io rule: a scale in the metadata divides, none is reported', async () => {
    const counts = Uint16Array.from(cubeValues, (v) => Math.round(v * 65535));
    const tensors = { cube: { dtype: 'U16' as const, shape: [H, W, N], data: counts } };
    const scaled = await readInput('cube', [
      named('scene.safetensors', encodeSafetensors(tensors, { scale: '65535' })),
    ]);
    if (scaled.role !== 'cube') throw new Error('expected a cube');
    // Independent reference: count / 65535 rounded once to float32.
    expect(Array.from(scaled.cube.data)).toEqual(Array.from(counts, (v) => Math.fround(v / 65535)));
    expect(scaled.source).toBe('scene.safetensors:cube');
    const envi = encodeEnvi(createCube([H, W, N], Float32Array.from(counts)), { dataType: 12 });
    const fromEnvi = await readInput('cube', [
      named('scene.hdr', new TextEncoder().encode(`${envi.header}reflectance scale factor = 65535\n`)),
      named('scene.img', envi.data),
    ]);
    if (fromEnvi.role !== 'cube') throw new Error('expected a cube');
    expect(Array.from(fromEnvi.cube.data)).toEqual(Array.from(counts, (v) => Math.fround(v / 65535)));
    const plain = await readInput('cube', [
      named('counts.npy', encodeNpy({ data: counts, shape: [H, W, N] })),
    ]);
    if (plain.role !== 'cube') throw new Error('expected a cube');
    expect(Array.from(plain.cube.data)).toEqual(Array.from(counts));
    expect(plain.source).toMatch(/^counts\.npy \(uint16 values used as stored \(\d+\.\.\d+\)/);
  });

  it('gives errors naming the file and what was expected', async () => {
    await expect(
      readInput('cube', [named('broken.npy', new TextEncoder().encode('not numpy'))]),
    ).rejects.toThrow(/broken\.npy/);
    await expect(
      readInput('mask', [named('cube.npy', encodeNpy({ data: cubeValues, shape: [H, W, N] }))]),
    ).rejects.toThrow(/expected a 2-D mask \[height, width\], found cube\.npy \[6, 5, 4\]/);
    await expect(readInput('cube', [named('notes.txt', new Uint8Array(3))])).rejects.toThrow(
      /unsupported file type '\.txt'/,
    );
    await expect(readInput('cube', [named('a.hdr', new TextEncoder().encode('ENVI'))])).rejects.toThrow(
      /needs its data file/,
    );
    const bad = new Float32Array(H * W).fill(0.5);
    bad[4] = Number.NaN;
    await expect(
      readInput('mask', [named('nan.npy', encodeNpy({ data: bad, shape: [H, W] }))]),
    ).rejects.toThrow(/finite values, found NaN at index 4/);
    bad[4] = -1;
    await expect(
      readInput('mask', [named('neg.npy', encodeNpy({ data: bad, shape: [H, W] }))]),
    ).rejects.toThrow(/>= 0, found -1/);
  });

  it('reads S2 weights with the config in the metadata or in a JSON beside (bare config or manifest)', async () => {
    const config = {
      bandCount: 4,
      embeddingDim: 4,
      stageCount: 1,
      blocksPerStage: 1,
      heads: 2,
      windowSize: 2,
      ffnRatio: 1,
      maskEncodingStage: 0,
    };
    const model = new S2Transformer(config);
    const bytes = encodeModelWeights(model);
    const manifest = modelManifest(model);
    model.dispose();
    const fromMetadata = await readInput('weights', [named('w.safetensors', bytes)]);
    if (fromMetadata.role !== 'weights') throw new Error('expected weights');
    expect(fromMetadata.weights.summary).toMatch(/M parameters, 1 x 1 parall-ss blocks, C=4, 4 bands/);
    const bare = await readInput('weights', [
      named('w.safetensors', bytes),
      named('w.json', new TextEncoder().encode(JSON.stringify(config))),
    ]);
    if (bare.role !== 'weights') throw new Error('expected weights');
    expect((bare.weights.manifest as { config: unknown }).config).toEqual(config);
    const full = await readInput('weights', [
      named('w.safetensors', bytes),
      named('m.json', new TextEncoder().encode(JSON.stringify(manifest))),
    ]);
    if (full.role !== 'weights') throw new Error('expected weights');
    expect(full.weights.manifest).toEqual(manifest);
    await expect(readInput('weights', [named('w.json', new TextEncoder().encode('{'))])).rejects.toThrow(
      /expected one \.safetensors file/,
    );
    await expect(
      readInput('weights', [
        named('w.safetensors', bytes),
        named('w.json', new TextEncoder().encode('{oops')),
      ]),
    ).rejects.toThrow(/w\.json: not valid JSON/);
    await expect(
      readInput('weights', [
        named('w.safetensors', bytes),
        named('w.json', new TextEncoder().encode('{"embedDim": 3}')),
      ]),
    ).rejects.toThrow(/unknown option 'embedDim'/);
  });
});

describe('exportCube', () => {
  const cube: CubeData = { data: cubeValues, shape: [H, W, N], wavelengths: [460, 500, 550, 600] };

  it('round-trips through .npy, .mat and ENVI (read back by the app reader)', async () => {
    const [npy] = exportCube(cube, 'npy', 'GAP-TV 10 it. #1');
    expect(npy.name).toBe('GAP-TV-10-it.-1.npy');
    expect(Array.from(decodeNpy(npy.bytes).data as Float32Array)).toEqual(Array.from(cubeValues));
    for (const format of ['mat', 'envi'] as const) {
      const files = exportCube(cube, format, 'recon');
      expect(files.map((f) => f.name)).toEqual(format === 'mat' ? ['recon.mat'] : ['recon.hdr', 'recon.img']);
      const loaded = await readInput('cube', files);
      if (loaded.role !== 'cube') throw new Error('expected a cube');
      expect(loaded.cube.shape).toEqual([H, W, N]);
      expect(Array.from(loaded.cube.data)).toEqual(Array.from(cubeValues));
    }
  });

  it('rejects an unknown format', () => {
    expect(() => exportCube(cube, 'tiff' as 'npy', 'x')).toThrow(/expected one of mat, npy, envi, got tiff/);
  });
});

describe('defaultWavelengths', () => {
  it('uses the 28 CASSI band centres for 28 bands', () => {
    const w = defaultWavelengths(28);
    expect(w[0]).toBe(453.5);
    expect(w[27]).toBe(648);
    expect(defaultWavelengths(1)).toEqual([550]);
  });
});
