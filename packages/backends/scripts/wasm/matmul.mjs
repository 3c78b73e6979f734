// The matrix kernels of the SIMD module: `matmul` (BatchMatMul, src/wasm/kernels/batch-mat-mul.ts), `gemm` (one
// product, a block of rows per part; also the stride-1 Conv2DBackpropFilter, src/wasm/kernels/conv2d-backprop-filter.ts)
// and the internal $gemmStrided (B's and C's row strides too; the fused attention kernels read and write heads in place).
//
// matmul(a, b, c, batch, m, k, n, strideA, strideB, transposeA)
//   for each batch index t: C_t = op(A_t) B_t with A_t at a + t * strideA (m x k, or k x m read transposed
//   when transposeA), B_t = k x n at b + t * strideB, C_t = m x n at c + t * m * n * 4; row-major float32,
//   pointers and strides in bytes, k >= 1.
// gemm(a, b, c, m, k, n, sRow, sCol): one product of matmul with A's element (r, p) at a + r * sRow + p * sCol (a
//   block of rows of a larger product, per part).
// gemmBias(a, b, c, m, k, n, sRow, sCol, bias): gemm plus the n floats at bias added to every row of C (C starts as
//   the bias, the product is accumulated onto it): _FusedMatMul, src/wasm/kernels/fused-mat-mul.ts.
// The micro-kernels start their accumulators from zero, from C (later passes of the k-blocking) or from a bias row.
// Blocking: passes of at most 128 steps of p (the slices of A and B stay in cache; later passes add to C),
// each over 4 rows x 8 columns (8 f32x4 accumulators), then 1 x 8, 4 x 4, 1 x 4, and 4 x r / 1 x r for the
// last r = n mod 4 columns (partial vector loads and lane stores). The relaxed-SIMD build accumulates with
// f32x4.relaxed_madd instead of f32x4.mul + f32x4.add.
import { partialLoad, partialStore } from './_wat.mjs';

/**
 * Micro-kernel `$k{rows}x{width}`: a rows x width block of C (width 8 = two vectors, 4 = one, 1-3 = one
 * vector's low lanes) over `k` steps of p. A element (r, p) is at a + r * sRow + p * sCol (so A may be read
 * transposed), B is row-major with n columns, C row-major with n columns. With `acc` set the block is
 * added to C's current values (k-blocking), otherwise C is overwritten.
 */
