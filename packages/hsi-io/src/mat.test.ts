import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { mulberry32, SHARED_DATA, SHARED_DATA_MISSING_MESSAGE } from '@s2cassi/testing';
import { describe, expect, it } from 'vitest';
import { expected, fixture, malformedDrill, numbers, plain } from './_test-fixtures';
import { createCube, cubeToColumnMajor } from './cube';
import { HsiFormatError } from './errors';
import { decodeMatAsync, encodeTestResultMat, listMatVariables, matVariableToCube } from './mat';
import { cubeToMatArray, decodeMat, encodeMat, type MatClass } from './mat-v5';
import { decodeMatV73 } from './mat-v73';

describe('MAT v5 reader against scipy.io.savemat fixtures', () => {
  for (const name of ['v5_plain.mat', 'v5_compressed.mat']) {
    it(`decodes every numeric class of ${name}`, () => {
      const file = decodeMat(fixture(name), { source: name });
      expect(file.version).toBe('5');
      const want = expected.mat[name];
      for (const [variable, spec] of Object.entries(want) as [
        string,
        { class: string; dims: number[]; values: (number | string)[] },
      ][]) {
        if (variable === '__skipped__') continue;
        const got = file.variables[variable];
        expect(got, variable).toBeDefined();
        expect(got.class, variable).toBe(spec.class);
        expect(got.dims, variable).toEqual(spec.dims);
        if (got.class === 'int64' || got.class === 'uint64') {
          expect(Array.from(got.data as BigInt64Array, String), variable).toEqual(spec.values.map(String));
        } else expect(plain(got.data), variable).toEqual(numbers(spec.values));
      }
      expect(file.skipped.map((s) => s.name).sort()).toEqual(want.__skipped__);
      expect(file.skipped.find((s) => s.name === 'z')?.reason).toMatch(/complex/);
      expect(file.skipped.find((s) => s.name === 'cells')?.reason).toMatch(/cell arrays are not supported/);
      expect(file.variables.cube_single.data).toBeInstanceOf(Float32Array);
      expect(file.variables.u64.data).toBeInstanceOf(BigUint64Array);
    });
  }

  it('turns an H x W x N variable into an hwc cube (column-major converted)', () => {
    const file = decodeMat(fixture('v5_compressed.mat'));
    const cube = matVariableToCube(file, 'cube_single');
    expect(cube.shape).toEqual([5, 4, 3]);
    // v = y + 10 x + 100 b + 0.25 (make_fixtures.py)
    for (let y = 0; y < 5; y++)
      for (let x = 0; x < 4; x++)
        for (let b = 0; b < 3; b++) {
          expect(cube.data[(y * 4 + x) * 3 + b]).toBe(y + 10 * x + 100 * b + 0.25);
        }
    expect(() => matVariableToCube(file, 'z', 'v5.mat')).toThrow(
      /variable 'z' \(double\): complex arrays are not supported/,
    );
    expect(() => matVariableToCube(file, 'nope')).toThrow(/no variable 'nope'/);
  });

  it('decodes only the requested variables and lists variables without decoding', async () => {
    const file = decodeMat(fixture('v5_compressed.mat'), { variables: ['i16'] });
    expect(Object.keys(file.variables)).toEqual(['i16']);
    expect(() => decodeMat(fixture('v5_compressed.mat'), { variables: ['missing'] })).toThrow(
      /no variable 'missing'/,
    );
    for (const name of ['v5_plain.mat', 'v5_compressed.mat']) {
      const list = await listMatVariables(fixture(name));
      const cube = list.find((v) => v.name === 'cube_single');
      expect(cube).toEqual({
        name: 'cube_single',
        class: 'single',
        dims: [5, 4, 3],
        complex: false,
        supported: true,
      });
      expect(list.find((v) => v.name === 'z')).toMatchObject({ complex: true, supported: false });
      expect(list.find((v) => v.name === 'record')).toMatchObject({ class: 'struct', supported: false });
      expect(list.length).toBe(17);
    }
  });
});

