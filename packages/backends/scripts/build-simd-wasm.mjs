// Generates src/simd-wasm.generated.ts: the WebAssembly SIMD kernels that replace slow tfjs-backend-wasm
// kernels (see src/wasm-matmul.ts and src/wasm-simd-kernels.ts for why each is needed).
//
//   node packages/backends/scripts/build-simd-wasm.mjs          # writes src/simd-wasm.generated.ts
//   node packages/backends/scripts/build-simd-wasm.mjs --check  # exits 1 if the committed file is stale
//
// The module is written in WebAssembly text (generated below, so the register-blocked micro-kernels are not
// copied by hand) and assembled with wabt. Two variants: one imports a plain memory (tfjs's own, so kernels
// read and write tensors in place), one a shared memory (the threaded tfjs build's).
//
// Exported functions (pointers and strides in bytes, counts in elements, float32 throughout):
// - erf(x, y, count): y[i] = erf(x[i]) by a rational minimax approximation on [-4, 4] (Eigen's float erf),
//   clamped to [-1, 1]; NaN stays NaN, +-Infinity gives +-1.
// - gelu(x, y, count): y[i] = x[i] Phi(x[i]) = 0.5 x (1 + erf(x / sqrt 2)) (the exact GELU, erf as above);
//   geluGrad(x, dy, dx, count): dx[i] = dy[i] (Phi(x[i]) + x[i] phi(x[i])), its gradient.
// - exp(x, y, count): y[i] = exp(x[i]) by Cephes expf (about 1 float32 step); +Infinity above 88.72283, 0
//   below -87.33654 (no subnormal results), NaN stays NaN.
// - swap(src, dst, outer, a, b, inner, j0, j1): dst[o][j][i][:] = src[o][i][j][:] for j0 <= j < j1, rows of
//   `inner` floats (a transpose that exchanges two adjacent axes and keeps the last one; j0 = 0, j1 = b
//   for all of it, a part of the j range per thread otherwise).
// - gemm(a, b, c, m, k, n, sRow, sCol): one product of matmul below with A's element (r, p) at
//   a + r * sRow + p * sCol (a block of rows of a larger product, per thread).
// - sumRows(x, y, outer, rows, cols): y[o][c] = sum over r of x[o][r][c] (a reduction over middle axes),
//   accumulated in float32, four rows at a time ((x0 + x1) + (x2 + x3) added to the running sum).
//
// matmul(a, b, c, batch, m, k, n, strideA, strideB, transposeA)
//   for each batch index t: C_t = op(A_t) B_t with A_t at a + t * strideA (m x k, or k x m read transposed
//   when transposeA), B_t = k x n at b + t * strideB, C_t = m x n at c + t * m * n * 4; row-major float32,
//   pointers and strides in bytes, k >= 1.
// Blocking: passes of at most 128 steps of p (the slices of A and B stay in cache; later passes add to C),
// each over 4 rows x 8 columns (8 f32x4 accumulators), then 1 x 8, 4 x 4, 1 x 4, and 4 x r / 1 x r for the
// last r = n mod 4 columns (partial vector loads and lane stores).
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import wabtFactory from 'wabt';

const here = dirname(fileURLToPath(import.meta.url));
const target = resolve(here, '../src/simd-wasm.generated.ts');

/** Loads `width` (1-4) floats at `ptr` into the low lanes of a vector (the rest zero). */
function partialLoad(width, ptr) {
  if (width === 4) return `(v128.load align=4 ${ptr})`;
  if (width === 1) return `(v128.load32_zero align=4 ${ptr})`;
  if (width === 2) return `(v128.load64_zero align=4 ${ptr})`;
  return `(f32x4.replace_lane 2 (v128.load64_zero align=4 ${ptr}) (f32.load offset=8 ${ptr}))`;
}