function kernel(rows, width, relaxed) {
  const vectors = width === 8 ? 2 : 1;
  const lanes = width === 8 ? 4 : width;
  const locals = [];
  for (let r = 0; r < rows; r++) locals.push(`(local $a${r} i32)`);
  for (let r = 0; r < rows; r++) for (let v = 0; v < vectors; v++) locals.push(`(local $acc${r}_${v} v128)`);
  for (let v = 0; v < vectors; v++) locals.push(`(local $b${v} v128)`);
  const body = [];
  body.push('(local.set $a0 (local.get $a))');
  for (let r = 1; r < rows; r++)
    body.push(`(local.set $a${r} (i32.add (local.get $a${r - 1}) (local.get $sRow)))`);
  const init = [];
  for (let r = 0; r < rows; r++) {
    const row =
      r === 0
        ? '(local.get $init)'
        : `(i32.add (local.get $init) (i32.mul (local.get $ldi) (i32.const ${r})))`;
    for (let v = 0; v < vectors; v++) {
      const ptr = v === 0 ? row : `(i32.add ${row} (i32.const ${16 * v}))`;
      init.push(`(local.set $acc${r}_${v} ${partialLoad(lanes, ptr)})`);
    }
  }
  body.push(`(if (local.get $acc) (then\n      ${init.join('\n      ')}))`);
  body.push('(local.set $p (local.get $k))');
  const inner = [];
  for (let v = 0; v < vectors; v++) {
    const ptr = v === 0 ? '(local.get $b)' : `(i32.add (local.get $b) (i32.const ${16 * v}))`;
    inner.push(`(local.set $b${v} ${partialLoad(lanes, ptr)})`);
  }
  for (let r = 0; r < rows; r++) {
    inner.push(`(local.set $s (v128.load32_splat align=4 (local.get $a${r})))`);
    for (let v = 0; v < vectors; v++)
      inner.push(
        relaxed
          ? `(local.set $acc${r}_${v} (f32x4.relaxed_madd (local.get $s) (local.get $b${v}) (local.get $acc${r}_${v})))`
          : `(local.set $acc${r}_${v} (f32x4.add (local.get $acc${r}_${v}) (f32x4.mul (local.get $s) (local.get $b${v}))))`,
      );
    inner.push(`(local.set $a${r} (i32.add (local.get $a${r}) (local.get $sCol)))`);
  }
  inner.push('(local.set $b (i32.add (local.get $b) (local.get $ldb)))');
  inner.push('(local.set $p (i32.sub (local.get $p) (i32.const 1)))');
  inner.push('(br_if $L (local.get $p))');
  body.push(`(loop $L\n      ${inner.join('\n      ')})`);
  for (let r = 0; r < rows; r++) {
    for (let v = 0; v < vectors; v++) {
      const ptr = v === 0 ? '(local.get $c)' : `(i32.add (local.get $c) (i32.const ${16 * v}))`;
      body.push(...partialStore(lanes, ptr, `(local.get $acc${r}_${v})`));
    }
    if (r < rows - 1) body.push('(local.set $c (i32.add (local.get $c) (local.get $ldc)))');
  }
  return `  (func $k${rows}x${width} (param $a i32) (param $b i32) (param $c i32) (param $k i32) (param $ldb i32)
      (param $ldc i32) (param $sRow i32) (param $sCol i32) (param $acc i32) (param $init i32) (param $ldi i32)
    (local $p i32) (local $s v128)
    ${locals.join(' ')}
    ${body.join('\n    ')})`;
}

/** Rows loop for one column block of `width` columns starting at $j: 4-row kernels, then 1-row ones. */
function rowsLoop(width) {
  const call = (rows) => `(call $k${rows}x${width}
          (i32.add (local.get $a) (i32.mul (local.get $i) (local.get $sRow)))
          (i32.add (local.get $b) (i32.shl (local.get $j) (i32.const 2)))
          (i32.add (i32.add (local.get $c) (i32.mul (local.get $i) (local.get $ldc))) (i32.shl (local.get $j) (i32.const 2)))
          (local.get $k) (local.get $ldb) (local.get $ldc) (local.get $sRow) (local.get $sCol) (local.get $acc)
          (i32.add (i32.add (local.get $init) (i32.mul (local.get $i) (local.get $ldi))) (i32.shl (local.get $j) (i32.const 2)))
          (local.get $ldi))`;
  return `
      (local.set $i (i32.const 0))
      (block $R4done (loop $R4
        (br_if $R4done (i32.gt_u (i32.add (local.get $i) (i32.const 4)) (local.get $m)))
        ${call(4)}
        (local.set $i (i32.add (local.get $i) (i32.const 4)))
        (br $R4)))
      (block $R1done (loop $R1
        (br_if $R1done (i32.ge_u (local.get $i) (local.get $m)))
        ${call(1)}
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $R1)))`;
}

/** Steps of p per pass over C: a 128-row slice of B (and of A) stays in cache while every block of C uses it. */
const KC = 128;
/** Rows of A per panel of a pass (a multiple of 4; 64-256 measured alike, 1.3-1.9x the unpanelled pass on [16384, k] x [k, n]). */
const MC = 128;

/**
 * The micro-kernels, $pass, $gemmStrided and the exported `gemm` and `matmul` (`relaxed`: accumulate with
 * f32x4.relaxed_madd).
 */
