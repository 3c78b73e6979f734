import { CassiInputError } from './_validate';

/**
 * The complete, JSON-serialisable state of a {@link Random} generator. Storing it and passing it back to
 * {@link createRandom} continues the exact same sequence (the trainer uses this for exact resume).
 */
export interface RandomState {
  /** Always `'xoshiro128**'`. */
  algorithm: 'xoshiro128**';
  /** The four 32-bit words of the xoshiro128** state, as unsigned integers. */
  words: [number, number, number, number];
  /** The second normal deviate of the last Box-Muller pair, not yet handed out (or null). */
  spareNormal: number | null;
}

/**
 * A seeded pseudo-random generator in pure TypeScript (xoshiro128**, Blackman & Vigna 2018, seeded through
 * splitmix32), independent of the tfjs backend, so that noise and masks are identical on `cpu`, `wasm`,
 * `webgl` and `webgpu`.
 */
export interface Random {
  /** A uniform double in [0, 1) with 53 random bits. */
  uniform(): number;
  /** A uniform double in [low, high). */
  uniform(low: number, high: number): number;
  /** A uniform integer in [low, high) (both integers, high > low, span <= 2^32). */
  integer(low: number, high: number): number;
  /** A normal deviate (Box-Muller, polar-free form; the pair's second value is cached in the state). */
  normal(mean?: number, std?: number): number;
  /**
   * A Binomial(n, p) deviate, n a non-negative integer (exact up to 2^53), p in [0, 1].
   * Exact inversion (sequential search on the pmf) when min(p, 1-p) * n < 10; otherwise Hörmann's BTRS
   * (transformed rejection with squeeze, "The generation of binomial random variates", J. Stat. Comput.
   * Simul. 46, 1993), an exact rejection sampler whose acceptance test uses a Stirling series for log k!
   * accurate to ~1e-13, which is what shot noise with counts up to ~1e5 needs.
   */
  binomial(n: number, p: number): number;
  /** Fills `out` with normal deviates N(mean, std^2) and returns it. */
  fillNormal<T extends Float32Array | Float64Array>(out: T, mean?: number, std?: number): T;
  /** Fills `out` with uniform deviates in [low, high) and returns it. */
  fillUniform<T extends Float32Array | Float64Array>(out: T, low?: number, high?: number): T;
  /** A copy of the current state; `createRandom(state)` continues from here. */
  state(): RandomState;
  /** Replaces the state with a copy of `state` (as returned by `state()`). */
  setState(state: RandomState): void;
}

const TWO_POW_32 = 4294967296;
const TWO_POW_53 = 9007199254740992;

function splitmix32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x9e3779b9) >>> 0;
    let z = a;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
}

function seedWords(seed: number): [number, number, number, number] {
  if (typeof seed !== 'number' || !Number.isSafeInteger(seed) || seed < 0) {
    throw new CassiInputError(`seed: expected a non-negative safe integer, got ${String(seed)}`);
  }
  // Mix both 32-bit halves of the seed so that seeds above 2^32 differ too.
  const low = seed >>> 0;
  const high = Math.floor(seed / TWO_POW_32) >>> 0;
  const next = splitmix32(low ^ Math.imul(high, 0x27d4eb2d));
  const words: [number, number, number, number] = [next(), next(), next(), next()];
  if ((words[0] | words[1] | words[2] | words[3]) === 0) words[0] = 1;
  return words;
}

function validateState(state: unknown): RandomState {
  const s = state as RandomState;
  const wordsOk =
    s !== null &&
    typeof s === 'object' &&
    s.algorithm === 'xoshiro128**' &&
    Array.isArray(s.words) &&
    s.words.length === 4 &&
    s.words.every((w) => Number.isInteger(w) && w >= 0 && w < TWO_POW_32) &&
    s.words.some((w) => w !== 0);
  const spareOk =
    s?.spareNormal === null || (typeof s?.spareNormal === 'number' && Number.isFinite(s.spareNormal));
  if (!wordsOk || !spareOk) {
    throw new CassiInputError(
      `random state: expected { algorithm: 'xoshiro128**', words: four uint32 (not all 0), spareNormal: number | null }, got ${JSON.stringify(state)}`,
    );
  }
  return {
    algorithm: 'xoshiro128**',
    words: [...s.words] as RandomState['words'],
    spareNormal: s.spareNormal,
  };
}