describe('MAT v7.3 (HDF5) reader against an h5py fixture with a MATLAB userblock', () => {
  it('reads datasets with reversed dims, classes from MATLAB_class, skips groups and complex', async () => {
    const bytes = fixture('v73.mat');
    expect(() => decodeMat(bytes, { source: 'v73.mat' })).toThrow(/version 7.3 .*decodeMatAsync/);
    const file = await decodeMatAsync(bytes, { source: 'v73.mat' });
    expect(file.version).toBe('7.3');
    expect(file.header).toMatch(/^MATLAB 7.3 MAT-file/);
    for (const [name, spec] of Object.entries(expected.mat['v73.mat']) as [
      string,
      { class: string; dims: number[]; values: number[] },
    ][]) {
      if (name === '__skipped__') continue;
      expect(file.variables[name].class, name).toBe(spec.class);
      expect(file.variables[name].dims, name).toEqual(spec.dims);
      expect(plain(file.variables[name].data), name).toEqual(spec.values);
    }
    expect(file.skipped.map((s) => s.name).sort()).toEqual(['info', 'zc']);
    const cube = matVariableToCube(file, 'cube');
    expect(cube.shape).toEqual([5, 4, 3]);
    expect(cube.data[(2 * 4 + 3) * 3 + 1]).toBe(2 + 30 + 100 + 0.25);
    const list = await listMatVariables(bytes);
    expect(list.find((v) => v.name === 'cube')).toEqual({
      name: 'cube',
      class: 'single',
      dims: [5, 4, 3],
      complex: false,
      supported: true,
    });
    const only = await decodeMatV73(bytes, { variables: ['img'] });
    expect(Object.keys(only.variables)).toEqual(['img']);
  });

  it('refuses non-HDF5 bytes and hostile limits with HsiFormatError', async () => {
    await expect(decodeMatV73(new Uint8Array(1000), { source: 'zeros.mat' })).rejects.toThrow(
      /not an HDF5 file/,
    );
    await expect(decodeMatAsync(fixture('v73.mat'), { maxBytes: 100 })).rejects.toThrow(
      /more than the 100-byte limit/,
    );
  });

  it('ends truncated and bit-flipped v7.3 files in HsiFormatError', async () => {
    const bytes = fixture('v73.mat');
    const result = await malformedDrill(bytes, (b) => decodeMatAsync(b, { source: 'v73.mat' }), {
      cuts: 25,
      flips: 60,
      seed: 3,
    });
    expect(result.failures).toBeGreaterThan(25);
  });
});