export function matmulText(relaxed) {
  const kernels = [];
  for (const width of [8, 4, 3, 2, 1]) for (const rows of [4, 1]) kernels.push(kernel(rows, width, relaxed));
  return `${kernels.join('\n')}
  ;; One pass over C for k steps of p (acc: start from the m x n values at $init, rows $ldi bytes apart, instead of
  ;; zero: C itself, or with $ldi = 0 one row repeated, a bias), in panels of at most ${MC} rows: a panel's slice of
  ;; A stays in cache while every column block of C uses it (without panels a tall A streamed from memory once per
  ;; column block).
  (func $pass (param $a i32) (param $b i32) (param $c i32) (param $m i32) (param $k i32) (param $n i32)
      (param $sRow i32) (param $sCol i32) (param $ldb i32) (param $ldc i32) (param $acc i32) (param $init i32)
      (param $ldi i32)
    (local $i0 i32) (local $rows i32)
    (block $done (loop $M
      (br_if $done (i32.ge_u (local.get $i0) (local.get $m)))
      (local.set $rows (i32.sub (local.get $m) (local.get $i0)))
      (if (i32.gt_u (local.get $rows) (i32.const ${MC})) (then (local.set $rows (i32.const ${MC}))))
      (call $panel
        (i32.add (local.get $a) (i32.mul (local.get $i0) (local.get $sRow))) (local.get $b)
        (i32.add (local.get $c) (i32.mul (local.get $i0) (local.get $ldc))) (local.get $rows) (local.get $k) (local.get $n)
        (local.get $sRow) (local.get $sCol) (local.get $ldb) (local.get $ldc) (local.get $acc)
        (i32.add (local.get $init) (i32.mul (local.get $i0) (local.get $ldi))) (local.get $ldi))
      (local.set $i0 (i32.add (local.get $i0) (local.get $rows)))
      (br $M))))
  ;; $pass over one panel of rows.
  (func $panel (param $a i32) (param $b i32) (param $c i32) (param $m i32) (param $k i32) (param $n i32)
      (param $sRow i32) (param $sCol i32) (param $ldb i32) (param $ldc i32) (param $acc i32) (param $init i32)
      (param $ldi i32)
    (local $i i32) (local $j i32)
    (local.set $j (i32.const 0))
    (block $C8done (loop $C8
      (br_if $C8done (i32.gt_u (i32.add (local.get $j) (i32.const 8)) (local.get $n)))${rowsLoop(8)}
      (local.set $j (i32.add (local.get $j) (i32.const 8)))
      (br $C8)))
    (if (i32.le_u (i32.add (local.get $j) (i32.const 4)) (local.get $n))
      (then${rowsLoop(4)}
        (local.set $j (i32.add (local.get $j) (i32.const 4)))))
    (if (i32.eq (i32.sub (local.get $n) (local.get $j)) (i32.const 3)) (then${rowsLoop(3)}))
    (if (i32.eq (i32.sub (local.get $n) (local.get $j)) (i32.const 2)) (then${rowsLoop(2)}))
    (if (i32.eq (i32.sub (local.get $n) (local.get $j)) (i32.const 1)) (then${rowsLoop(1)})))
  ;; One matrix product C = A B (acc: C += A B) in passes of at most ${KC} steps of p; B's rows $ldb bytes
  ;; apart, C's rows $ldc bytes apart (the fused attention kernels read heads in place).
  (func $gemmStrided (param $a i32) (param $b i32) (param $c i32) (param $m i32) (param $k i32) (param $n i32)
      (param $sRow i32) (param $sCol i32) (param $ldb i32) (param $ldc i32) (param $acc i32)
    (call $gemmInit (local.get $a) (local.get $b) (local.get $c) (local.get $m) (local.get $k) (local.get $n)
      (local.get $sRow) (local.get $sCol) (local.get $ldb) (local.get $ldc) (local.get $acc) (local.get $c)
      (local.get $ldc)))
  ;; $gemmStrided whose first pass starts, when acc is set, from the values at $init (rows $ldi bytes apart)
  ;; instead of C's: C = INIT + A B; later passes add to C.
  (func $gemmInit (param $a i32) (param $b i32) (param $c i32) (param $m i32) (param $k i32) (param $n i32)
      (param $sRow i32) (param $sCol i32) (param $ldb i32) (param $ldc i32) (param $acc i32) (param $init i32)
      (param $ldi i32)
    (local $p i32) (local $kk i32)
    (block $done (loop $P
      (br_if $done (i32.ge_u (local.get $p) (local.get $k)))
      (local.set $kk (i32.sub (local.get $k) (local.get $p)))
      (if (i32.gt_u (local.get $kk) (i32.const ${KC})) (then (local.set $kk (i32.const ${KC}))))
      (call $pass
        (i32.add (local.get $a) (i32.mul (local.get $p) (local.get $sCol)))
        (i32.add (local.get $b) (i32.mul (local.get $p) (local.get $ldb)))
        (local.get $c) (local.get $m) (local.get $kk) (local.get $n) (local.get $sRow) (local.get $sCol)
        (local.get $ldb) (local.get $ldc)
        (i32.or (local.get $acc) (i32.ne (local.get $p) (i32.const 0)))
        (local.get $init) (local.get $ldi))
      (local.set $init (local.get $c))
      (local.set $ldi (local.get $ldc))
      (local.set $p (i32.add (local.get $p) (local.get $kk)))
      (br $P))))
  ;; One matrix product C = A B in passes of at most ${KC} steps of p (B and C row-major with n columns).
  (func $gemm (export "gemm") (param $a i32) (param $b i32) (param $c i32) (param $m i32) (param $k i32) (param $n i32)
      (param $sRow i32) (param $sCol i32)
    (call $gemmStrided (local.get $a) (local.get $b) (local.get $c) (local.get $m) (local.get $k) (local.get $n)
      (local.get $sRow) (local.get $sCol) (i32.shl (local.get $n) (i32.const 2)) (i32.shl (local.get $n) (i32.const 2))
      (i32.const 0)))
  ;; gemm with a bias: C = 1 bias + A B (bias = n floats; the first pass's accumulators start from it).
  (func (export "gemmBias") (param $a i32) (param $b i32) (param $c i32) (param $m i32) (param $k i32) (param $n i32)
      (param $sRow i32) (param $sCol i32) (param $bias i32)
    (call $gemmInit (local.get $a) (local.get $b) (local.get $c) (local.get $m) (local.get $k) (local.get $n)
      (local.get $sRow) (local.get $sCol) (i32.shl (local.get $n) (i32.const 2)) (i32.shl (local.get $n) (i32.const 2))
      (i32.const 1) (local.get $bias) (i32.const 0)))
  (func (export "matmul") (param $a i32) (param $b i32) (param $c i32) (param $batch i32)
        (param $m i32) (param $k i32) (param $n i32) (param $strideA i32) (param $strideB i32)
        (param $transposeA i32)
    (local $t i32) (local $strideC i32) (local $sRow i32) (local $sCol i32)
    (local.set $strideC (i32.shl (i32.mul (local.get $m) (local.get $n)) (i32.const 2)))
    (if (local.get $transposeA)
      (then
        (local.set $sRow (i32.const 4))
        (local.set $sCol (i32.shl (local.get $m) (i32.const 2))))
      (else
        (local.set $sRow (i32.shl (local.get $k) (i32.const 2)))
        (local.set $sCol (i32.const 4))))
    (block $done (loop $T
      (br_if $done (i32.ge_u (local.get $t) (local.get $batch)))
      (call $gemm (local.get $a) (local.get $b) (local.get $c) (local.get $m) (local.get $k) (local.get $n)
        (local.get $sRow) (local.get $sCol))
      (local.set $a (i32.add (local.get $a) (local.get $strideA)))
      (local.set $b (i32.add (local.get $b) (local.get $strideB)))
      (local.set $c (i32.add (local.get $c) (local.get $strideC)))
      (local.set $t (i32.add (local.get $t) (i32.const 1)))
      (br $T))))`;
}
