import { describe, expect, it } from 'vitest';
import type { ValidationRecord } from './checkpoint';
import { bucketMeans, MAX_LOSS_POINTS, trainingCurves } from './curves';
import type { StepRecord } from './events';

const step = (index: number, loss: StepRecord['loss'], objective = 'l1'): StepRecord =>
  ({ type: 'step', step: index, objective, loss }) as StepRecord;

describe('bucketMeans', () => {
  it('averages x and y over consecutive runs, the last one shorter', () => {
    const points = Array.from({ length: 11 }, (_, i) => [i * 2, (i * 7) % 5] as const);
    const size = 4;
    const got = bucketMeans(points, size);
    expect(got).toHaveLength(3);
    // brute force: the mean of each slice
    for (let b = 0; b < got.length; b++) {
      const slice = points.slice(b * size, b * size + size);
      expect(got[b][0]).toBeCloseTo(slice.reduce((s, p) => s + p[0], 0) / slice.length, 12);
      expect(got[b][1]).toBeCloseTo(slice.reduce((s, p) => s + p[1], 0) / slice.length, 12);
    }
    expect(bucketMeans(points, 1)).toEqual(points);
    expect(bucketMeans([], 3)).toEqual([]);
  });

  it('refuses a bucket size that is not a whole number >= 1', () => {
    expect(() => bucketMeans([[0, 1]], 0)).toThrow(/whole bucket size >= 1, got 0/);
    expect(() => bucketMeans([[0, 1]], 2.5)).toThrow(/got 2.5/);
  });
});

describe('trainingCurves', () => {
  it('draws a short run step by step, and a part equal to the total once', () => {
    const steps = [0, 1, 2].map((i) => step(i, { total: 1 / (i + 1), recon: 1 / (i + 1) }));
    const charts = trainingCurves(steps, []);
    expect(charts.loss.series.map((s) => s.label)).toEqual(['total']);
    expect(charts.loss.series[0].points).toEqual([
      [0, 1],
      [1, 0.5],
      [2, 1 / 3],
    ]);
    // a part that differs anywhere is its own line
    const mixed = [...steps, step(3, { total: 0.3, recon: 0.2 })];
    expect(trainingCurves(mixed, []).loss.series.map((s) => s.label)).toEqual(['total', 'recon']);
  });

  it('draws a long run as means over runs of steps and says over how many', () => {
    const count = 2 * MAX_LOSS_POINTS + 2;
    const steps = Array.from({ length: count }, (_, i) =>
      step(i, { total: 1 + (i % 3), recon: 0.5, me: 0.25 }, 'me'),
    );
    const charts = trainingCurves(steps, []);
    const [total, recon, me] = charts.loss.series;
    expect(charts.loss.series.map((s) => s.label)).toEqual([
      'total (mean of 3 steps)',
      'recon (mean of 3 steps)',
      'ME (mean of 3 steps)',
    ]);
    expect(total.points).toHaveLength(Math.ceil(count / 3));
    expect(total.points.length).toBeLessThanOrEqual(MAX_LOSS_POINTS);
    // steps 0,1,2 have totals 1,2,3: their mean 2 at step 1
    expect(total.points[0]).toEqual([1, 2]);
    expect(recon.points.every((p) => p[1] === 0.5)).toBe(true);
    expect(me.points.every((p) => p[1] === 0.25)).toBe(true);
    // the last bucket holds the one remaining step
    expect(total.points.at(-1)).toEqual([count - 1, 1 + ((count - 1) % 3)]);
    expect(trainingCurves(steps, [], undefined, { maxPoints: count }).loss.series[0].label).toBe('total');
    expect(() => trainingCurves(steps, [], undefined, { maxPoints: 0 })).toThrow(/maxPoints/);
  });

  it('never averages across an objective switch', () => {
    // 3,000 steps: bucket 3; the switch at step 1,001 falls inside the bucket of steps 999..1001
    const steps = Array.from({ length: 3000 }, (_, i) =>
      i < 1001 ? step(i, { total: 1, recon: 0.5 }, 'me') : step(i, { total: 10, recon: 0.5 }, 'ma'),
    );
    const charts = trainingCurves(steps, []);
    const [total] = charts.loss.series;
    // every mean is of one objective's totals only: 1 or 10, nothing between
    expect(total.points.every((p) => p[1] === 1 || p[1] === 10)).toBe(true);
    const last = total.points.filter((p) => p[1] === 1).at(-1) as readonly [number, number];
    expect(last[0]).toBe(999.5); // the short bucket of the ME phase: steps 999 and 1,000
    expect(charts.loss.options.markers).toEqual([{ x: 1001, label: 'L_ME -> L_MA' }]);
  });

  it('plots validation PSNR against the step, like the loss', () => {
    const validations = [
      { epoch: 4, step: 200, psnr: 20, ssim: 0.5, scenes: [], seconds: 1 },
      { epoch: 9, step: 400, psnr: 21, ssim: 0.6, scenes: [], seconds: 1 },
    ] satisfies ValidationRecord[];
    const charts = trainingCurves([], validations);
    expect(charts.validation.series[0].points).toEqual([
      [200, 20],
      [400, 21],
    ]);
    expect(charts.validation.options.xLabel).toBe('step');
  });
});