/** log(k!) for k = 0..9, exactly rounded. */
const LOG_FACTORIAL_TABLE = [
  0,
  0,
  Math.LN2,
  1.791759469228055,
  3.1780538303479458,
  4.787491742782046,
  6.579251212010101,
  8.525161361065415,
  10.60460290274525,
  12.801827480081469,
];

/** log(k!) = lgamma(k + 1): a table below 10, the Stirling series (error < 1e-13) above. */
export function logFactorial(k: number): number {
  if (k < 10) return LOG_FACTORIAL_TABLE[k];
  const x = k + 1;
  const inv = 1 / x;
  const inv2 = inv * inv;
  return (
    (x - 0.5) * Math.log(x) -
    x +
    0.9189385332046728 + // 0.5 * log(2 pi)
    inv * (1 / 12 - inv2 * (1 / 360 - inv2 * (1 / 1260 - inv2 / 1680)))
  );
}

/**
 * Creates a seeded generator.
 *
 * @param seed a non-negative safe integer, or a state previously returned by `random.state()` (restores it).
 */
export function createRandom(seed: number | RandomState = 0): Random {
  let s: [number, number, number, number];
  let spareNormal: number | null = null;
  if (typeof seed === 'object') {
    const restored = validateState(seed);
    s = restored.words;
    spareNormal = restored.spareNormal;
  } else {
    s = seedWords(seed);
  }

  /** xoshiro128**: one uint32. */
  const nextUint32 = (): number => {
    const result = Math.imul(rotl(Math.imul(s[1], 5), 7), 9) >>> 0;
    const t = s[1] << 9;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 11);
    s[0] >>>= 0;
    s[1] >>>= 0;
    s[2] >>>= 0;
    s[3] >>>= 0;
    return result;
  };
  const next53 = (): number => ((nextUint32() >>> 5) * 67108864 + (nextUint32() >>> 6)) / TWO_POW_53;

  const standardNormal = (): number => {
    if (spareNormal !== null) {
      const value = spareNormal;
      spareNormal = null;
      return value;
    }
    // u1 in (0, 1] so that log(u1) is finite.
    const u1 = 1 - next53();
    const u2 = next53();
    const radius = Math.sqrt(-2 * Math.log(u1));
    const angle = 2 * Math.PI * u2;
    spareNormal = radius * Math.sin(angle);
    return radius * Math.cos(angle);
  };

  /** Inversion: exact, used when n * p < 10 (p <= 0.5). */
  const binomialInversion = (n: number, p: number): number => {
    const q = 1 - p;
    const qn = Math.exp(n * Math.log1p(-p));
    const ratio = p / q;
    const mean = n * p;
    const bound = Math.min(n, Math.floor(mean + 10 * Math.sqrt(mean * q + 1)));
    for (;;) {
      let x = 0;
      let px = qn;
      let u = next53();
      while (u > px) {
        u -= px;
        x += 1;
        if (x > bound) break;
        px *= ((n - x + 1) * ratio) / x;
      }
      if (x <= bound) return x;
    }
  };

  /** BTRS (Hörmann 1993), p <= 0.5 and n * p >= 10. */
  const binomialBtrs = (n: number, p: number): number => {
    const q = 1 - p;
    const spq = Math.sqrt(n * p * q);
    const b = 1.15 + 2.53 * spq;
    const a = -0.0873 + 0.0248 * b + 0.01 * p;
    const c = n * p + 0.5;
    const vr = 0.92 - 4.2 / b;
    const alpha = (2.83 + 5.1 / b) * spq;
    const lpq = Math.log(p / q);
    const m = Math.floor((n + 1) * p);
    const h = logFactorial(m) + logFactorial(n - m);
    for (;;) {
      const u = next53() - 0.5;
      let v = next53();
      const us = 0.5 - Math.abs(u);
      const k = Math.floor(((2 * a) / us + b) * u + c);
      if (k < 0 || k > n) continue;
      if (us >= 0.07 && v <= vr) return k;
      v = Math.log((v * alpha) / (a / (us * us) + b));
      if (v <= h - logFactorial(k) - logFactorial(n - k) + (k - m) * lpq) return k;
    }
  };

  const random: Random = {
    uniform(low?: number, high?: number): number {
      const u = next53();
      if (low === undefined && high === undefined) return u;
      const lo = low ?? 0;
      const hi = high ?? 1;
      if (!Number.isFinite(lo) || !Number.isFinite(hi) || !(hi >= lo)) {
        throw new CassiInputError(`uniform: expected finite low <= high, got low ${lo}, high ${hi}`);
      }
      return lo + (hi - lo) * u;
    },
    integer(low: number, high: number): number {
      if (
        !Number.isSafeInteger(low) ||
        !Number.isSafeInteger(high) ||
        high <= low ||
        high - low > TWO_POW_32
      ) {
        throw new CassiInputError(
          `integer: expected integers low < high with high - low <= 2^32, got low ${low}, high ${high}`,
        );
      }
      const span = high - low;
      // Rejection sampling: unbiased for every span.
      const limit = TWO_POW_32 - (TWO_POW_32 % span);
      for (;;) {
        const x = nextUint32();
        if (x < limit) return low + (x % span);
      }
    },
    normal(mean = 0, std = 1): number {
      if (!Number.isFinite(mean) || !Number.isFinite(std) || std < 0) {
        throw new CassiInputError(`normal: expected finite mean and std >= 0, got mean ${mean}, std ${std}`);
      }
      return mean + std * standardNormal();
    },
    binomial(n: number, p: number): number {
      if (!Number.isSafeInteger(n) || n < 0) {
        throw new CassiInputError(`binomial: expected a non-negative integer count n, got ${n}`);
      }
      if (!(p >= 0 && p <= 1)) {
        throw new CassiInputError(`binomial: expected a probability p in [0, 1], got ${p}`);
      }
      if (n === 0 || p === 0) return 0;
      if (p === 1) return n;
      const flipped = p > 0.5;
      const pp = flipped ? 1 - p : p;
      const k = n * pp < 10 ? binomialInversion(n, pp) : binomialBtrs(n, pp);
      return flipped ? n - k : k;
    },
    fillNormal<T extends Float32Array | Float64Array>(out: T, mean = 0, std = 1): T {
      if (!Number.isFinite(mean) || !Number.isFinite(std) || std < 0) {
        throw new CassiInputError(
          `fillNormal: expected finite mean and std >= 0, got mean ${mean}, std ${std}`,
        );
      }
      for (let i = 0; i < out.length; i++) out[i] = mean + std * standardNormal();
      return out;
    },
    fillUniform<T extends Float32Array | Float64Array>(out: T, low = 0, high = 1): T {
      if (!Number.isFinite(low) || !Number.isFinite(high) || !(high >= low)) {
        throw new CassiInputError(`fillUniform: expected finite low <= high, got low ${low}, high ${high}`);
      }
      for (let i = 0; i < out.length; i++) out[i] = low + (high - low) * next53();
      return out;
    },
    state(): RandomState {
      return { algorithm: 'xoshiro128**', words: [s[0], s[1], s[2], s[3]], spareNormal };
    },
    setState(state: RandomState): void {
      const restored = validateState(state);
      s = restored.words;
      spareNormal = restored.spareNormal;
    },
  };
  return random;
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}