describe('MAT v5 writer', () => {
  const classes: [MatClass, ArrayLike<number | bigint>][] = [
    ['double', new Float64Array([1.5, -2, 1e300, Number.NaN, 0, 3])],
    ['single', new Float32Array([1.5, -2, 3e30, 0.1, 0, 3])],
    ['int8', new Int8Array([-128, 127, 0, 1, 2, 3])],
    ['uint8', new Uint8Array([0, 255, 1, 2, 3, 4])],
    ['int16', new Int16Array([-32768, 32767, 0, 1, 2, 3])],
    ['uint16', new Uint16Array([0, 65535, 1, 2, 3, 4])],
    ['int32', new Int32Array([-(2 ** 31), 2 ** 31 - 1, 0, 1, 2, 3])],
    ['uint32', new Uint32Array([0, 2 ** 32 - 1, 1, 2, 3, 4])],
    ['int64', new BigInt64Array([-(2n ** 62n), 2n ** 62n, 0n, 1n, 2n, 3n])],
    ['uint64', new BigUint64Array([0n, 2n ** 64n - 1n, 1n, 2n, 3n, 4n])],
    ['logical', new Uint8Array([1, 0, 1, 1, 0, 0])],
  ];
  for (const compress of [false, true]) {
    it(`round-trips every class (${compress ? 'compressed' : 'uncompressed'}) and leaves inputs unchanged`, () => {
      const variables = Object.fromEntries(
        classes.map(([cls, data]) => [`v_${cls}`, { class: cls, dims: [2, 3], data: data as never }]),
      );
      const before = classes.map(([, d]) => plain(d));
      const bytes = encodeMat(variables, { compress });
      const back = decodeMat(bytes);
      for (const [cls, data] of classes) {
        expect(back.variables[`v_${cls}`].class).toBe(cls);
        expect(back.variables[`v_${cls}`].dims).toEqual([2, 3]);
        expect(plain(back.variables[`v_${cls}`].data)).toEqual(plain(data));
      }
      expect(classes.map(([, d]) => plain(d))).toEqual(before);
    });
  }

  it('writes cubes as H x W x N single, empty arrays, 1-D as a row, and rejects bad names and sizes', () => {
    const random = mulberry32(2);
    const cube = createCube(
      [3, 5, 2],
      Float32Array.from({ length: 30 }, () => random()),
    );
    const bytes = encodeMat({
      img: cube,
      empty: { dims: [0, 0], data: new Float64Array(0) },
      row: { dims: [4], data: new Float64Array([1, 2, 3, 4]) },
    });
    const file = decodeMat(bytes);
    expect(file.variables.img.class).toBe('single');
    expect(file.variables.img.dims).toEqual([3, 5, 2]);
    expect(Array.from(file.variables.img.data as Float32Array)).toEqual(Array.from(cubeToColumnMajor(cube)));
    expect(matVariableToCube(file, 'img').data).toEqual(cube.data);
    expect(file.variables.empty.dims).toEqual([0, 0]);
    expect(file.variables.row.dims).toEqual([1, 4]);
    expect(cubeToMatArray(cube, 'double').data).toBeInstanceOf(Float64Array);
    expect(() => encodeMat({ '1bad': cube })).toThrow(/not a MATLAB identifier/);
    expect(() => encodeMat({ a: { dims: [2, 2], data: new Float64Array(3) } })).toThrow(
      /need 4 elements, got 3/,
    );
    expect(() => encodeMat({ a: { class: 'single', dims: [1, 1], data: new Float64Array(1) } })).toThrow(
      /needs a Float32Array/,
    );
  });

  it('writes a Test_result.mat with truth and pred of dims [scenes, H, W, N]', () => {
    const random = mulberry32(9);
    const make = () =>
      createCube(
        [4, 3, 2],
        Float32Array.from({ length: 24 }, () => random()),
      );
    const truth = [make(), make()];
    const pred = [make(), make()];
    const file = decodeMat(encodeTestResultMat({ truth, pred }));
    expect(Object.keys(file.variables).sort()).toEqual(['pred', 'truth']);
    const t = file.variables.truth;
    expect(t.class).toBe('single');
    expect(t.dims).toEqual([2, 4, 3, 2]);
    // MATLAB truth(s, y, x, b) at s + 2 (y + 4 (x + 3 b)) (column-major)
    for (let s = 0; s < 2; s++)
      for (let y = 0; y < 4; y++)
        for (let x = 0; x < 3; x++)
          for (let b = 0; b < 2; b++) {
            expect(t.data[s + 2 * (y + 4 * (x + 3 * b))]).toBe(truth[s].data[(y * 3 + x) * 2 + b]);
            expect(file.variables.pred.data[s + 2 * (y + 4 * (x + 3 * b))]).toBe(
              pred[s].data[(y * 3 + x) * 2 + b],
            );
          }
    const double = decodeMat(encodeTestResultMat({ truth, pred }, { class: 'double', compress: true }));
    expect(double.variables.pred.class).toBe('double');
    expect(() => encodeTestResultMat({ truth, pred: [make()] })).toThrow(/must match/);
  });
});

