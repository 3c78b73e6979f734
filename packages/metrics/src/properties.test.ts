import { mulberry32, uniformArray } from '@s2cassi/testing';
import { describe, expect, it } from 'vitest';
import type { CubeLike } from './cube-like';
import { ergas } from './ergas';
import { psnr, psnrPerBand } from './psnr';
import { describeReportPreset, qualityReport, REPORT_PRESETS, type ReportPreset } from './report';
import { rmse } from './rmse';
import { sam } from './sam';
import { ssim, ssimPerBand } from './ssim';

const shape = [24, 20, 5];
const size = 24 * 20 * 5;
const a: CubeLike = { data: uniformArray(size, 1), shape };
const b: CubeLike = { data: uniformArray(size, 2, -0.1, 1.1), shape };

/** Brute-force mean SSIM of one band: 2-D 11 x 11 window, explicit loops (independent of _filter). */
function bruteSsim(
  x: Float64Array,
  y: Float64Array,
  h: number,
  w: number,
  valid: boolean,
  range: number,
): number {
  const win: number[] = [];
  let total = 0;
  for (let i = -5; i <= 5; i++) {
    for (let j = -5; j <= 5; j++) {
      const v = Math.exp(-(i * i + j * j) / (2 * 1.5 * 1.5));
      win.push(v);
      total += v;
    }
  }
  const c1 = (0.01 * range) ** 2;
  const c2 = (0.03 * range) ** 2;
  let sum = 0;
  let count = 0;
  const [y0, y1, x0, x1] = valid ? [5, h - 5, 5, w - 5] : [0, h, 0, w];
  for (let r = y0; r < y1; r++) {
    for (let c = x0; c < x1; c++) {
      let m1 = 0;
      let m2 = 0;
      let s11 = 0;
      let s22 = 0;
      let s12 = 0;
      for (let i = -5; i <= 5; i++) {
        for (let j = -5; j <= 5; j++) {
          const rr = r + i;
          const cc = c + j;
          if (rr < 0 || rr >= h || cc < 0 || cc >= w) continue;
          const k = win[(i + 5) * 11 + j + 5] / total;
          const p = x[rr * w + cc];
          const q = y[rr * w + cc];
          m1 += k * p;
          m2 += k * q;
          s11 += k * p * p;
          s22 += k * q * q;
          s12 += k * p * q;
        }
      }
      const v1 = s11 - m1 * m1;
      const v2 = s22 - m2 * m2;
      const v12 = s12 - m1 * m2;
      sum += ((2 * m1 * m2 + c1) * (2 * v12 + c2)) / ((m1 * m1 + m2 * m2 + c1) * (v1 + v2 + c2));
      count++;
    }
  }
  return sum / count;
}

function band(cube: CubeLike, n: number, transform: (v: number) => number = (v) => v): Float64Array {
  const [h, w, bands] = cube.shape;
  const out = new Float64Array(h * w);
  for (let i = 0; i < h * w; i++) out[i] = transform(cube.data[i * bands + n]);
  return out;
}

describe('identical cubes', () => {
  it('give infinite PSNR (every preset), SSIM 1, SAM 0, ERGAS 0, RMSE 0', () => {
    for (const preset of ['matlab', 'mst-python', 's2', 'float'] as const) {
      expect(psnr(a, a, { preset })).toBe(Infinity);
    }
    expect(ssim(a, a)).toBe(1);
    expect(ssim(a, a, { preset: 'torch-same' })).toBe(1);
    expect(sam(a, a, { convention: 'strict' })).toBe(0);
    // MATLAB's acos formula: rounding leaves ~1e-8 rad per pixel (acos is ill-conditioned at 1).
    expect(sam(a, a)).toBeLessThan(1e-5);
    expect(ergas(a, a)).toBe(0);
    expect(rmse(a, a)).toBe(0);
    const report = qualityReport(a, a);
    expect(report.mean.psnr).toBe(Infinity);
    expect(report.mean.ssim).toBe(1);
  });
});

