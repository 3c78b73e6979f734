import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { SHARED_DATA, SHARED_DATA_MISSING_MESSAGE } from '@s2cassi/testing';
import { describe, expect, it } from 'vitest';
import { gamma } from './_gamma';
import { imresizeBicubic } from './_imresize';
import { PRISTINE_COVARIANCE, PRISTINE_MEAN } from './_niqe-model.generated';
import { symmetricEigen, symmetricPinv } from './_pinv';
import { readGreyPng, readMat2d } from './_test-data';
import { FIXTURES } from './_test-fixtures';
import { niqe, niqePerBand } from './niqe';

interface NiqeRecord {
  id: string;
  kind: 'cave' | 'real' | 'pattern';
  params: (string | number)[];
  crop: [number, number, number, number] | null;
  rotate180: boolean;
  shape: [number, number];
  basicsr: number;
  basicsrFloat64: number;
}
const fixture = JSON.parse(readFileSync(resolve(FIXTURES, 'niqe.json'), 'utf8')) as {
  images: NiqeRecord[];
  imresize: { half: number[][]; double: number[][]; basicsrHalf: number[][] };
};

/** The test image of make_niqe_fixtures.py's pattern(): integers on 0..255, given in [0, 1]. */
function pattern(height: number, width: number): Float64Array {
  const out = new Float64Array(height * width);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const v =
        128 +
        50 * Math.sin(x / 7) * Math.cos(y / 11) +
        30 * Math.sin((x + 2 * y) / 23) +
        20 * ((Math.floor(x / 16) + Math.floor(y / 16)) % 2);
      out[y * width + x] = Math.floor(v) / 255;
    }
  }
  return out;
}

/** The input image of a fixture record, as values in [0, 1] (not yet rotated). */
function loadImage(record: NiqeRecord): { data: Float64Array; height: number; width: number } {
  let image: { data: Float64Array; height: number; width: number };
  if (record.kind === 'pattern') {
    const [h, w] = record.params as number[];
    image = { data: pattern(h, w), height: h, width: w };
  } else if (record.kind === 'cave') {
    const [scene, band] = record.params as [string, number];
    const name = `${scene}_ms_${String(band).padStart(2, '0')}.png`;
    const png = readGreyPng(resolve(SHARED_DATA!, 'cave', `${scene}_ms`, name));
    image = { data: png.data.map((v) => v / 65535), height: png.height, width: png.width };
  } else {
    const [scene, band] = record.params as number[];
    const meas = readMat2d(
      resolve(SHARED_DATA!, 'cassi_real', 'Measurements', `scene${scene}.mat`),
      'meas_real',
    );
    const data = new Float64Array(meas.height * 660);
    for (let y = 0; y < meas.height; y++) {
      for (let x = 0; x < 660; x++) data[y * 660 + x] = meas.data[y * meas.width + 2 * band + x];
    }
    image = { data, height: meas.height, width: 660 };
  }
  if (record.crop) {
    const [top, left, h, w] = record.crop;
    const data = new Float64Array(h * w);
    for (let y = 0; y < h; y++)
      data.set(
        image.data.subarray((top + y) * image.width + left, (top + y) * image.width + left + w),
        y * w,
      );
    image = { data, height: h, width: w };
  }
  return image;
}

const worst = { float64: 0, released: 0 };

function checkRecord(record: NiqeRecord) {
  const image = loadImage(record);
  expect([image.height, image.width]).toEqual(record.shape);
  // Rotation goes through the per-band path (a one-band cube), the rest through niqe().
  const value = record.rotate180
    ? niqePerBand({ data: image.data, shape: [image.height, image.width, 1] }, { rotate180: true }).mean
    : niqe({ data: image.data, shape: [image.height, image.width] });
  const diff = Math.abs(value - record.basicsrFloat64);
  worst.float64 = Math.max(worst.float64, diff);
  worst.released = Math.max(worst.released, Math.abs(value - record.basicsr));
  expect(diff, `${record.id}: ${value} vs ${record.basicsrFloat64}`).toBeLessThan(1e-3);
}

