import { uniformArray } from '@s2cassi/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SimdPool, simdOn, splitRange } from './_simd-module';
import { startSimdPool } from './_simd-pool-node';

describe('splitRange', () => {
  it('covers [0, total) with contiguous, aligned ranges, fewer when there is little work', () => {
    expect(splitRange(10, 2)).toEqual([
      [0, 5],
      [5, 10],
    ]);
    expect(splitRange(61, 2, 4)).toEqual([
      [0, 32],
      [32, 61],
    ]);
    expect(splitRange(3, 4)).toEqual([
      [0, 1],
      [1, 2],
      [2, 3],
    ]);
    expect(splitRange(5, 3, 8)).toEqual([[0, 5]]);
    for (const [total, parts, align] of [
      [100003, 2, 4],
      [6, 5, 1],
      [1, 8, 4],
      [4097, 7, 16],
    ]) {
      const ranges = splitRange(total, parts, align);
      expect(ranges[0][0]).toBe(0);
      expect(ranges.at(-1)?.[1]).toBe(total);
      for (let i = 1; i < ranges.length; i++) {
        expect(ranges[i][0]).toBe(ranges[i - 1][1]);
        expect(ranges[i][0] % align).toBe(0);
      }
      expect(ranges.length).toBeLessThanOrEqual(parts);
    }
  });
});