/** Stores the low `width` (1-4) lanes of `value` at `ptr`. */
function partialStore(width, ptr, value) {
  if (width === 4) return [`(v128.store align=4 ${ptr} ${value})`];
  if (width === 1) return [`(v128.store32_lane align=4 0 ${ptr} ${value})`];
  if (width === 2) return [`(v128.store64_lane align=4 0 ${ptr} ${value})`];
  return [
    `(v128.store64_lane align=4 0 ${ptr} ${value})`,
    `(f32.store offset=8 ${ptr} (f32x4.extract_lane 2 ${value}))`,
  ];
}

/**
 * Micro-kernel `$k{rows}x{width}`: a rows x width block of C (width 8 = two vectors, 4 = one, 1-3 = one
 * vector's low lanes) over `k` steps of p. A element (r, p) is at a + r * sRow + p * sCol (so A may be read
 * transposed), B is row-major with n columns, C row-major with n columns. With `acc` set the block is
 * added to C's current values (k-blocking), otherwise C is overwritten.
 */
function kernel(rows, width) {
  const vectors = width === 8 ? 2 : 1;
  const lanes = width === 8 ? 4 : width;
  const locals = [];
  for (let r = 0; r < rows; r++) locals.push(`(local $a${r} i32)`);
  for (let r = 0; r < rows; r++) for (let v = 0; v < vectors; v++) locals.push(`(local $acc${r}_${v} v128)`);
  for (let v = 0; v < vectors; v++) locals.push(`(local $b${v} v128)`);
  const body = [];
  body.push('(local.set $ldb (i32.shl (local.get $n) (i32.const 2)))');
  body.push('(local.set $a0 (local.get $a))');
  for (let r = 1; r < rows; r++)
    body.push(`(local.set $a${r} (i32.add (local.get $a${r - 1}) (local.get $sRow)))`);
  const init = [];
  for (let r = 0; r < rows; r++) {
    const row =
      r === 0 ? '(local.get $c)' : `(i32.add (local.get $c) (i32.mul (local.get $ldb) (i32.const ${r})))`;
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
        `(local.set $acc${r}_${v} (f32x4.add (local.get $acc${r}_${v}) (f32x4.mul (local.get $s) (local.get $b${v}))))`,
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
    if (r < rows - 1) body.push('(local.set $c (i32.add (local.get $c) (local.get $ldb)))');
  }
  return `  (func $k${rows}x${width} (param $a i32) (param $b i32) (param $c i32) (param $k i32) (param $n i32)
      (param $sRow i32) (param $sCol i32) (param $acc i32)
    (local $p i32) (local $ldb i32) (local $s v128)
    ${locals.join(' ')}
    ${body.join('\n    ')})`;
}

