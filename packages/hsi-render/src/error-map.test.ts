import { mulberry32 } from '@s2cassi/testing';
import { describe, expect, it } from 'vitest';
import { colormapColor } from './colormap';
import { errorMap } from './error-map';

describe('errorMap', () => {
  const height = 6;
  const width = 7;
  const bands = 5;
  const random = mulberry32(3);
  const truth = Float32Array.from({ length: height * width * bands }, () => random());
  const estimate = truth.map((v, i) => v + (i % 4 === 0 ? 0.3 : -0.05) * random());
  const brute = (p: number) => {
    let s = 0;
    for (let n = 0; n < bands; n++) s += Math.abs(estimate[p * bands + n] - truth[p * bands + n]);
    return s / bands;
  };

  it('is the band-averaged absolute error, colour-mapped from 0 to its maximum', () => {
    const map = errorMap(
      { data: estimate, shape: [height, width, bands] },
      { data: truth, shape: [height, width, bands] },
      { colormap: 'magma' },
    );
    let peak = 0;
    let sum = 0;
    for (let p = 0; p < height * width; p++) {
      expect(map.error[p]).toBeCloseTo(brute(p), 6);
      peak = Math.max(peak, brute(p));
      sum += brute(p);
    }
    expect(map.maxError).toBeCloseTo(peak, 6);
    expect(map.meanError).toBeCloseTo(sum / (height * width), 6);
    expect(map.pixelCount).toBe(height * width);
    expect([map.image.width, map.image.height]).toEqual([width, height]);
    for (let p = 0; p < height * width; p++) {
      expect(Array.from(map.image.data.subarray(p * 4, p * 4 + 3))).toEqual(
        colormapColor('magma', map.error[p] / map.maxError),
      );
    }
  });

  it('restricted to pixels where the mask is below the threshold', () => {
    const mask = Array.from({ length: height * width }, (_, p) => (p % 2 === 0 ? 0.1 : 0.9));
    const map = errorMap(
      { data: estimate, shape: [height, width, bands] },
      { data: truth, shape: [1, height, width, bands] },
      { mask, maskThreshold: 0.5, maxError: 0.2 },
    );
    let sum = 0;
    let count = 0;
    for (let p = 0; p < height * width; p++) {
      if (p % 2 === 0) {
        expect(map.error[p]).toBeCloseTo(brute(p), 6);
        expect(Array.from(map.image.data.subarray(p * 4, p * 4 + 3))).toEqual(
          colormapColor('viridis', brute(p) / 0.2),
        );
        sum += brute(p);
        count++;
      } else {
        expect(map.error[p]).toBeNaN();
        expect(Array.from(map.image.data.subarray(p * 4, p * 4 + 4))).toEqual([128, 128, 128, 255]);
      }
    }
    expect(map.pixelCount).toBe(count);
    expect(map.meanError).toBeCloseTo(sum / count, 6);
  });

  it('names what it expected', () => {
    const a = { data: new Float32Array(8), shape: [2, 2, 2] };
    const b = { data: new Float32Array(12), shape: [2, 2, 3] };
    expect(() => errorMap(a, b)).toThrow(/same shape, got \[2, 2, 2\] and \[2, 2, 3\]/);
    expect(() => errorMap(a, a, { mask: [1, 2, 3] })).toThrow(
      /mask \(height x width\): expected 4 values, got 3/,
    );
  });
});