describe('SIMD worker pool (Node worker threads on a shared memory)', () => {
  const memory = new WebAssembly.Memory({ initial: 64, maximum: 256, shared: true });
  let pool: SimdPool;
  beforeAll(async () => {
    pool = await startSimdPool(memory, 3);
  });
  afterAll(async () => {
    await pool.close();
  });

  it('refuses a memory that is not shared and fewer than two threads', async () => {
    await expect(startSimdPool(new WebAssembly.Memory({ initial: 1 }), 2)).rejects.toThrow(
      /shared WebAssembly.Memory/,
    );
    await expect(startSimdPool(memory, 1)).rejects.toThrow(/threads must be an integer >= 2, got 1/);
  });

  it('splits erf and a matrix product across three threads with the single-threaded results', () => {
    const heap = new Float32Array(memory.buffer);
    const count = 10001;
    heap.set(uniformArray(count, 31, -3, 3), 0);
    simdOn(memory).erf(0, 4 * 20000, count);
    pool.run(
      'erf',
      splitRange(count, 3, 4).map(([s, e]) => [s * 4, 4 * (40000 + s), e - s]),
    );
    expect(Array.from(heap.subarray(40000, 40000 + count))).toEqual(
      Array.from(heap.subarray(20000, 20000 + count)),
    );

    // C = A B for 9 products of [13 x 17] x [17 x 11]: by batch on three threads, then whole on one
    const [m, k, n, batch] = [13, 17, 11, 9];
    const [a, b, c1, c2] = [60000, 62000, 64000, 66000];
    heap.set(uniformArray(batch * m * k, 32, -1, 1), a);
    heap.set(uniformArray(batch * k * n, 33, -1, 1), b);
    simdOn(memory).matmul(a * 4, b * 4, c1 * 4, batch, m, k, n, m * k * 4, k * n * 4, 0);
    pool.run(
      'matmul',
      splitRange(batch, 3).map(([t0, t1]) => [
        (a + t0 * m * k) * 4,
        (b + t0 * k * n) * 4,
        (c2 + t0 * m * n) * 4,
        t1 - t0,
        m,
        k,
        n,
        m * k * 4,
        k * n * 4,
        0,
      ]),
    );
    const size = batch * m * n;
    expect(Array.from(heap.subarray(c2, c2 + size))).toEqual(Array.from(heap.subarray(c1, c1 + size)));
    // and the first product by blocks of rows (gemm), A read transposed
    simdOn(memory).matmul(a * 4, b * 4, c1 * 4, 1, m, k, n, 0, 0, 1);
    pool.run(
      'gemm',
      splitRange(m, 3, 4).map(([i0, i1]) => [
        (a + i0) * 4,
        b * 4,
        (c2 + i0 * n) * 4,
        i1 - i0,
        k,
        n,
        4,
        m * 4,
      ]),
    );
    expect(Array.from(heap.subarray(c2, c2 + m * n))).toEqual(Array.from(heap.subarray(c1, c1 + m * n)));
    // gemmBias by blocks of rows (A not transposed) equals one call, and a float64 loop of A B + bias
    const bias = 68000;
    heap.set(uniformArray(n, 34, -2, 2), bias);
    simdOn(memory).gemmBias(a * 4, b * 4, c1 * 4, m, k, n, k * 4, 4, bias * 4);
    pool.run(
      'gemmBias',
      splitRange(m, 3, 4).map(([i0, i1]) => [
        (a + i0 * k) * 4,
        b * 4,
        (c2 + i0 * n) * 4,
        i1 - i0,
        k,
        n,
        k * 4,
        4,
        bias * 4,
      ]),
    );
    expect(Array.from(heap.subarray(c2, c2 + m * n))).toEqual(Array.from(heap.subarray(c1, c1 + m * n)));
    for (let i = 0; i < m; i++)
      for (let j = 0; j < n; j++) {
        let sum = heap[bias + j];
        for (let p = 0; p < k; p++) sum += heap[a + i * k + p] * heap[b + p * n + j];
        expect(Math.abs(heap[c1 + i * n + j] - sum)).toBeLessThan(1e-5);
      }
  });

  it('splits the fused LayerNorm gradient and attention backward by rows / windows with per-thread partial sums', () => {
    const heap = new Float32Array(memory.buffer);
    const ints = new Int32Array(memory.buffer);
    let next = 100000; // floats; a bump allocator above the other tests' data
    const alloc = (floats: number) => {
      const at = next;
      next += floats + 4;
      return at;
    };
    const sumRows = (at: number, rows: number, cols: number) =>
      Array.from({ length: cols }, (_, c) => {
        let sum = 0;
        for (let r = 0; r < rows; r++) sum += heap[at + r * cols + c];
        return sum;
      });

    // LayerNorm: 23 rows of 7
    const [rows, cols] = [23, 7];
    const x = alloc(rows * cols);
    const gamma = alloc(cols);
    const beta = alloc(cols);
    const y = alloc(rows * cols);
    const stats = alloc(2 * rows);
    const dy = alloc(rows * cols);
    const dx1 = alloc(rows * cols);
    const dx3 = alloc(rows * cols);
    const partial1 = alloc(2 * cols);
    const partial3 = alloc(3 * 2 * cols);
    heap.set(uniformArray(rows * cols, 41, -2, 2), x);
    heap.set(uniformArray(cols, 42, 0.5, 1.5), gamma);
    heap.set(uniformArray(cols, 43, -1, 1), beta);
    heap.set(uniformArray(rows * cols, 44, -1, 1), dy);
    const epsBits = new Int32Array(new Float32Array([1e-5]).buffer)[0];
    simdOn(memory).layerNorm(x * 4, gamma * 4, beta * 4, y * 4, stats * 4, rows, cols, epsBits);
    simdOn(memory).layerNormGrad(x * 4, gamma * 4, stats * 4, dy * 4, dx1 * 4, partial1 * 4, rows, cols);
    pool.run(
      'layerNormGrad',
      splitRange(rows, 3).map(([r0, r1], part) => [
        (x + r0 * cols) * 4,
        gamma * 4,
        (stats + 2 * r0) * 4,
        (dy + r0 * cols) * 4,
        (dx3 + r0 * cols) * 4,
        (partial3 + part * 2 * cols) * 4,
        r1 - r0,
        cols,
      ]),
    );
    expect(Array.from(heap.subarray(dx3, dx3 + rows * cols))).toEqual(
      Array.from(heap.subarray(dx1, dx1 + rows * cols)),
    );
    const split = sumRows(partial3, 3, 2 * cols);
    const whole = Array.from(heap.subarray(partial1, partial1 + 2 * cols));
    for (let i = 0; i < 2 * cols; i++) expect(split[i]).toBeCloseTo(whole[i], 5);

    // Attention: 6 windows of P = 9 tokens, T = 2 heads of Ch = 3, a mask of 2 windows
    const [windows, p, t, ch, maskWindows] = [6, 9, 2, 3, 2];
    const c = t * ch;
    const qkv = alloc(windows * p * 3 * c);
    const out = alloc(windows * p * c);
    const attnStats = alloc(windows * t * p * 2);
    const bias = alloc(t * p * p);
    const mask = alloc(maskWindows * p * p);
    const scale = alloc(t);
    const scratchFloats = 2 * p * p + p * ch + p;
    const scratch = alloc(3 * scratchFloats);
    const dOut = alloc(windows * p * c);
    const dqkv1 = alloc(windows * p * 3 * c);
    const dqkv3 = alloc(windows * p * 3 * c);
    const partialFloats = t * p * p + t;
    const attnPartial1 = alloc(partialFloats);
    const attnPartial3 = alloc(3 * partialFloats);
    heap.set(uniformArray(windows * p * 3 * c, 51, -1, 1), qkv);
    heap.set(uniformArray(t * p * p, 52, -0.5, 0.5), bias);
    heap.set(
      uniformArray(maskWindows * p * p, 53, 0, 1).map((v) => (v > 0.7 ? -100 : 0)),
      mask,
    );
    heap.set([0.4, 0.6], scale);
    heap.set(uniformArray(windows * p * c, 54, -1, 1), dOut);
    const descriptor = (output: number, dqkv: number, partial: number) => {
      const at = alloc(16);
      ints.set(
        [qkv, output, attnStats, bias, mask, scale]
          .map((f) => f * 4)
          .concat([
            t,
            p,
            ch,
            maskWindows,
            scratch * 4,
            scratchFloats * 4,
            dqkv * 4,
            partial * 4,
            partialFloats * 4,
          ]),
        at,
      );
      return at * 4;
    };
    simdOn(memory).attnFwd(descriptor(out, 0, 0), 0, windows, 0);
    simdOn(memory).attnBwd(descriptor(dOut, dqkv1, attnPartial1), 0, windows, 0);
    const backward = descriptor(dOut, dqkv3, attnPartial3);
    pool.run(
      'attnBwd',
      splitRange(windows, 3).map(([w0, w1], part) => [backward, w0, w1, part]),
    );
    const size = windows * p * 3 * c;
    expect(Array.from(heap.subarray(dqkv3, dqkv3 + size))).toEqual(
      Array.from(heap.subarray(dqkv1, dqkv1 + size)),
    );
    const attnSplit = sumRows(attnPartial3, 3, partialFloats);
    const attnWhole = Array.from(heap.subarray(attnPartial1, attnPartial1 + partialFloats));
    for (let i = 0; i < partialFloats; i++) expect(attnSplit[i]).toBeCloseTo(attnWhole[i], 5);
  });

  it('splits the fused spectral attention forward and backward by windows with per-thread partial sums', () => {
    const heap = new Float32Array(memory.buffer);
    const ints = new Int32Array(memory.buffer);
    let next = 200000; // floats; a bump allocator above the other tests' data
    const alloc = (floats: number) => {
      const at = next;
      next += floats + 4;
      return at;
    };
    // 7 windows of P = 9 tokens, T = 2 heads of Ch = 5, both products
    const [windows, p, t, ch] = [7, 9, 2, 5];
    const c = t * ch;
    const qkv = alloc(windows * p * 3 * c);
    const bias = alloc(t * ch * ch);
    const scale = alloc(t);
    const dOut = alloc(windows * p * c);
    const scratchFloats = 4 * ch * ch;
    const partialFloats = t * ch * ch + t;
    heap.set(uniformArray(windows * p * 3 * c, 61, -1, 1), qkv);
    heap.set(uniformArray(t * ch * ch, 62, -0.5, 0.5), bias);
    heap.set([0.3, 0.2], scale);
    heap.set(uniformArray(windows * p * c, 63, -1, 1), dOut);
    for (const transpose of [0, 1]) {
      const out1 = alloc(windows * p * c);
      const out3 = alloc(windows * p * c);
      const stats = alloc(windows * t * ch * 2);
      const scratch = alloc(3 * scratchFloats);
      const dqkv1 = alloc(windows * p * 3 * c);
      const dqkv3 = alloc(windows * p * 3 * c);
      const partial1 = alloc(partialFloats);
      const partial3 = alloc(3 * partialFloats);
      const descriptor = (output: number, dqkv: number, partial: number) => {
        const at = alloc(16);
        ints.set(
          [qkv * 4, output * 4, stats * 4, bias * 4, transpose, scale * 4, t, p, ch, 0, scratch * 4].concat([
            scratchFloats * 4,
            dqkv * 4,
            partial * 4,
            partialFloats * 4,
          ]),
          at,
        );
        return at * 4;
      };
      simdOn(memory).spectralFwd(descriptor(out1, 0, 0), 0, windows, 0);
      const forward = descriptor(out3, 0, 0);
      pool.run(
        'spectralFwd',
        splitRange(windows, 3).map(([w0, w1], part) => [forward, w0, w1, part]),
      );
      expect(Array.from(heap.subarray(out3, out3 + windows * p * c))).toEqual(
        Array.from(heap.subarray(out1, out1 + windows * p * c)),
      );
      simdOn(memory).spectralBwd(descriptor(dOut, dqkv1, partial1), 0, windows, 0);
      const backward = descriptor(dOut, dqkv3, partial3);
      pool.run(
        'spectralBwd',
        splitRange(windows, 3).map(([w0, w1], part) => [backward, w0, w1, part]),
      );
      const size = windows * p * 3 * c;
      expect(Array.from(heap.subarray(dqkv3, dqkv3 + size))).toEqual(
        Array.from(heap.subarray(dqkv1, dqkv1 + size)),
      );
      const whole = Array.from(heap.subarray(partial1, partial1 + partialFloats));
      for (let i = 0; i < partialFloats; i++) {
        let sum = 0;
        for (let r = 0; r < 3; r++) sum += heap[partial3 + r * partialFloats + i];
        expect(sum).toBeCloseTo(whole[i], 5);
      }
    }
  });

  it('reports a part that traps as an error (in whichever thread claimed it), and keeps working afterwards', () => {
    const outOfBounds = memory.buffer.byteLength + 1024;
    for (let trial = 0; trial < 20; trial++) {
      expect(() =>
        pool.run('erf', [
          [0, 4096, 4],
          [0, outOfBounds, 4],
          [0, 8192, 4],
        ]),
      ).toThrow(/erf failed in a worker thread \(part 1\)|memory access out of bounds/);
    }
    expect(() =>
      pool.run(
        'erf',
        Array.from({ length: 65 }, () => [0, 4096, 4]),
      ),
    ).toThrow(/65 parts \(at most 64\)/);
    pool.run('erf', [
      [0, 4096, 4],
      [16, 4112, 4],
    ]);
  });

  it('runs every part, and returns only after all of them, when there are more parts than threads, call after call', () => {
    const heap = new Float32Array(memory.buffer);
    const [input, output, parts, width] = [100000, 110000, 13, 12];
    const count = parts * width;
    heap.set(uniformArray(count, 35, -2, 2), input);
    const expected = new Float32Array(count);
    simdOn(memory).erf(input * 4, 120000 * 4, count);
    expected.set(heap.subarray(120000, 120000 + count));
    const split = Array.from({ length: parts }, (_, p) => [
      (input + p * width) * 4,
      (output + p * width) * 4,
      width,
    ]);
    let wrong = 0;
    for (let call = 0; call < 2000; call++) {
      heap.fill(Number.NaN, output, output + count);
      pool.run('erf', split);
      for (let i = 0; i < count; i++) if (heap[output + i] !== expected[i]) wrong++;
    }
    expect(wrong).toBe(0);
    // a k-blocked kernel: gemm over 40 row blocks of 4 (two threads running one part at once would corrupt C)
    const [m, k, n] = [160, 300, 24];
    const [a, b, c1, c2] = [130000, 180000, 190000, 200000];
    heap.set(uniformArray(m * k, 36, -1, 1), a);
    heap.set(uniformArray(k * n, 37, -1, 1), b);
    simdOn(memory).gemm(a * 4, b * 4, c1 * 4, m, k, n, k * 4, 4);
    for (let call = 0; call < 50; call++) {
      heap.fill(Number.NaN, c2, c2 + m * n);
      pool.run(
        'gemm',
        splitRange(m, 40, 4).map(([i0, i1]) => [
          (a + i0 * k) * 4,
          b * 4,
          (c2 + i0 * n) * 4,
          i1 - i0,
          k,
          n,
          k * 4,
          4,
        ]),
      );
      expect(Array.from(heap.subarray(c2, c2 + m * n))).toEqual(Array.from(heap.subarray(c1, c1 + m * n)));
    }
  });
});
