import { describe, expect, it } from 'vitest';
import { CassiInputError } from './_validate';
import { createRandom, logFactorial } from './random';

/** Exact Binomial(n, p) pmf by the recursion in log space (independent of the sampler). */
function binomialPmf(n: number, p: number): number[] {
  const out: number[] = [];
  let logTerm = n * Math.log1p(-p);
  for (let k = 0; k <= n; k++) {
    out.push(Math.exp(logTerm));
    logTerm += Math.log((n - k) / (k + 1)) + Math.log(p / (1 - p));
  }
  return out;
}

function meanAndVariance(values: ArrayLike<number>): [number, number] {
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += values[i];
  const mean = sum / values.length;
  let squares = 0;
  for (let i = 0; i < values.length; i++) squares += (values[i] - mean) ** 2;
  return [mean, squares / (values.length - 1)];
}

describe('createRandom', () => {
  it('is reproducible from a seed and different for different seeds', () => {
    const a = createRandom(42);
    const b = createRandom(42);
    const c = createRandom(43);
    const seqA = Array.from({ length: 20 }, () => a.uniform());
    const seqB = Array.from({ length: 20 }, () => b.uniform());
    const seqC = Array.from({ length: 20 }, () => c.uniform());
    expect(seqA).toEqual(seqB);
    expect(seqA).not.toEqual(seqC);
    // Seeds above 2^32 are distinct too.
    expect(createRandom(2 ** 32 + 42).uniform()).not.toBe(createRandom(42).uniform());
  });

  it('continues exactly from a stored (JSON round-tripped) state, including the cached normal', () => {
    const random = createRandom(7);
    random.normal(); // leaves the pair's second value cached
    random.binomial(1000, 0.3);
    const stored = JSON.parse(JSON.stringify(random.state()));
    expect(stored.spareNormal).not.toBeNull();
    const draw = (r: ReturnType<typeof createRandom>) => [
      r.normal(),
      r.normal(),
      r.uniform(),
      r.binomial(50_000, 0.4),
      r.binomial(12, 0.7),
      r.integer(0, 10),
    ];
    const expected = draw(random);
    expect(draw(createRandom(stored))).toEqual(expected);
    const other = createRandom(999);
    other.setState(stored);
    expect(draw(other)).toEqual(expected);
  });

  it('uniform: values in [0, 1), mean 1/2 and variance 1/12', () => {
    const random = createRandom(1);
    const values = random.fillUniform(new Float64Array(200_000));
    let min = 1;
    let max = 0;
    for (const v of values) {
      min = Math.min(min, v);
      max = Math.max(max, v);
    }
    expect(min).toBeGreaterThanOrEqual(0);
    expect(max).toBeLessThan(1);
    const [mean, variance] = meanAndVariance(values);
    expect(Math.abs(mean - 0.5)).toBeLessThan(0.003);
    expect(Math.abs(variance - 1 / 12)).toBeLessThan(0.001);
    expect(random.uniform(2, 3)).toBeGreaterThanOrEqual(2);
  });

  it('integer: unbiased over a span that does not divide 2^32', () => {
    const random = createRandom(3);
    const counts = new Array(7).fill(0);
    const draws = 70_000;
    for (let i = 0; i < draws; i++) counts[random.integer(-3, 4) + 3]++;
    // chi-square with 6 degrees of freedom: P(> 22.5) ~ 0.001
    const chi = counts.reduce((s, c) => s + (c - draws / 7) ** 2 / (draws / 7), 0);
    expect(chi).toBeLessThan(22.5);
  });

  it('normal (Box-Muller): mean, variance, and tail mass match N(0, 1)', () => {
    const random = createRandom(5);
    const values = random.fillNormal(new Float64Array(200_000));
    const [mean, variance] = meanAndVariance(values);
    expect(Math.abs(mean)).toBeLessThan(0.01);
    expect(Math.abs(variance - 1)).toBeLessThan(0.015);
    // P(|Z| > 2) = 0.0455
    const tail = values.filter((v) => Math.abs(v) > 2).length / values.length;
    expect(Math.abs(tail - 0.0455)).toBeLessThan(0.003);
    const scaled = createRandom(5).normal(3, 2);
    expect(scaled).toBeCloseTo(3 + 2 * values[0], 12);
  });

  it('logFactorial matches exact sums of logs', () => {
    for (const k of [0, 1, 5, 9, 10, 11, 50, 1000, 123_456]) {
      let exact = 0;
      for (let i = 2; i <= k; i++) exact += Math.log(i);
      expect(Math.abs(logFactorial(k) - exact)).toBeLessThan(1e-9 * Math.max(1, exact));
    }
  });

  // Each (n, p) exercises one branch: inversion (n p < 10), BTRS (n p >= 10), and the p > 1/2 flip.
  for (const [n, p] of [
    [10, 0.3],
    [40, 0.2],
    [100, 0.4],
    [60, 0.85],
  ] as const) {
    it(`binomial(${n}, ${p}) follows the exact pmf (chi-square)`, () => {
      const random = createRandom(11);
      const draws = 100_000;
      const counts = new Array(n + 1).fill(0);
      for (let i = 0; i < draws; i++) counts[random.binomial(n, p)]++;
      const pmf = binomialPmf(n, p);
      // Pool the cells with expected count < 20 into one.
      let chi = 0;
      let bins = 0;
      let pooledObserved = 0;
      let pooledExpected = 0;
      for (let k = 0; k <= n; k++) {
        const expected = pmf[k] * draws;
        if (expected < 20) {
          pooledObserved += counts[k];
          pooledExpected += expected;
        } else {
          chi += (counts[k] - expected) ** 2 / expected;
          bins++;
        }
      }
      if (pooledExpected > 0) {
        chi += (pooledObserved - pooledExpected) ** 2 / pooledExpected;
        bins++;
      }
      // Wilson-Hilferty: the 99.9 % quantile of chi-square(df) is below df + 4.5 sqrt(2 df) + 10.
      const df = bins - 1;
      expect(chi).toBeLessThan(df + 4.5 * Math.sqrt(2 * df) + 10);
    });
  }

  it('binomial with shot-noise sized counts (n ~ 1e5) has mean n p and variance n p (1 - p)', () => {
    const random = createRandom(12);
    const n = 123_456;
    const p = 0.4;
    const values = new Float64Array(50_000);
    for (let i = 0; i < values.length; i++) values[i] = random.binomial(n, p);
    const [mean, variance] = meanAndVariance(values);
    const sd = Math.sqrt(n * p * (1 - p));
    expect(Math.abs(mean - n * p)).toBeLessThan((4 * sd) / Math.sqrt(values.length));
    expect(Math.abs(variance / (n * p * (1 - p)) - 1)).toBeLessThan(0.03);
  });

  it('binomial edge cases', () => {
    const random = createRandom(0);
    expect(random.binomial(0, 0.4)).toBe(0);
    expect(random.binomial(100, 0)).toBe(0);
    expect(random.binomial(100, 1)).toBe(100);
    for (let i = 0; i < 1000; i++) {
      const k = random.binomial(3, 0.5);
      expect(k >= 0 && k <= 3 && Number.isInteger(k)).toBe(true);
    }
  });

  it('rejects bad seeds, states and parameters with CassiInputError', () => {
    expect(() => createRandom(-1)).toThrow(/seed: expected a non-negative safe integer, got -1/);
    expect(() => createRandom(1.5)).toThrow(CassiInputError);
    expect(() => createRandom({ algorithm: 'xoshiro128**', words: [0, 0, 0, 0], spareNormal: null })).toThrow(
      /random state/,
    );
    expect(() => createRandom({ words: [1, 2] } as never)).toThrow(/random state/);
    const random = createRandom(1);
    expect(() => random.binomial(-1, 0.5)).toThrow(/count n, got -1/);
    expect(() => random.binomial(10, 1.5)).toThrow(/p in \[0, 1\], got 1.5/);
    expect(() => random.binomial(10, Number.NaN)).toThrow(/got NaN/);
    expect(() => random.normal(0, -1)).toThrow(/std >= 0/);
    expect(() => random.integer(5, 5)).toThrow(/low < high/);
  });
});