describe('MAT v5 malformed input', () => {
  it('ends truncations and bit flips of both fixtures in HsiFormatError quickly', async () => {
    for (const name of ['v5_plain.mat', 'v5_compressed.mat']) {
      const bytes = fixture(name);
      // Cutting at a variable boundary leaves a valid shorter file, so truncation may succeed there.
      const result = await malformedDrill(bytes, (b) => decodeMat(b, { source: name }), {
        cuts: 120,
        flips: 400,
        seed: 4,
        truncationMustFail: false,
      });
      expect(result.failures).toBeGreaterThan(100);
    }
    // Every truncation of a single-variable file fails.
    const one = encodeMat({ a: createCube([3, 3, 2]) });
    await malformedDrill(one, (b) => decodeMat(b), {
      cuts: 80,
      flips: 100,
      truncationMustFail: (cut) => cut !== 128,
    });
    const plainOne = encodeMat({ a: createCube([3, 3, 2]) }, { compress: false });
    await malformedDrill(plainOne, (b) => decodeMat(b), {
      cuts: 80,
      flips: 100,
      truncationMustFail: (cut) => cut !== 128,
    });
  });

  it('refuses hostile headers before allocating', () => {
    const bytes = encodeMat({ a: { dims: [2, 2], data: new Float64Array(4) } }, { compress: false });
    const view = new DataView(bytes.buffer);
    // dims element at 128 + 8 (matrix tag) + 16 (flags): tag then two int32.
    const hostile = bytes.slice();
    new DataView(hostile.buffer).setInt32(128 + 8 + 16 + 8, 2 ** 30, true);
    new DataView(hostile.buffer).setInt32(128 + 8 + 16 + 12, 2 ** 30, true);
    expect(() => decodeMat(hostile, { source: 'huge.mat' })).toThrow(
      /huge.mat: variable 'a': dimensions \[1073741824, 1073741824\] need .* bytes, more than the 2147483648-byte limit/,
    );
    const negative = bytes.slice();
    new DataView(negative.buffer).setInt32(128 + 8 + 16 + 8, -1, true);
    expect(() => decodeMat(negative)).toThrow(/non-negative integer dimensions/);
    const mismatch = bytes.slice();
    new DataView(mismatch.buffer).setInt32(128 + 8 + 16 + 8, 3, true);
    expect(() => decodeMat(mismatch)).toThrow(/sizes do not add up/);
    const wrongMagic = bytes.slice();
    wrongMagic[126] = 0;
    expect(() => decodeMat(wrongMagic)).toThrow(/endian indicator/);
    const bigTag = bytes.slice();
    new DataView(bigTag.buffer).setUint32(132, 0xfffffff0, true);
    expect(() => decodeMat(bigTag)).toThrow(/truncated: data element at byte 128 claims 4294967280 bytes/);
    expect(view.getUint32(128, true)).toBe(14);
    // A zlib bomb: 1 MB of zeros inside a compressed element, with a 100 kB limit.
    const bomb = encodeMat({ z: { dims: [1000, 125], data: new Float64Array(125000) } });
    expect(() => decodeMat(bomb, { maxBytes: 100_000 })).toThrow(/decompresses to more than/);
    expect(() => decodeMat(new Uint8Array(10))).toThrow(HsiFormatError);
  });
});

describe.skipIf(!SHARED_DATA)(
  `real MAT-files in the shared data (${SHARED_DATA ? 'present' : SHARED_DATA_MISSING_MESSAGE})`,
  () => {
    const read = (...parts: string[]) => new Uint8Array(readFileSync(join(SHARED_DATA as string, ...parts)));

    it('the standard 256 x 256 simulation mask: min 0.0066, mean 0.5632', async () => {
      const bytes = read('cassi_sim_mask', 'mask.mat');
      expect(await listMatVariables(bytes)).toEqual([
        { name: 'mask', class: 'single', dims: [256, 256], complex: false, supported: true },
      ]);
      const mask = matVariableToCube(decodeMat(bytes, { source: 'mask.mat' }), 'mask');
      expect(mask.shape).toEqual([256, 256, 1]);
      let min = Number.POSITIVE_INFINITY;
      let sum = 0;
      for (const v of mask.data) {
        min = Math.min(min, v);
        sum += v;
      }
      expect(min).toBeCloseTo(0.0066, 4);
      expect(sum / mask.data.length).toBeCloseTo(0.5632, 4);
      // scipy: mask[0, 1] = 0.07652586, mask[1, 0] = 1.0 (row-major indices)
      expect(mask.data[1]).toBeCloseTo(0.07652586, 7);
      expect(mask.data[256]).toBe(1);
    });

    it('the real measurement scene1.mat: meas_real 660 x 714 with max 1.0', () => {
      const file = decodeMat(read('cassi_real', 'Measurements', 'scene1.mat'), { source: 'scene1.mat' });
      const meas = matVariableToCube(file, 'meas_real');
      expect(meas.shape).toEqual([660, 714, 1]);
      let max = Number.NEGATIVE_INFINITY;
      for (const v of meas.data) max = Math.max(max, v);
      expect(max).toBe(1);
      expect(meas.data[1]).toBeCloseTo(0.010511038, 8);
      expect(meas.data[714]).toBeCloseTo(0.00977771, 8);
    });
  },
);
