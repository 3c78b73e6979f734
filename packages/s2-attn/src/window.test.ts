import { describeBackends, expectNoLeaks, maxAbsDiff, uniformArray } from '@s2cassi/testing';
import * as tf from '@tensorflow/tfjs-core';
import { expect, it } from 'vitest';
import { relativePositionIndex, spectralBiasIndex } from './relative-position';
import { cyclicShift, reverseCyclicShift, windowPartition, windowReverse } from './window';
import { shiftedWindowMaskValues } from './window-mask';

const mod = (a: number, n: number) => ((a % n) + n) % n;

describeBackends('window partition and cyclic shift', () => {
  it('windowPartition matches an explicit index loop, and windowReverse inverts it', async () => {
    const [b, h, w, c, m] = [2, 8, 12, 3, 4];
    const data = uniformArray(b * h * w * c, 1);
    const x = tf.tensor4d(data, [b, h, w, c]);
    await expectNoLeaks(() => {
      const windows = windowPartition(x, m);
      expect(windows.shape).toEqual([b * (h / m) * (w / m), m * m, c]);
      const got = windows.dataSync();
      const expected = new Float32Array(got.length);
      let o = 0;
      for (let bi = 0; bi < b; bi++)
        for (let wr = 0; wr < h / m; wr++)
          for (let wc = 0; wc < w / m; wc++)
            for (let t = 0; t < m * m; t++)
              for (let ci = 0; ci < c; ci++) {
                const i = wr * m + Math.floor(t / m);
                const j = wc * m + (t % m);
                expected[o++] = data[((bi * h + i) * w + j) * c + ci];
              }
      expect(maxAbsDiff(got, expected)).toBe(0);
      const back = windowReverse(windows, m, h, w);
      expect(maxAbsDiff(back.dataSync(), data)).toBe(0);
      tf.dispose([windows, back]);
    });
    x.dispose();
  });

  it('cyclicShift equals torch.roll(-s) by index arithmetic, and reverseCyclicShift inverts it', async () => {
    const [b, h, w, c, s] = [1, 8, 12, 2, 3];
    const data = uniformArray(b * h * w * c, 2);
    const x = tf.tensor4d(data, [b, h, w, c]);
    await expectNoLeaks(() => {
      const shifted = cyclicShift(x, s);
      const got = shifted.dataSync();
      let worst = 0;
      for (let i = 0; i < h; i++)
        for (let j = 0; j < w; j++)
          for (let ci = 0; ci < c; ci++) {
            const src = ((mod(i + s, h) * w + mod(j + s, w)) * c + ci) as number;
            worst = Math.max(worst, Math.abs(got[(i * w + j) * c + ci] - data[src]));
          }
      expect(worst).toBe(0);
      const back = reverseCyclicShift(shifted, s);
      expect(maxAbsDiff(back.dataSync(), data)).toBe(0);
      tf.dispose([shifted, back]);
    });
    x.dispose();
  });

  it('rejects sizes that are not multiples of the window', () => {
    const x = tf.zeros([1, 6, 8, 2]);
    expect(() => windowPartition(x, 4)).toThrow(/multiples of the window size 4.*\[1, 6, 8, 2\]/);
    x.dispose();
  });
});

describeBackends('shifted-window mask and bias indices', () => {
  it('shifted-window mask equals a brute-force labelling by wrapped-around origin', () => {
    for (const [h, w, m, s] of [
      [16, 24, 8, 4],
      [8, 8, 4, 2],
      [12, 8, 4, 1],
    ]) {
      const mask = shiftedWindowMaskValues(h, w, m, s);
      // Independent reference: after the roll by -s, pixel (i, j) of the shifted map came from original
      // row (i + s) mod H; tokens may attend to each other only if both rows and both columns are on
      // the same side of the wrap (i.e. were neighbours in the original image).
      const wrappedRow = (i: number) => i + s >= h;
      const wrappedCol = (j: number) => j + s >= w;
      const tokens = m * m;
      let mismatches = 0;
      let masked = 0;
      for (let wr = 0; wr < h / m; wr++)
        for (let wc = 0; wc < w / m; wc++)
          for (let p = 0; p < tokens; p++)
            for (let q = 0; q < tokens; q++) {
              const [ip, jp] = [wr * m + Math.floor(p / m), wc * m + (p % m)];
              const [iq, jq] = [wr * m + Math.floor(q / m), wc * m + (q % m)];
              const separated = wrappedRow(ip) !== wrappedRow(iq) || wrappedCol(jp) !== wrappedCol(jq);
              const expected = separated ? -100 : 0;
              const got = mask[((wr * (w / m) + wc) * tokens + p) * tokens + q];
              if (got !== expected) mismatches++;
              if (separated) masked++;
            }
      expect(mismatches).toBe(0);
      expect(masked).toBeGreaterThan(0);
    }
    expect(shiftedWindowMaskValues(8, 8, 4, 0).every((v) => v === 0)).toBe(true);
  });

  it('relative position index matches (dy + M - 1)(2M - 1) + (dx + M - 1); spectral index i - j + Ch - 1', () => {
    for (const m of [2, 4, 7, 8]) {
      const index = relativePositionIndex(m);
      let bad = 0;
      for (let hp = 0; hp < m; hp++)
        for (let wp = 0; wp < m; wp++)
          for (let hq = 0; hq < m; hq++)
            for (let wq = 0; wq < m; wq++) {
              const expected = (hp - hq + m - 1) * (2 * m - 1) + (wp - wq + m - 1);
              if (index[(hp * m + wp) * m * m + hq * m + wq] !== expected) bad++;
            }
      expect(bad).toBe(0);
      expect(Math.max(...index)).toBe((2 * m - 1) ** 2 - 1);
      expect(Math.min(...index)).toBe(0);
    }
    const spectral = spectralBiasIndex(10);
    expect(spectral[0]).toBe(9);
    expect(spectral[9]).toBe(0); // i = 0, j = 9
    expect(spectral[9 * 10]).toBe(18); // i = 9, j = 0
  });
});
