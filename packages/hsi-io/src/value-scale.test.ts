import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mulberry32 } from '@s2cassi/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { createCube } from './cube';
import { decodeEnvi, encodeEnvi } from './envi';
import { HsiFormatError } from './errors';
import { decodeMatAsync, matVariableToCube } from './mat';
import { encodeMat } from './mat-v5';
import { readCubeFile } from './node';
import { decodeNpy, encodeNpy, npyToCube } from './npy';
import { encodeNpz } from './npz';
import { cubeFromBandPngs, encodeBandPng } from './png-stack';
import { decodeSafetensors, encodeSafetensors, safetensorToCube } from './safetensors';
import { applyValueScale } from './value-scale';

const work = mkdtempSync(join(tmpdir(), 'hsi-io-scale-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const H = 3;
const W = 4;
const N = 2;
const random = mulberry32(17);
/** Stored 16-bit counts, row-major [H, W, N], spanning the whole range. */
const counts = Uint16Array.from({ length: H * W * N }, (_, i) =>
  i === 0 ? 65535 : Math.floor(random() * 65536),
);
/** Independent reference: each count / scale in float64, rounded once to float32 (numpy's `(a / s).astype(float32)`). */
const divided = (scale: number) => Array.from(counts, (v) => Math.fround(v / scale));
const asStored = Array.from(counts);

function write(name: string, bytes: Uint8Array | string): string {
  const path = join(work, name);
  writeFileSync(path, bytes);
  return path;
}

function u16Safetensors(metadata: Record<string, string>): Uint8Array {
  return encodeSafetensors({ cube: { dtype: 'U16', shape: [H, W, N], data: counts } }, metadata);
}

/** An ENVI uint16 pair; `extra` header lines are appended. */
function u16Envi(extra: string): { header: string; data: Uint8Array } {
  const { header, data } = encodeEnvi(createCube([H, W, N], Float32Array.from(counts)), { dataType: 12 });
  return { header: header + extra, data };
}

describe('integer data and their scale: one rule in every reader', () => {
  it('safetensors: U16 with metadata scale is stored / scale (readCubeFile and safetensorToCube)', async () => {
    const bytes = u16Safetensors({ scale: '65535' });
    const before = bytes.slice();
    const path = write('u16.safetensors', bytes);
    const cube = await readCubeFile(path);
    expect(Array.from(cube.data)).toEqual(divided(65535));
    expect(cube.valueScale).toMatchObject({ stored: 'uint16', scale: 65535 });
    expect(cube.valueScale?.note).toBeUndefined();
    const browser = safetensorToCube(decodeSafetensors(bytes, 'u16.safetensors'), 'cube');
    expect(Array.from(browser.data)).toEqual(divided(65535));
    expect(bytes).toEqual(before);
  });

  it("the caller's scale overrides the file's", async () => {
    const path = write('u16-1000.safetensors', u16Safetensors({ scale: '1000' }));
    expect(Array.from((await readCubeFile(path)).data)).toEqual(divided(1000));
    const cube = await readCubeFile(path, { scale: 65535 });
    expect(Array.from(cube.data)).toEqual(divided(65535));
    expect(cube.valueScale).toMatchObject({ stored: 'uint16', scale: 65535, scaleFrom: 'the caller' });
  });

  it('integers without a scale are used as stored, and the result says so', async () => {
    const path = write('u16-plain.safetensors', u16Safetensors({}));
    const cube = await readCubeFile(path);
    expect(Array.from(cube.data)).toEqual(asStored);
    expect(cube.valueScale?.stored).toBe('uint16');
    expect(cube.valueScale?.scale).toBeUndefined();
    expect(cube.valueScale?.note).toMatch(/uint16 values used as stored \(\d+\.\.65535\).*no scale/);
    for (const [name, bytes] of [
      ['u16.npy', encodeNpy({ data: counts, shape: [H, W, N] })],
      ['u16.npz', encodeNpz({ cube: { data: counts, shape: [H, W, N] } })],
    ] as const) {
      const read = await readCubeFile(write(name, bytes));
      expect(Array.from(read.data), name).toEqual(asStored);
      expect(read.valueScale?.note, name).toMatch(/uint16 values used as stored/);
    }
  });

  it('0/1 integer data (a binary mask) need no scale and get no note; float data are left alone', async () => {
    const binary = Uint8Array.from({ length: H * W }, (_, i) => i % 2);
    const mask = await readCubeFile(write('mask.npy', encodeNpy({ data: binary, shape: [H, W] })));
    expect(Array.from(mask.data)).toEqual(Array.from(binary));
    expect(mask.valueScale?.note).toBeUndefined();
    const floats = Float32Array.from(counts, (v) => v / 7);
    const plain = await readCubeFile(write('f32.npy', encodeNpy({ data: floats, shape: [H, W, N] })));
    expect(plain.data).toEqual(floats);
    expect(plain.valueScale).toBeUndefined();
  });

  it("ENVI: integer data with 'reflectance scale factor' (readCubeFile and decodeEnvi)", async () => {
    const { header, data } = u16Envi('reflectance scale factor = 65535\n');
    write('scaled.img', data);
    const path = write('scaled.hdr', header);
    const cube = await readCubeFile(path);
    expect(Array.from(cube.data)).toEqual(divided(65535));
    expect(cube.valueScale).toMatchObject({ stored: 'uint16', scale: 65535 });
    expect(Array.from(decodeEnvi(header, data).cube.data)).toEqual(divided(65535));
    const plain = u16Envi('');
    const unscaled = decodeEnvi(plain.header, plain.data, { source: 'plain.img' }).cube;
    expect(Array.from(unscaled.data)).toEqual(asStored);
    expect(unscaled.valueScale?.note).toMatch(/uint16 values used as stored/);
  });

  it('MAT and .npy: no scale in the format, so a scale comes from the caller', async () => {
    const column = new Uint16Array(H * W * N);
    for (let y = 0; y < H; y++)
      for (let x = 0; x < W; x++)
        for (let n = 0; n < N; n++) column[y + H * (x + W * n)] = counts[(y * W + x) * N + n];
    const matBytes = encodeMat({ img: { class: 'uint16', dims: [H, W, N], data: column } });
    const path = write('u16.mat', matBytes);
    const stored = await readCubeFile(path);
    expect(Array.from(stored.data)).toEqual(asStored);
    expect(stored.valueScale?.note).toMatch(/uint16 values used as stored/);
    expect(Array.from((await readCubeFile(path, { scale: 65535 })).data)).toEqual(divided(65535));
    const file = await decodeMatAsync(matBytes);
    expect(Array.from(matVariableToCube(file, 'img', 'u16.mat', { scale: 65535 }).data)).toEqual(
      divided(65535),
    );
    const npy = decodeNpy(encodeNpy({ data: counts, shape: [H, W, N] }));
    expect(Array.from(npyToCube(npy, { scale: 65535 }).data)).toEqual(divided(65535));
  });

  it('PNG bands: the bit depth is the scale (2^bits - 1) unless the caller gives one', () => {
    const band = Uint16Array.from({ length: H * W }, (_, p) => counts[p * N]);
    const cube = cubeFromBandPngs([encodeBandPng({ width: W, height: H, bitDepth: 16, data: band })]);
    expect(Array.from(cube.data)).toEqual(Array.from(band, (v) => Math.fround(v / 65535)));
    expect(cube.valueScale).toMatchObject({ stored: 'uint16', scale: 65535 });
  });

  it('a scale that is not a positive number is an error naming what was given', async () => {
    for (const bad of ['abc', '0', '-3', 'Infinity', '']) {
      const path = write(`bad-${bad || 'empty'}.safetensors`, u16Safetensors({ scale: bad }));
      const error = await readCubeFile(path).catch((e: unknown) => e);
      expect(error, bad).toBeInstanceOf(HsiFormatError);
      expect((error as Error).message).toContain(`metadata 'scale' = '${bad}'`);
      expect((error as Error).message).toContain('expected a positive number');
    }
    const { header, data } = u16Envi('reflectance scale factor = none\n');
    expect(() => decodeEnvi(header, data)).toThrow(/'reflectance scale factor' = 'none'.*positive number/);
    expect(() => applyValueScale(createCube([1, 1, 1]), 'uint16', { scale: 0 })).toThrow(
      /scale: expected a positive number, got 0/,
    );
  });
});