describe('symmetry and closed forms', () => {
  it('RMSE, SAM, float PSNR and torch-same SSIM are symmetric; ERGAS is not', () => {
    expect(rmse(a, b)).toBe(rmse(b, a));
    expect(sam(a, b)).toBeCloseTo(sam(b, a), 12);
    expect(sam(a, b, { convention: 'strict' })).toBeCloseTo(sam(b, a, { convention: 'strict' }), 12);
    expect(psnr(a, b, { preset: 'float' })).toBeCloseTo(psnr(b, a, { preset: 'float' }), 12);
    expect(ssim(a, b, { preset: 'torch-same' })).toBeCloseTo(ssim(b, a, { preset: 'torch-same' }), 12);
    expect(ergas(a, b)).not.toBeCloseTo(ergas(b, a), 3);
  });

  it('RMSE and float PSNR of a constant offset are closed forms', () => {
    const shifted: CubeLike = { data: Float64Array.from(a.data as Float32Array, (v) => v + 0.125), shape };
    expect(rmse(a, shifted)).toBeCloseTo(0.125, 6);
    expect(psnr(a, shifted, { preset: 'float' })).toBeCloseTo(10 * Math.log10(1 / 0.125 ** 2), 5);
    const scaled: CubeLike = { data: Float64Array.from(a.data as Float32Array, (v) => 3 * v), shape };
    expect(sam(a, scaled, { convention: 'strict' })).toBeLessThan(1e-12);
  });

  it('SAM zero-vector rules: strict gives 0 for two zero spectra and 90 degrees for one', () => {
    const zero: CubeLike = { data: [0, 0, 0], shape: [1, 1, 3] };
    const one: CubeLike = { data: [1, 2, 2], shape: [1, 1, 3] };
    expect(sam(zero, zero, { convention: 'strict' })).toBe(0);
    expect(sam(zero, one, { convention: 'strict' })).toBe(90);
    expect(sam(zero, zero)).toBe(0);
    // MATLAB's eps rule: acos(1 / (|y| + eps)) = acos(1/3) for |y| = 3.
    expect(sam(zero, one)).toBeCloseTo((Math.acos(1 / 3) * 180) / Math.PI, 10);
  });

  it('SSIM matches a brute-force 2-D window for both presets', () => {
    const h = shape[0];
    const w = shape[1];
    const perBand = ssimPerBand(a, b);
    const same = ssimPerBand(a, b, { preset: 'torch-same' });
    const q = (v: number) => Math.round(Math.min(1, Math.max(0, v)) * 255);
    for (let n = 0; n < shape[2]; n++) {
      expect(perBand[n]).toBeCloseTo(bruteSsim(band(a, n, q), band(b, n, q), h, w, true, 255), 10);
      expect(same[n]).toBeCloseTo(bruteSsim(band(a, n), band(b, n), h, w, false, 1), 10);
    }
  });

  it('PSNR presets: matlab clips and quantises, mst-python rounds x*256 half to even', () => {
    // One pixel, two bands: prediction 1.2 clips to 1 under matlab (so band 0 is exact).
    const ref: CubeLike = { data: [1, 0.5], shape: [1, 1, 2] };
    const pred: CubeLike = { data: [1.2, 0.5 + 1 / 255], shape: [1, 1, 2] };
    const bands = psnrPerBand(ref, pred);
    expect(bands[0]).toBe(Infinity);
    expect(bands[1]).toBeCloseTo(10 * Math.log10(255 ** 2 / 1), 10);
    // round(0.5 * 256) = 128 both; 2.5 / 256 * 256 = 2.5 rounds to 2 (half to even), 3.5 -> 4.
    const r2: CubeLike = { data: [2 / 256, 4 / 256], shape: [1, 1, 2] };
    const p2: CubeLike = { data: [2.5 / 256, 3.5 / 256], shape: [1, 1, 2] };
    const mst = psnrPerBand(r2, p2, { preset: 'mst-python' });
    expect(mst[0]).toBe(Infinity);
    expect(mst[1]).toBe(Infinity);
    // s2: peak = max of the reference scene.
    const r3: CubeLike = { data: [0.5, 0.25], shape: [1, 1, 2] };
    const p3: CubeLike = { data: [0.4, 0.25], shape: [1, 1, 2] };
    expect(psnrPerBand(r3, p3, { preset: 's2' })[0]).toBeCloseTo(10 * Math.log10(0.25 / 0.01), 10);
  });
});

describe('batches', () => {
  it('a [B, H, W, N] batch gives the mean over scenes and scene-major per-band arrays', () => {
    const rng = mulberry32(9);
    const second = Float32Array.from({ length: size }, () => rng());
    const batchRef: CubeLike = {
      data: Float32Array.from([...(a.data as Float32Array), ...second]),
      shape: [2, ...shape],
    };
    const batchPred: CubeLike = {
      data: Float32Array.from([...(b.data as Float32Array), ...(a.data as Float32Array)]),
      shape: [2, ...shape],
    };
    const s0 = psnr(a, b);
    const s1 = psnr({ data: second, shape }, a);
    expect(psnr(batchRef, batchPred)).toBeCloseTo((s0 + s1) / 2, 12);
    expect(psnrPerBand(batchRef, batchPred).length).toBe(10);
    const report = qualityReport(batchRef, batchPred);
    expect(report.scenes.length).toBe(2);
    expect(report.scenes[0].psnr).toBeCloseTo(s0, 12);
    expect(report.mean.ssim).toBeCloseTo((report.scenes[0].ssim + report.scenes[1].ssim) / 2, 12);
    expect(report.scenes[1].bands.ssim.length).toBe(5);
    const floatReport = qualityReport(a, b, { preset: 'float' });
    expect(floatReport.mean.psnr).toBeCloseTo(psnr(a, b, { preset: 'float' }), 12);
    expect(floatReport.mean.ssim).toBeCloseTo(ssim(a, b, { preset: 'torch-same' }), 12);
  });

  it('never modifies its inputs', () => {
    const before = Float32Array.from(b.data as Float32Array);
    qualityReport(a, b);
    psnr(a, b, { preset: 'mst-python' });
    expect(b.data).toEqual(before);
  });
});