describe('NIQE building blocks', () => {
  it('MATLAB imresize (bicubic, antialiased by 0.5; plain bicubic by 2) matches the fixtures', () => {
    const h = 13;
    const w = 10;
    const input = new Float64Array(h * w);
    for (let i = 0; i < h * w; i++) input[i] = ((i * 37) % 101) / 100;
    const half = imresizeBicubic(input, h, w, 0.5);
    expect([half.height, half.width]).toEqual([7, 5]);
    let err = 0;
    let errBasicsr = 0;
    fixture.imresize.half.forEach((row, y) => {
      row.forEach((v, x) => {
        err = Math.max(err, Math.abs(half.data[y * 5 + x] - v));
        errBasicsr = Math.max(
          errBasicsr,
          Math.abs(half.data[y * 5 + x] - fixture.imresize.basicsrHalf[y][x]),
        );
      });
    });
    expect(err).toBeLessThan(1e-12);
    expect(errBasicsr).toBeLessThan(1e-6); // BasicSR's imresize runs in float32
    const double = imresizeBicubic(input, h, w, 2);
    expect([double.height, double.width]).toEqual([26, 20]);
    let errDouble = 0;
    fixture.imresize.double.forEach((row, y) => {
      row.forEach((v, x) => {
        errDouble = Math.max(errDouble, Math.abs(double.data[y * 20 + x] - v));
      });
    });
    expect(errDouble).toBeLessThan(1e-12);
  });

  it('gamma matches closed forms', () => {
    expect(gamma(0.5)).toBeCloseTo(Math.sqrt(Math.PI), 14);
    expect(gamma(5)).toBeCloseTo(24, 12);
    expect(Math.abs(gamma(0.1) / 9.513507698668732 - 1)).toBeLessThan(1e-14);
    expect(Math.abs(gamma(15) / 87178291200 - 1)).toBeLessThan(1e-14);
  });

  it('pinv of the pristine covariance is its inverse; rank-deficient matrices satisfy A P A = A', () => {
    const n = 36;
    const p = symmetricPinv(PRISTINE_COVARIANCE, n);
    let err = 0;
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let k = 0; k < n; k++) s += PRISTINE_COVARIANCE[i * n + k] * p[k * n + j];
        err = Math.max(err, Math.abs(s - (i === j ? 1 : 0)));
      }
    }
    expect(err).toBeLessThan(1e-8);
    // Rank 2 matrix v v^T + u u^T in 5-D: pinv has the same rank and A P A = A.
    const u = [1, 2, 0, -1, 3];
    const v = [0, 1, 1, 1, -2];
    const a = new Float64Array(25);
    for (let i = 0; i < 5; i++) for (let j = 0; j < 5; j++) a[i * 5 + j] = u[i] * u[j] + v[i] * v[j];
    const pa = symmetricPinv(a, 5);
    const { values } = symmetricEigen(a, 5);
    expect([...values].filter((x) => Math.abs(x) > 1e-9).length).toBe(2);
    for (let i = 0; i < 5; i++) {
      for (let j = 0; j < 5; j++) {
        let s = 0;
        for (let k = 0; k < 5; k++)
          for (let l = 0; l < 5; l++) s += a[i * 5 + k] * pa[k * 5 + l] * a[l * 5 + j];
        expect(s).toBeCloseTo(a[i * 5 + j], 10);
      }
    }
  });

  it('ships the LIVE pristine model (36 means, symmetric 36 x 36 covariance)', () => {
    expect(PRISTINE_MEAN.length).toBe(36);
    expect(PRISTINE_COVARIANCE.length).toBe(36 * 36);
    expect(PRISTINE_MEAN[0]).toBeCloseTo(2.6013136801541448, 15);
  });
});

describe('NIQE input checks', () => {
  it('rejects images too small for two 96 x 96 blocks, naming the size', () => {
    expect(() => niqe({ data: new Float64Array(96 * 150), shape: [96, 150] })).toThrow(
      /two 96 x 96 blocks.*96 x 150/,
    );
    expect(() => niqe({ data: new Float64Array(50 * 500), shape: [50, 500] })).toThrow(/50 x 500/);
  });
  it('rejects flat images, NaN, wrong shapes and bad options', () => {
    expect(() => niqe({ data: new Float64Array(192 * 192).fill(0.5), shape: [192, 192] })).toThrow(/flat/);
    const data = pattern(192, 192);
    data[100] = Number.NaN;
    expect(() => niqe({ data, shape: [192, 192] })).toThrow(/NaN.*index 100/);
    expect(() => niqe({ data: pattern(192, 192), shape: [192, 192, 3] })).toThrow(
      /\[height, width\].*\[192, 192, 3\]/,
    );
    expect(() => niqe({ data: pattern(192, 192), shape: [192, 191] })).toThrow(/needs 36672 values/);
    expect(() => niqe({ data: pattern(192, 192), shape: [192, 192] }, { range: 0 })).toThrow(/range/);
  });
  it('per-band errors name the scene and band', () => {
    const cube = new Float64Array(192 * 192 * 2);
    const p = pattern(192, 192);
    for (let i = 0; i < p.length; i++) cube[2 * i] = p[i];
    expect(() => niqePerBand({ data: cube, shape: [192, 192, 2] })).toThrow(/scene 0, band 1/);
  });
});

describe('NIQE agrees with BasicSR (LIVE port) on a synthetic image', () => {
  for (const record of fixture.images.filter((r) => r.kind === 'pattern')) {
    it(record.id, () => checkRecord(record));
  }
  it('input scaling: range 255 and quantize false give the same value on integer images', () => {
    const image = pattern(250, 300);
    const scaled = image.map((v) => v * 255);
    const a = niqe({ data: image, shape: [250, 300] });
    expect(niqe({ data: scaled, shape: [250, 300] }, { range: 255 })).toBe(a);
    expect(niqe({ data: image, shape: [250, 300] }, { quantize: false })).toBeCloseTo(a, 9);
    // And a cube's per-band mean is the mean of the bands' scores; input never modified.
    const cube = new Float32Array(250 * 300 * 2);
    for (let i = 0; i < image.length; i++) {
      cube[2 * i] = image[i];
      cube[2 * i + 1] = 1 - image[i];
    }
    const copy = cube.slice();
    const result = niqePerBand({ data: cube, shape: [1, 250, 300, 2] });
    expect(result.bands.length).toBe(2);
    expect(result.bands[0]).toBeCloseTo(a, 5);
    expect(result.mean).toBeCloseTo((result.bands[0] + result.bands[1]) / 2, 12);
    expect(cube).toEqual(copy);
  });
});

describe.skipIf(!SHARED_DATA)(
  `NIQE agrees with BasicSR on real data (${SHARED_DATA ? 'CAVE bands, real CASSI measurements' : SHARED_DATA_MISSING_MESSAGE})`,
  () => {
    for (const record of fixture.images.filter((r) => r.kind !== 'pattern')) {
      it(record.id, () => checkRecord(record));
    }
    it('reports the worst differences', () => {
      console.log(
        `NIQE max abs difference: vs BasicSR run in float64 ${worst.float64.toExponential(2)}; vs released BasicSR (float32) ${worst.released.toExponential(2)}`,
      );
      expect(worst.float64).toBeLessThan(1e-3);
    });
  },
);
