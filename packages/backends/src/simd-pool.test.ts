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
  });

  it('reports a part that traps in a worker as an error, and keeps working afterwards', () => {
    const outOfBounds = memory.buffer.byteLength + 1024;
    expect(() =>
      pool.run('erf', [
        [0, 4096, 4],
        [0, outOfBounds, 4],
      ]),
    ).toThrow(/erf failed in worker 1/);
    expect(() =>
      pool.run('erf', [
        [0, 4096, 4],
        [0, 8192, 4],
        [0, 12288, 4],
        [0, 0, 0],
      ]),
    ).toThrow(/4 parts for 3 threads/);
    pool.run('erf', [
      [0, 4096, 4],
      [16, 4112, 4],
    ]);
  });
});