describe('report presets: one definition each, named', () => {
  it("'matlab' scores the 8-bit cubes (clip, x 255, round), 'float' the raw ones; SAM included", () => {
    // by hand: MATLAB's im2uint8 of the clipped values
    const quantised = (cube: CubeLike): CubeLike => ({
      data: Float64Array.from(cube.data as Float32Array, (v) =>
        Math.round(Math.min(1, Math.max(0, v)) * 255),
      ),
      shape: cube.shape,
    });
    const matlab = qualityReport(a, b);
    expect(matlab.preset).toBe('matlab');
    expect(matlab.scenes[0].sam).toBeCloseTo(sam(quantised(a), quantised(b)), 10);
    const float = qualityReport(a, b, { preset: 'float' });
    expect(float.scenes[0].sam).toBeCloseTo(sam(a, b), 10);
    // the two conventions really differ on the same pair (the web app once used one, the CLI the other)
    expect(Math.abs(matlab.scenes[0].sam - float.scenes[0].sam)).toBeGreaterThan(1e-3);
  });

  it('describeReportPreset names every preset and rejects unknown ones', () => {
    expect(REPORT_PRESETS).toEqual(['matlab', 'float']);
    for (const preset of REPORT_PRESETS) expect(describeReportPreset(preset)).toContain(`'${preset}'`);
    expect(describeReportPreset('matlab')).toMatch(/8 bits/);
    expect(() => describeReportPreset('mst' as ReportPreset)).toThrow(
      /expected one of matlab, float, got mst/,
    );
  });
});

describe('bad input gives clear errors', () => {
  it('names expected and actual shapes', () => {
    expect(() => psnr(a, { data: new Float32Array(24 * 20 * 4), shape: [24, 20, 4] })).toThrow(
      /expected the reference's shape \[24, 20, 5\], got \[24, 20, 4\]/,
    );
    expect(() => ssim({ data: new Float32Array(24 * 20), shape: [24, 20] }, a)).toThrow(
      /\[height, width, bands\] or \[batch, height, width, bands\], got \[24, 20\]/,
    );
    expect(() => rmse({ data: new Float32Array(10), shape: [24, 20, 5] }, a)).toThrow(
      /needs 2400 values, got data of length 10/,
    );
    expect(() => sam({ data: new Float32Array(0), shape: [0, 20, 5] }, a)).toThrow(
      /positive integer dimensions/,
    );
    expect(() =>
      ssim(
        { data: new Float32Array(100), shape: [10, 10, 1] },
        { data: new Float32Array(100), shape: [10, 10, 1] },
      ),
    ).toThrow(/at least 11 x 11.*10 x 10/);
  });

  it('rejects NaN and Infinity with the index', () => {
    const bad = Float32Array.from(b.data as Float32Array);
    bad[17] = Number.NaN;
    expect(() => psnr(a, { data: bad, shape })).toThrow(
      /prediction: expected finite numbers, got NaN at index 17/,
    );
    bad[17] = Infinity;
    expect(() => ergas({ data: bad, shape }, a)).toThrow(/reference: .*Infinity at index 17/);
  });

  it('rejects unknown presets and bad options', () => {
    // @ts-expect-error testing a bad preset
    expect(() => psnr(a, b, { preset: 'matlab2' })).toThrow(
      /expected one of matlab, mst-python, s2, float, got matlab2/,
    );
    // @ts-expect-error testing a bad preset
    expect(() => ssim(a, b, { preset: 'same' })).toThrow(/expected one of matlab, torch-same/);
    // @ts-expect-error testing a bad convention
    expect(() => sam(a, b, { convention: 'x' })).toThrow(/'matlab' or 'strict'/);
    expect(() => ergas(a, b, { ratio: -1 })).toThrow(/ratio: expected a finite number > 0, got -1/);
    expect(() => psnr(null as unknown as CubeLike, b)).toThrow(/reference: expected \{ data, shape \}/);
  });
});
