import { describe, expect, it } from 'vitest';
import { fitLogLinear, readValidations, solveLogLinear, windowMeans } from '../scripts/learning-curve';

describe('learning-curve script', () => {
  it('fitLogLinear recovers an exact y = a + b log2(x) and solveLogLinear inverts it', () => {
    const xs = [1e6, 3e6, 1e7, 4e7, 2e8];
    const ys = xs.map((x) => 3 + 0.75 * Math.log2(x));
    const fit = fitLogLinear(xs, ys);
    expect(fit.a).toBeCloseTo(3, 10);
    expect(fit.b).toBeCloseTo(0.75, 10);
    expect(fit.r2).toBeCloseTo(1, 12);
    expect(solveLogLinear(fit, 3 + 0.75 * Math.log2(5e9)) / 5e9).toBeCloseTo(1, 9);
    // noise lowers R^2 below 1; a flat or falling curve never reaches a higher target
    const noisy = fitLogLinear(
      xs,
      ys.map((y, i) => y + (i % 2 ? 0.3 : -0.3)),
    );
    expect(noisy.r2).toBeLessThan(1);
    expect(noisy.r2).toBeGreaterThan(0.9);
    expect(solveLogLinear({ a: 20, b: 0 }, 21)).toBe(Number.POSITIVE_INFINITY);
    expect(() => fitLogLinear([1], [2])).toThrow(
      'expected at least 2 points of equal count, got 1 x and 1 y',
    );
    expect(() => fitLogLinear([0, 1], [2, 3])).toThrow('expected x > 0, got 0');
  });

  it('readValidations keeps validation records in step order; windowMeans averages each window by hand', () => {
    const log = [
      { type: 'step', step: 1, loss: { total: 1 } },
      { epoch: 1, step: 400, psnr: 22, scenes: [{ name: 'a', psnr: 24, ssim: 0.5 }] },
      { epoch: 1, step: 200, psnr: 20, scenes: [{ name: 'a', psnr: 21, ssim: 0.5 }] },
      { type: 'checkpoint', step: 200, location: 'x' },
      { epoch: 2, step: 1200, psnr: 25, scenes: [{ name: 'a', psnr: 27, ssim: 0.5 }] },
    ]
      .map((r) => JSON.stringify(r))
      .join('\n');
    const records = readValidations(`${log}\n`);
    expect(records.map((r) => r.step)).toEqual([200, 400, 1200]);
    expect(records[0].scenes).toEqual([{ name: 'a', psnr: 21 }]);
    expect(windowMeans(records, 1000, (r) => r.psnr)).toEqual([
      { start: 0, step: 300, count: 2, mean: 21 },
      { start: 1000, step: 1200, count: 1, mean: 25 },
    ]);
    expect(windowMeans(records, 1000, (r) => r.scenes[0].psnr)[0].mean).toBe(22.5);
  });
});