/** Rows loop for one column block of `width` columns starting at $j: 4-row kernels, then 1-row ones. */
function rowsLoop(width) {
  const call = (rows) => `(call $k${rows}x${width}
          (i32.add (local.get $a) (i32.mul (local.get $i) (local.get $sRow)))
          (i32.add (local.get $b) (i32.shl (local.get $j) (i32.const 2)))
          (i32.add (local.get $c) (i32.shl (i32.add (i32.mul (local.get $i) (local.get $n)) (local.get $j)) (i32.const 2)))
          (local.get $k) (local.get $n) (local.get $sRow) (local.get $sCol) (local.get $acc))`;
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

const f4 = (value) => `(v128.const f32x4 ${value} ${value} ${value} ${value})`;
/** Horner's scheme on vectors: coefficients highest power first. */
function horner(variable, coefficients) {
  let acc = f4(coefficients[0]);
  for (const c of coefficients.slice(1)) acc = `(f32x4.add (f32x4.mul ${acc} ${variable}) ${f4(c)})`;
  return acc;
}

/**
 * Exported `name(...inputs, output, count)` (pointers, then a count of floats): output[i] = f(inputs[i]...),
 * four at a time through the vector function `fn4`, the last count mod 4 through partial loads and stores.
 */
function elementwiseExport(name, fn4, inputs = ['$x'], output = '$y') {
  const pointers = [...inputs, output];
  const call = (load) => `(call ${fn4} ${inputs.map(load).join(' ')})`;
  const tail = [];
  for (const width of [1, 2, 3]) {
    tail.push(`(if (i32.eq (local.get $rest) (i32.const ${width})) (then
      ${partialStore(
        width,
        `(local.get ${output})`,
        call((p) => partialLoad(width, `(local.get ${p})`)),
      ).join('\n      ')}))`);
  }
  return `(func (export "${name}") ${pointers.map((p) => `(param ${p} i32)`).join(' ')} (param $count i32)
    (local $i i32) (local $rest i32)
    (block $done (loop $L
      (br_if $done (i32.gt_u (i32.add (local.get $i) (i32.const 4)) (local.get $count)))
      (v128.store align=4 (local.get ${output}) ${call((p) => `(v128.load align=4 (local.get ${p}))`)})
      ${pointers.map((p) => `(local.set ${p} (i32.add (local.get ${p}) (i32.const 16)))`).join('\n      ')}
      (local.set $i (i32.add (local.get $i) (i32.const 4)))
      (br $L)))
    (local.set $rest (i32.sub (local.get $count) (local.get $i)))
    ${tail.join('\n    ')})`;
}

// erf(x) = x P(x^2) / Q(x^2) on x clamped to [-4, 4]: the rational minimax approximation of Eigen's
// generic_fast_erf_float (also XLA's and TVM's float32 erf), coefficients highest power first.
const ERF_ALPHA = [
  '-2.72614225801306e-10',
  '2.77068142495902e-08',
  '-2.10102402082508e-06',
  '-5.69250639462346e-05',
  '-7.34990630326855e-04',
  '-2.95459980854025e-03',
  '-1.60960333262415e-02',
];
const ERF_BETA = [
  '-1.45660718464996e-05',
  '-2.13374055278905e-04',
  '-1.68282697438203e-03',
  '-7.37332916720468e-03',
  '-1.42647390514189e-02',
];
function erfText() {
  return `
  (func $erf4 (param $v v128) (result v128)
    (local $x v128) (local $x2 v128)
    ;; pmin/pmax (one instruction each, unlike min/max) with x first, so that NaN passes through
    (local.set $x (f32x4.pmin (f32x4.pmax (local.get $v) ${f4(-4)}) ${f4(4)}))
    (local.set $x2 (f32x4.mul (local.get $x) (local.get $x)))
    ;; clamped to [-1, 1]: the fit overshoots 1 by up to 6e-8 near |x| = 4
    (f32x4.pmin (f32x4.pmax (f32x4.div
      (f32x4.mul (local.get $x) ${horner('(local.get $x2)', ERF_ALPHA)})
      ${horner('(local.get $x2)', ERF_BETA)}) ${f4(-1)}) ${f4(1)}))
${elementwiseExport('erf', '$erf4')}`;
}

// exp: Cephes expf. x = n ln 2 + r with |r| <= ln(2) / 2 (ln 2 in two parts), exp(r) = 1 + r + r^2 P(r),
// then 2^n applied as 2^(n >> 1) * 2^(n - (n >> 1)) so that both factors are normal numbers.
const EXP_P = [
  '1.9875691500e-4',
  '1.3981999507e-3',
  '8.3334519073e-3',
  '4.1665795894e-2',
  '1.6666665459e-1',
  '5.0000001201e-1',
];
/** Largest x with a finite float32 exp, and the smallest with a normal one (below it: 0). */
const EXP_HI = '88.72283';
const EXP_LO = '-87.33654';

function expText() {
  const i4 = (value) => `(v128.const i32x4 ${value} ${value} ${value} ${value})`;
  const pow2 = (n) => `(i32x4.shl (i32x4.add ${n} ${i4(127)}) (i32.const 23))`;
  return `
  (func $exp4 (param $v v128) (result v128)
    (local $z v128) (local $n v128) (local $r v128) (local $e v128) (local $ni v128) (local $half v128)
    ;; pmax/pmin with v first: NaN passes through
    (local.set $z (f32x4.pmin (f32x4.pmax (local.get $v) ${f4(EXP_LO)}) ${f4(EXP_HI)}))
    (local.set $n (f32x4.nearest (f32x4.mul (local.get $z) ${f4('1.44269504088896341')})))
    (local.set $r (f32x4.sub (f32x4.sub (local.get $z) (f32x4.mul (local.get $n) ${f4('0.693359375')}))
      (f32x4.mul (local.get $n) ${f4('-2.12194440e-4')})))
    (local.set $e (f32x4.add (f32x4.add
      (f32x4.mul ${horner('(local.get $r)', EXP_P)} (f32x4.mul (local.get $r) (local.get $r)))
      (local.get $r)) ${f4(1)}))
    (local.set $ni (i32x4.trunc_sat_f32x4_s (local.get $n)))
    (local.set $half (i32x4.shr_s (local.get $ni) (i32.const 1)))
    (local.set $e (f32x4.mul (f32x4.mul (local.get $e) ${pow2('(local.get $half)')})
      ${pow2('(i32x4.sub (local.get $ni) (local.get $half))')}))
    ;; beyond the range: +Infinity above, 0 below (no subnormal results)
    (local.set $e (v128.bitselect ${f4('inf')} (local.get $e) (f32x4.gt (local.get $v) ${f4(EXP_HI)})))
    (v128.bitselect ${f4(0)} (local.get $e) (f32x4.lt (local.get $v) ${f4(EXP_LO)})))
${elementwiseExport('exp', '$exp4')}`;
}

// GELU(x) = x Phi(x) = 0.5 x (1 + erf(x / sqrt 2)) and its derivative Phi(x) + x phi(x), phi(x) =
// exp(-x^2 / 2) / sqrt(2 pi), from $erf4 and $exp4.
function geluText() {
  return `
  (func $phi4 (param $v v128) (result v128)
    (f32x4.mul ${f4(0.5)} (f32x4.add ${f4(1)} (call $erf4 (f32x4.mul (local.get $v) ${f4('0.70710678118654752')})))))
  (func $gelu4 (param $v v128) (result v128)
    (f32x4.mul (local.get $v) (call $phi4 (local.get $v))))
  (func $geluGrad4 (param $v v128) (param $g v128) (result v128)
    (f32x4.mul (local.get $g) (f32x4.add (call $phi4 (local.get $v))
      (f32x4.mul (f32x4.mul (local.get $v) ${f4('0.39894228040143268')})
        (call $exp4 (f32x4.mul (f32x4.mul (local.get $v) (local.get $v)) ${f4(-0.5)}))))))
  ${elementwiseExport('gelu', '$gelu4')}
  ${elementwiseExport('geluGrad', '$geluGrad4', ['$x', '$dy'], '$dx')}`;
}

/** Copies $bytes (a multiple of 4) from $s to $d: memory.copy for long rows, else vectors and a float tail. */
const copyRow = `
          (if (i32.ge_u (local.get $bytes) (i32.const 256))
            (then (memory.copy (local.get $d) (local.get $s) (local.get $bytes)))
            (else
              (local.set $q (i32.const 0))
              (block $Vdone (loop $V
                (br_if $Vdone (i32.gt_u (i32.add (local.get $q) (i32.const 16)) (local.get $bytes)))
                (v128.store align=4 (i32.add (local.get $d) (local.get $q)) (v128.load align=4 (i32.add (local.get $s) (local.get $q))))
                (local.set $q (i32.add (local.get $q) (i32.const 16)))
                (br $V)))
              (block $Fdone (loop $F
                (br_if $Fdone (i32.ge_u (local.get $q) (local.get $bytes)))
                (f32.store align=4 (i32.add (local.get $d) (local.get $q)) (f32.load align=4 (i32.add (local.get $s) (local.get $q))))
                (local.set $q (i32.add (local.get $q) (i32.const 4)))
                (br $F)))))`;

function swapText() {
  return `
  (func (export "swap") (param $src i32) (param $dst i32) (param $outer i32) (param $a i32) (param $b i32)
      (param $inner i32) (param $j0 i32) (param $j1 i32)
    (local $o i32) (local $i i32) (local $j i32) (local $bytes i32) (local $stride i32) (local $base i32)
    (local $s i32) (local $d i32) (local $q i32)
    (local.set $bytes (i32.shl (local.get $inner) (i32.const 2)))
    (local.set $stride (i32.mul (local.get $b) (local.get $bytes)))
    (block $Odone (loop $O
      (br_if $Odone (i32.ge_u (local.get $o) (local.get $outer)))
      (local.set $base (i32.add (local.get $src) (i32.mul (local.get $o) (i32.mul (local.get $a) (local.get $stride)))))
      (local.set $j (local.get $j0))
      (block $Jdone (loop $J
        (br_if $Jdone (i32.ge_u (local.get $j) (local.get $j1)))
        (local.set $s (i32.add (local.get $base) (i32.mul (local.get $j) (local.get $bytes))))
        ;; output block (o, j) starts at dst + ((o b + j) a) * bytes
        (local.set $d (i32.add (local.get $dst) (i32.mul (i32.mul (i32.add (i32.mul (local.get $o) (local.get $b)) (local.get $j)) (local.get $a)) (local.get $bytes))))
        (local.set $i (i32.const 0))
        (block $Idone (loop $I
          (br_if $Idone (i32.ge_u (local.get $i) (local.get $a)))${copyRow}
          (local.set $s (i32.add (local.get $s) (local.get $stride)))
          (local.set $d (i32.add (local.get $d) (local.get $bytes)))
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (br $I)))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br $J)))
      (local.set $o (i32.add (local.get $o) (i32.const 1)))
      (br $O))))`;
}

/**
 * One pass over the columns of y (the $ld bytes at $y): each column's new value is `vector(q)` four columns at
 * a time, then `scalar(q)` for the last cols mod 4 ($q = the column's byte offset).
 */
function columnsPass(label, vector, scalar) {
  return `
        (local.set $q (i32.const 0))
        (block $${label}Vdone (loop $${label}V
          (br_if $${label}Vdone (i32.gt_u (i32.add (local.get $q) (i32.const 16)) (local.get $ld)))
          (v128.store align=4 (i32.add (local.get $y) (local.get $q)) ${vector})
          (local.set $q (i32.add (local.get $q) (i32.const 16)))
          (br $${label}V)))
        (block $${label}Fdone (loop $${label}F
          (br_if $${label}Fdone (i32.ge_u (local.get $q) (local.get $ld)))
          (f32.store align=4 (i32.add (local.get $y) (local.get $q)) ${scalar})
          (local.set $q (i32.add (local.get $q) (i32.const 4)))
          (br $${label}F)))`;
}

function sumRowsText() {
  const at = (base) => `(i32.add (local.get ${base}) (local.get $q))`;
  const v = (base) => `(v128.load align=4 ${at(base)})`;
  const f = (base) => `(f32.load align=4 ${at(base)})`;
  // y += (x0 + x1) + (x2 + x3), then y += x0 for the last rows mod 4
  const four = (load, add) =>
    `(${add} ${load('$y')} (${add} (${add} ${load('$x0')} ${load('$x1')}) (${add} ${load('$x2')} ${load('$x3')})))`;
  const one = (load, add) => `(${add} ${load('$y')} ${load('$x0')})`;
  return `
  (func (export "sumRows") (param $x i32) (param $y i32) (param $outer i32) (param $rows i32) (param $cols i32)
    (local $o i32) (local $r i32) (local $q i32) (local $ld i32)
    (local $x0 i32) (local $x1 i32) (local $x2 i32) (local $x3 i32)
    (local.set $ld (i32.shl (local.get $cols) (i32.const 2)))
    (local.set $x0 (local.get $x))
    (block $Odone (loop $O
      (br_if $Odone (i32.ge_u (local.get $o) (local.get $outer)))${columnsPass('Z', f4(0), '(f32.const 0)')}
      (local.set $r (i32.const 0))
      (block $R4done (loop $R4
        (br_if $R4done (i32.gt_u (i32.add (local.get $r) (i32.const 4)) (local.get $rows)))
        (local.set $x1 (i32.add (local.get $x0) (local.get $ld)))
        (local.set $x2 (i32.add (local.get $x1) (local.get $ld)))
        (local.set $x3 (i32.add (local.get $x2) (local.get $ld)))${columnsPass('A', four(v, 'f32x4.add'), four(f, 'f32.add'))}
        (local.set $x0 (i32.add (local.get $x3) (local.get $ld)))
        (local.set $r (i32.add (local.get $r) (i32.const 4)))
        (br $R4)))
      (block $R1done (loop $R1
        (br_if $R1done (i32.ge_u (local.get $r) (local.get $rows)))${columnsPass('B', one(v, 'f32x4.add'), one(f, 'f32.add'))}
        (local.set $x0 (i32.add (local.get $x0) (local.get $ld)))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $R1)))
      (local.set $y (i32.add (local.get $y) (local.get $ld)))
      (local.set $o (i32.add (local.get $o) (i32.const 1)))
      (br $O))))`;
}

/** Steps of p per pass over C: a 128-row slice of B (and of A) stays in cache while every block of C uses it. */
const KC = 128;

function moduleText(shared) {
  const memory = shared ? '(memory 1 65536 shared)' : '(memory 1)';
  const kernels = [];
  for (const width of [8, 4, 3, 2, 1]) for (const rows of [4, 1]) kernels.push(kernel(rows, width));
  return `(module
  (import "env" "memory" ${memory})
${kernels.join('\n')}
  ;; One pass over C for k steps of p (acc: add to C instead of overwriting it).
  (func $pass (param $a i32) (param $b i32) (param $c i32) (param $m i32) (param $k i32) (param $n i32)
      (param $sRow i32) (param $sCol i32) (param $acc i32)
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
  ;; One matrix product C = A B in passes of at most ${KC} steps of p.
  (func $gemm (export "gemm") (param $a i32) (param $b i32) (param $c i32) (param $m i32) (param $k i32) (param $n i32)
      (param $sRow i32) (param $sCol i32)
    (local $p i32) (local $kk i32)
    (block $done (loop $P
      (br_if $done (i32.ge_u (local.get $p) (local.get $k)))
      (local.set $kk (i32.sub (local.get $k) (local.get $p)))
      (if (i32.gt_u (local.get $kk) (i32.const ${KC})) (then (local.set $kk (i32.const ${KC}))))
      (call $pass
        (i32.add (local.get $a) (i32.mul (local.get $p) (local.get $sCol)))
        (i32.add (local.get $b) (i32.shl (i32.mul (local.get $p) (local.get $n)) (i32.const 2)))
        (local.get $c) (local.get $m) (local.get $kk) (local.get $n) (local.get $sRow) (local.get $sCol)
        (i32.ne (local.get $p) (i32.const 0)))
      (local.set $p (i32.add (local.get $p) (local.get $kk)))
      (br $P))))
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
      (br $T))))
${erfText()}
${expText()}
${geluText()}
${swapText()}
${sumRowsText()}
)
`;
}

const wabt = await wabtFactory();
function assemble(shared) {
  const parsed = wabt.parseWat('simd.wat', moduleText(shared), { simd: true, threads: true });
  // Validated by the engine itself: wabt.js's validator rejects shared memories even with threads on.
  const { buffer } = parsed.toBinary({});
  parsed.destroy();
  if (!WebAssembly.validate(buffer))
    throw new Error(`the ${shared ? 'shared' : 'plain'} SIMD module does not validate`);
  return Buffer.from(buffer).toString('base64');
}

const text = `// Generated by scripts/build-simd-wasm.mjs (WebAssembly text assembled with wabt); do not edit.
// A test checks that this file matches the generator.

/** The module importing a plain memory (base64). */
export const SIMD_WASM = '${assemble(false)}';

/** The module importing a shared memory (base64). */
export const SIMD_WASM_SHARED = '${assemble(true)}';
`;

if (process.argv.includes('--check')) {
  const current = readFileSync(target, 'utf8');
  if (current !== text) {
    console.error(`${target} is stale: run node packages/backends/scripts/build-simd-wasm.mjs`);
    process.exit(1);
  }
  console.log(`${target} is up to date`);
} else {
  writeFileSync(target, text);
  console.log(`wrote ${target} (${text.length} characters)`);
}
