// Generates src/simd-wasm.generated.ts: the WebAssembly SIMD kernels that replace slow tfjs-backend-wasm
// kernels (see src/wasm-matmul.ts and src/wasm-simd-kernels.ts for why each is needed).
//
//   node packages/backends/scripts/build-simd-wasm.mjs          # writes src/simd-wasm.generated.ts
//   node packages/backends/scripts/build-simd-wasm.mjs --check  # exits 1 if the committed file is stale
//
// The module is written in WebAssembly text (generated below, so the register-blocked micro-kernels are not
// copied by hand) and assembled with wabt. Two variants: one imports a plain memory (tfjs's own, so kernels
// read and write tensors in place), one a shared memory (the threaded tfjs build's). Each also in a relaxed-SIMD
// build whose matrix micro-kernels accumulate with f32x4.relaxed_madd (one fused multiply-add where the CPU has
// FMA, else a multiply and an add; results then differ from the plain build in float32 rounding only), picked at
// run time where the engine validates it (src/_simd-module.ts).
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
// - layerNorm(x, gamma, beta, y, stats, rows, cols, epsBits) and layerNormGrad(x, gamma, stats, dy, dx, partial,
//   rows, cols): LayerNorm over rows of `cols` floats and its gradient (see layerNormText below).
// - attnFwd(desc, w0, w1, thread) and attnBwd(desc, w0, w1, thread): fused spatial window attention over windows
//   [w0, w1), its parameters in an int32 descriptor (see attentionText below).
// - spectralFwd(desc, w0, w1, thread) and spectralBwd(desc, w0, w1, thread): fused spectral (Ch x Ch) window
//   attention over windows [w0, w1) (see spectralText below).
//
// matmul(a, b, c, batch, m, k, n, strideA, strideB, transposeA)
//   for each batch index t: C_t = op(A_t) B_t with A_t at a + t * strideA (m x k, or k x m read transposed
//   when transposeA), B_t = k x n at b + t * strideB, C_t = m x n at c + t * m * n * 4; row-major float32,
//   pointers and strides in bytes, k >= 1.
// Internally $gemmStrided also takes B's and C's row strides (the attention kernels read and write heads in place).
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
      r === 0 ? '(local.get $c)' : `(i32.add (local.get $c) (i32.mul (local.get $ldc) (i32.const ${r})))`;
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
      (param $ldc i32) (param $sRow i32) (param $sCol i32) (param $acc i32)
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
          (local.get $k) (local.get $ldb) (local.get $ldc) (local.get $sRow) (local.get $sCol) (local.get $acc))`;
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

// ---- Fused LayerNorm and fused window attention (issue 16) ----

const get = (name) => `(local.get $${name})`;
const set = (name, value) => `(local.set $${name} ${value})`;
const add = (a, b) => `(i32.add ${a} ${b})`;
const mul = (a, b) => `(i32.mul ${a} ${b})`;
const i32 = (value) => `(i32.const ${value})`;
const bytes = (value) => `(i32.shl ${value} (i32.const 2))`;
const splat = (value) => `(f32x4.splat ${value})`;
const hsum = (v) =>
  `(f32.add (f32.add (f32x4.extract_lane 0 ${v}) (f32x4.extract_lane 1 ${v})) (f32.add (f32x4.extract_lane 2 ${v}) (f32x4.extract_lane 3 ${v})))`;
const hmax = (v) =>
  `(f32.max (f32.max (f32x4.extract_lane 0 ${v}) (f32x4.extract_lane 1 ${v})) (f32.max (f32x4.extract_lane 2 ${v}) (f32x4.extract_lane 3 ${v})))`;

/** for ($i = 0; $i < end; $i++) body */
function forLoop(label, i, end, body) {
  return `${set(i, i32(0))}
    (block $${label}Done (loop $${label}
      (br_if $${label}Done (i32.ge_u ${get(i)} ${end}))
      ${body}
      ${set(i, add(get(i), i32(1)))}
      (br $${label})))`;
}

/**
 * Over the floats [0, end) of a row (byte offset $q from the row starts): `vector(at)` four at a time, then
 * `scalar(at)` for the last end mod 4 (at(base) = the byte address base + $q).
 */
function rowLoop(label, end, vector, scalar) {
  const at = (base) => `(i32.add ${base} (local.get $q))`;
  return `${set('q', i32(0))}
    (block $${label}VDone (loop $${label}V
      (br_if $${label}VDone (i32.gt_u (i32.add (local.get $q) (i32.const 16)) ${bytes(end)}))
      ${vector(at)}
      ${set('q', add(get('q'), i32(16)))}
      (br $${label}V)))
    (block $${label}SDone (loop $${label}S
      (br_if $${label}SDone (i32.ge_u (local.get $q) ${bytes(end)}))
      ${scalar(at)}
      ${set('q', add(get('q'), i32(4)))}
      (br $${label}S)))`;
}
const vload = (ptr) => `(v128.load align=4 ${ptr})`;
const fload = (ptr) => `(f32.load align=4 ${ptr})`;
const vstore = (ptr, v) => `(v128.store align=4 ${ptr} ${v})`;
const fstore = (ptr, v) => `(f32.store align=4 ${ptr} ${v})`;

// layerNorm(x, gamma, beta, y, stats, rows, cols, epsBits): per row of `cols` floats, y = (x - mean) * rstd * gamma
// + beta with the biased variance (two passes: the mean, then the centred squares), rstd = 1 / sqrt(var + eps);
// stats[2r] = mean, stats[2r + 1] = rstd (what the gradient needs). eps is passed as its float32 bits (the worker
// pool passes int32 arguments).
// layerNormGrad(x, gamma, stats, dy, dx, partial, rows, cols): xhat = (x - mean) rstd, g = dy gamma,
// dx = rstd (g - mean(g) - xhat mean(g xhat)); partial[0..cols) = sum over these rows of dy xhat (d gamma),
// partial[cols..2 cols) = sum of dy (d beta), overwritten (one partial per thread, summed by the caller).
function layerNormText() {
  const vv = (name) => `(local.get $${name})`;
  return `
  (func (export "layerNorm") (param $x i32) (param $gamma i32) (param $beta i32) (param $y i32) (param $stats i32)
      (param $rows i32) (param $cols i32) (param $epsBits i32)
    (local $r i32) (local $q i32) (local $row i32) (local $vs v128) (local $s f32) (local $mean f32) (local $rstd f32)
    (local $d v128) (local $ds f32) (local $vmean v128) (local $vrstd v128)
    ${forLoop(
      'R',
      'r',
      get('rows'),
      `${set('vs', f4(0))} ${set('s', '(f32.const 0)')}
      ${rowLoop(
        'M',
        get('cols'),
        (at) => set('vs', `(f32x4.add ${vv('vs')} ${vload(at(get('x')))})`),
        (at) => set('s', `(f32.add ${vv('s')} ${fload(at(get('x')))})`),
      )}
      ${set('mean', `(f32.div (f32.add ${vv('s')} ${hsum(vv('vs'))}) (f32.convert_i32_u ${get('cols')}))`)}
      ${set('vmean', splat(vv('mean')))}
      ${set('vs', f4(0))} ${set('s', '(f32.const 0)')}
      ${rowLoop(
        'V',
        get('cols'),
        (at) =>
          `${set('d', `(f32x4.sub ${vload(at(get('x')))} ${vv('vmean')})`)} ${set('vs', `(f32x4.add ${vv('vs')} (f32x4.mul ${vv('d')} ${vv('d')}))`)}`,
        (at) =>
          `${set('ds', `(f32.sub ${fload(at(get('x')))} ${vv('mean')})`)} ${set('s', `(f32.add ${vv('s')} (f32.mul ${vv('ds')} ${vv('ds')}))`)}`,
      )}
      ${set(
        'rstd',
        `(f32.div (f32.const 1) (f32.sqrt (f32.add (f32.div (f32.add ${vv('s')} ${hsum(vv('vs'))}) (f32.convert_i32_u ${get('cols')})) (f32.reinterpret_i32 ${get('epsBits')}))))`,
      )}
      ${set('vrstd', splat(vv('rstd')))}
      ${rowLoop(
        'Y',
        get('cols'),
        (at) =>
          vstore(
            at(get('y')),
            `(f32x4.add (f32x4.mul (f32x4.mul (f32x4.sub ${vload(at(get('x')))} ${vv('vmean')}) ${vv('vrstd')}) ${vload(at(get('gamma')))}) ${vload(at(get('beta')))})`,
          ),
        (at) =>
          fstore(
            at(get('y')),
            `(f32.add (f32.mul (f32.mul (f32.sub ${fload(at(get('x')))} ${vv('mean')}) ${vv('rstd')}) ${fload(at(get('gamma')))}) ${fload(at(get('beta')))})`,
          ),
      )}
      ${fstore(get('stats'), vv('mean'))}
      (f32.store offset=4 align=4 ${get('stats')} ${vv('rstd')})
      ${set('stats', add(get('stats'), i32(8)))}
      ${set('x', add(get('x'), bytes(get('cols'))))}
      ${set('y', add(get('y'), bytes(get('cols'))))}`,
    )})
  (func (export "layerNormGrad") (param $x i32) (param $gamma i32) (param $stats i32) (param $dy i32) (param $dx i32)
      (param $partial i32) (param $rows i32) (param $cols i32)
    (local $r i32) (local $q i32) (local $dbeta i32) (local $mean f32) (local $rstd f32) (local $vmean v128)
    (local $vrstd v128) (local $xh v128) (local $g v128) (local $sg v128) (local $sgx v128) (local $fxh f32) (local $fg f32)
    (local $fsg f32) (local $fsgx f32) (local $mg v128) (local $mgx v128) (local $fmg f32) (local $fmgx f32)
    (local.set $dbeta (i32.add (local.get $partial) ${bytes(get('cols'))}))
    (memory.fill (local.get $partial) (i32.const 0) (i32.shl ${bytes(get('cols'))} (i32.const 1)))
    ${forLoop(
      'R',
      'r',
      get('rows'),
      `${set('mean', fload(get('stats')))} (local.set $rstd (f32.load offset=4 align=4 ${get('stats')}))
      ${set('vmean', splat(vv('mean')))} ${set('vrstd', splat(vv('rstd')))}
      ${set('sg', f4(0))} ${set('sgx', f4(0))} ${set('fsg', '(f32.const 0)')} ${set('fsgx', '(f32.const 0)')}
      ${rowLoop(
        'A',
        get('cols'),
        (at) => `${set('xh', `(f32x4.mul (f32x4.sub ${vload(at(get('x')))} ${vv('vmean')}) ${vv('vrstd')})`)}
      ${set('g', vload(at(get('dy'))))}
      ${vstore(at(get('partial')), `(f32x4.add ${vload(at(get('partial')))} (f32x4.mul ${vv('g')} ${vv('xh')}))`)}
      ${vstore(at(get('dbeta')), `(f32x4.add ${vload(at(get('dbeta')))} ${vv('g')})`)}
      ${set('g', `(f32x4.mul ${vv('g')} ${vload(at(get('gamma')))})`)}
      ${set('sg', `(f32x4.add ${vv('sg')} ${vv('g')})`)}
      ${set('sgx', `(f32x4.add ${vv('sgx')} (f32x4.mul ${vv('g')} ${vv('xh')}))`)}`,
        (at) => `${set('fxh', `(f32.mul (f32.sub ${fload(at(get('x')))} ${vv('mean')}) ${vv('rstd')})`)}
      ${set('fg', fload(at(get('dy'))))}
      ${fstore(at(get('partial')), `(f32.add ${fload(at(get('partial')))} (f32.mul ${vv('fg')} ${vv('fxh')}))`)}
      ${fstore(at(get('dbeta')), `(f32.add ${fload(at(get('dbeta')))} ${vv('fg')})`)}
      ${set('fg', `(f32.mul ${vv('fg')} ${fload(at(get('gamma')))})`)}
      ${set('fsg', `(f32.add ${vv('fsg')} ${vv('fg')})`)}
      ${set('fsgx', `(f32.add ${vv('fsgx')} (f32.mul ${vv('fg')} ${vv('fxh')}))`)}`,
      )}
      ${set('fmg', `(f32.div (f32.add ${vv('fsg')} ${hsum(vv('sg'))}) (f32.convert_i32_u ${get('cols')}))`)}
      ${set('fmgx', `(f32.div (f32.add ${vv('fsgx')} ${hsum(vv('sgx'))}) (f32.convert_i32_u ${get('cols')}))`)}
      ${set('mg', splat(vv('fmg')))} ${set('mgx', splat(vv('fmgx')))}
      ${rowLoop(
        'D',
        get('cols'),
        (at) =>
          vstore(
            at(get('dx')),
            `(f32x4.mul ${vv('vrstd')} (f32x4.sub (f32x4.sub (f32x4.mul ${vload(at(get('dy')))} ${vload(at(get('gamma')))}) ${vv('mg')})
              (f32x4.mul (f32x4.mul (f32x4.sub ${vload(at(get('x')))} ${vv('vmean')}) ${vv('vrstd')}) ${vv('mgx')})))`,
          ),
        (at) =>
          fstore(
            at(get('dx')),
            `(f32.mul ${vv('rstd')} (f32.sub (f32.sub (f32.mul ${fload(at(get('dy')))} ${fload(at(get('gamma')))}) ${vv('fmg')})
              (f32.mul (f32.mul (f32.sub ${fload(at(get('x')))} ${vv('mean')}) ${vv('rstd')}) ${vv('fmgx')})))`,
          ),
      )}
      ${set('stats', add(get('stats'), i32(8)))}
      ${set('x', add(get('x'), bytes(get('cols'))))}
      ${set('dy', add(get('dy'), bytes(get('cols'))))}
      ${set('dx', add(get('dx'), bytes(get('cols'))))}`,
    )})`;
}

// Fused spatial window attention. A descriptor (int32 words at $desc) describes the call:
//   0 qkv [windows, P, 3C] (channels [3][T][Ch]: q, k, v of head h at h Ch), 1 out [windows, P, C] (forward) or
//   dOut (backward), 2 stats [windows, T, P, 2] (row max, 1 / row sum), 3 bias [T, P, P], 4 mask [maskWindows, P, P]
//   or 0, 5 scale [T] (1 / beta), 6 T, 7 P, 8 Ch, 9 maskWindows, 10 scratch, 11 scratch bytes per thread,
//   12 dqkv [windows, P, 3C] (backward), 13 partials (backward: per thread [T, P, P] d bias then [T] d scale),
//   14 partial bytes per thread.
// attnFwd(desc, w0, w1, thread): for windows w0 <= w < w1 and every head, logits = scale_h Q K^T + B_h (+ mask of
// window w mod maskWindows), A = softmax over each row, out = A V; only the row max and 1 / sum are stored (stats).
// attnBwd(desc, w0, w1, thread): recomputes A from the stats, then dV = A^T dOut, dA = dOut V^T,
// dL = A (dA - rowsum(A dA)), dQ = scale dL K, dK = scale dL^T Q (into dqkv), and adds dL to the thread's d bias and
// sum(dL (Q K^T)) to its d scale (zeroed first).
const DESC = {
  qkv: 0,
  out: 4,
  stats: 8,
  bias: 12,
  mask: 16,
  scale: 20,
  heads: 24,
  tokens: 28,
  headDim: 32,
  maskWindows: 36,
  scratch: 40,
  scratchBytes: 44,
  dqkv: 48,
  partial: 52,
  partialBytes: 56,
};
const attentionLocals = `
    (local $qkv i32) (local $out i32) (local $stats i32) (local $bias i32) (local $mask i32) (local $scale i32)
    (local $T i32) (local $P i32) (local $Ch i32) (local $nW i32) (local $C i32) (local $C3 i32)
    (local $S i32) (local $D i32) (local $X i32) (local $buf i32) (local $w i32) (local $h i32) (local $i i32) (local $t i32)
    (local $c i32) (local $q i32) (local $qp i32) (local $kp i32) (local $vp i32) (local $op i32) (local $row i32)
    (local $drow i32) (local $brow i32) (local $mrow i32) (local $st i32) (local $sc f32) (local $vsc v128)
    (local $mx f32) (local $vmx v128) (local $sm f32) (local $vsm v128) (local $inv f32) (local $vinv v128)
    (local $e v128) (local $fe f32) (local $dqkv i32) (local $partial i32) (local $dbias i32) (local $dscale i32)
    (local $dq i32) (local $dsAcc f32) (local $vdsAcc v128) (local $delta f32) (local $vdelta v128) (local $p v128) (local $fp f32)`;
function loadDescriptor() {
  return Object.entries({
    qkv: 'qkv',
    out: 'out',
    stats: 'stats',
    bias: 'bias',
    mask: 'mask',
    scale: 'scale',
    T: 'heads',
    P: 'tokens',
    Ch: 'headDim',
    nW: 'maskWindows',
  })
    .map(([local, field]) => `(local.set $${local} (i32.load offset=${DESC[field]} (local.get $desc)))`)
    .join('\n    ');
}
/** $X[c][t] = src[t][c] for t < P, c < Ch (src rows `rowBytes` apart): a head's K or V, transposed. */
function transposeHead(src, rowBytes) {
  return forLoop(
    'Tt',
    't',
    get('P'),
    forLoop(
      'Tc',
      'c',
      get('Ch'),
      fstore(
        add(get('X'), bytes(add(mul(get('c'), get('P')), get('t')))),
        fload(add(add(src, mul(get('t'), rowBytes)), bytes(get('c')))),
      ),
    ),
  );
}
const expScalar = (x) => `(f32x4.extract_lane 0 (call $exp4 (f32x4.splat ${x})))`;
function attentionText() {
  const vv = (name) => `(local.get $${name})`;
  const C3bytes = bytes(get('C3'));
  const Cbytes = bytes(get('C'));
  const Pbytes = bytes(get('P'));
  const headPointers = `
      ${set('qp', add(get('qkv'), bytes(add(mul(mul(get('w'), get('P')), get('C3')), mul(get('h'), get('Ch'))))))}
      ${set('kp', add(get('qp'), Cbytes))}
      ${set('vp', add(get('kp'), Cbytes))}
      ${set('op', add(get('out'), bytes(add(mul(mul(get('w'), get('P')), get('C')), mul(get('h'), get('Ch'))))))}
      ${set('sc', fload(add(get('scale'), bytes(get('h')))))} ${set('vsc', splat(vv('sc')))}`;
  const rowPointers = `
        ${set('row', add(get('S'), bytes(mul(get('i'), get('P')))))}
        ${set('brow', add(get('bias'), bytes(mul(add(mul(get('h'), get('P')), get('i')), get('P')))))}
        ${set('mrow', add(get('mask'), bytes(mul(add(mul(`(i32.rem_u ${get('w')} ${get('nW')})`, get('P')), get('i')), get('P')))))}
        ${set('st', add(get('stats'), `(i32.shl ${add(mul(add(mul(get('w'), get('T')), get('h')), get('P')), get('i'))} (i32.const 3))`))}`;
  // logits of one element (vector / scalar) at byte offset $q of the row, without and with the mask
  const logit = (masked) => ({
    v: (at) =>
      masked
        ? `(f32x4.add (f32x4.add (f32x4.mul ${vload(at(get('row')))} ${vv('vsc')}) ${vload(at(get('brow')))}) ${vload(at(get('mrow')))})`
        : `(f32x4.add (f32x4.mul ${vload(at(get('row')))} ${vv('vsc')}) ${vload(at(get('brow')))})`,
    s: (at) =>
      masked
        ? `(f32.add (f32.add (f32.mul ${fload(at(get('row')))} ${vv('sc')}) ${fload(at(get('brow')))}) ${fload(at(get('mrow')))})`
        : `(f32.add (f32.mul ${fload(at(get('row')))} ${vv('sc')}) ${fload(at(get('brow')))})`,
  });
  const withMask = (label, body) =>
    `(if (local.get $mask) (then ${body(`${label}m`, logit(true))}) (else ${body(`${label}u`, logit(false))}))`;

  const forwardRow = `${rowPointers}
        ${set('vmx', f4('-inf'))} ${set('mx', '(f32.const -inf)')}
        ${withMask('L', (label, l) =>
          rowLoop(
            label,
            get('P'),
            (at) =>
              `${set('e', l.v(at))} ${vstore(at(get('row')), vv('e'))} ${set('vmx', `(f32x4.max ${vv('vmx')} ${vv('e')})`)}`,
            (at) =>
              `${set('fe', l.s(at))} ${fstore(at(get('row')), vv('fe'))} ${set('mx', `(f32.max ${vv('mx')} ${vv('fe')})`)}`,
          ),
        )}
        ${set('mx', `(f32.max ${vv('mx')} ${hmax(vv('vmx'))})`)} ${set('vmx', splat(vv('mx')))}
        ${set('vsm', f4(0))} ${set('sm', '(f32.const 0)')}
        ${rowLoop(
          'E',
          get('P'),
          (at) =>
            `${set('e', `(call $exp4 (f32x4.sub ${vload(at(get('row')))} ${vv('vmx')}))`)} ${vstore(at(get('row')), vv('e'))} ${set('vsm', `(f32x4.add ${vv('vsm')} ${vv('e')})`)}`,
          (at) =>
            `${set('fe', expScalar(`(f32.sub ${fload(at(get('row')))} ${vv('mx')})`))} ${fstore(at(get('row')), vv('fe'))} ${set('sm', `(f32.add ${vv('sm')} ${vv('fe')})`)}`,
        )}
        ${set('inv', `(f32.div (f32.const 1) (f32.add ${vv('sm')} ${hsum(vv('vsm'))}))`)} ${set('vinv', splat(vv('inv')))}
        ${rowLoop(
          'N',
          get('P'),
          (at) => vstore(at(get('row')), `(f32x4.mul ${vload(at(get('row')))} ${vv('vinv')})`),
          (at) => fstore(at(get('row')), `(f32.mul ${fload(at(get('row')))} ${vv('inv')})`),
        )}
        ${fstore(get('st'), vv('mx'))} (f32.store offset=4 align=4 ${get('st')} ${vv('inv')})`;

  const forward = `
  (func (export "attnFwd") (param $desc i32) (param $w0 i32) (param $w1 i32) (param $thread i32)
    ${attentionLocals}
    ${loadDescriptor()}
    ${set('C', mul(get('T'), get('Ch')))} ${set('C3', mul(get('C'), i32(3)))}
    ${set('S', add(`(i32.load offset=${DESC.scratch} ${get('desc')})`, mul(get('thread'), `(i32.load offset=${DESC.scratchBytes} ${get('desc')})`)))}
    ${set('X', add(get('S'), bytes(mul(get('P'), get('P')))))}
    ${set('w', get('w0'))}
    (block $WDone (loop $W
      (br_if $WDone (i32.ge_u ${get('w')} ${get('w1')}))
      ${forLoop(
        'H',
        'h',
        get('T'),
        `${headPointers}
      ${transposeHead(get('kp'), C3bytes)}
      (call $gemmStrided ${get('qp')} ${get('X')} ${get('S')} ${get('P')} ${get('Ch')} ${get('P')} ${C3bytes} (i32.const 4) ${Pbytes} ${Pbytes} (i32.const 0))
      ${forLoop('I', 'i', get('P'), forwardRow)}
      (call $gemmStrided ${get('S')} ${get('vp')} ${get('op')} ${get('P')} ${get('P')} ${get('Ch')} ${Pbytes} (i32.const 4) ${C3bytes} ${Cbytes} (i32.const 0))`,
      )}
      ${set('w', add(get('w'), i32(1)))}
      (br $W))))`;

  // backward: $S = Q K^T (raw), $D = dOut V^T, $buf = one row of A
  const backwardRow = `${rowPointers}
        ${set('drow', add(get('D'), bytes(mul(get('i'), get('P')))))}
        ${set('vmx', splat(fload(get('st'))))} ${set('mx', fload(get('st')))}
        (local.set $inv (f32.load offset=4 align=4 ${get('st')})) ${set('vinv', splat(vv('inv')))}
        ${set('vdelta', f4(0))} ${set('delta', '(f32.const 0)')}
        ${withMask('B', (label, l) =>
          rowLoop(
            label,
            get('P'),
            (at) =>
              `${set('p', `(f32x4.mul (call $exp4 (f32x4.sub ${l.v(at)} ${vv('vmx')})) ${vv('vinv')})`)} ${vstore(at(get('buf')), vv('p'))}
          ${set('vdelta', `(f32x4.add ${vv('vdelta')} (f32x4.mul ${vv('p')} ${vload(at(get('drow')))}))`)}`,
            (at) =>
              `${set('fp', `(f32.mul ${expScalar(`(f32.sub ${l.s(at)} ${vv('mx')})`)} ${vv('inv')})`)} ${fstore(at(get('buf')), vv('fp'))}
          ${set('delta', `(f32.add ${vv('delta')} (f32.mul ${vv('fp')} ${fload(at(get('drow')))}))`)}`,
          ),
        )}
        ${set('delta', `(f32.add ${vv('delta')} ${hsum(vv('vdelta'))})`)} ${set('vdelta', splat(vv('delta')))}
        ${set('brow', add(get('dbias'), bytes(mul(add(mul(get('h'), get('P')), get('i')), get('P')))))}
        ${rowLoop(
          'G',
          get('P'),
          (at) => `${set('p', vload(at(get('buf'))))}
          ${set('e', `(f32x4.mul ${vv('p')} (f32x4.sub ${vload(at(get('drow')))} ${vv('vdelta')}))`)}
          ${set('vdsAcc', `(f32x4.add ${vv('vdsAcc')} (f32x4.mul ${vv('e')} ${vload(at(get('row')))}))`)}
          ${vstore(at(get('brow')), `(f32x4.add ${vload(at(get('brow')))} ${vv('e')})`)}
          ${vstore(at(get('drow')), `(f32x4.mul ${vv('e')} ${vv('vsc')})`)}
          ${vstore(at(get('row')), vv('p'))}`,
          (at) => `${set('fp', fload(at(get('buf'))))}
          ${set('fe', `(f32.mul ${vv('fp')} (f32.sub ${fload(at(get('drow')))} ${vv('delta')}))`)}
          ${set('dsAcc', `(f32.add ${vv('dsAcc')} (f32.mul ${vv('fe')} ${fload(at(get('row')))}))`)}
          ${fstore(at(get('brow')), `(f32.add ${fload(at(get('brow')))} ${vv('fe')})`)}
          ${fstore(at(get('drow')), `(f32.mul ${vv('fe')} ${vv('sc')})`)}
          ${fstore(at(get('row')), vv('fp'))}`,
        )}`;

  const backward = `
  (func (export "attnBwd") (param $desc i32) (param $w0 i32) (param $w1 i32) (param $thread i32)
    ${attentionLocals}
    ${loadDescriptor()}
    ${set('C', mul(get('T'), get('Ch')))} ${set('C3', mul(get('C'), i32(3)))}
    ${set('dqkv', `(i32.load offset=${DESC.dqkv} ${get('desc')})`)}
    ${set('S', add(`(i32.load offset=${DESC.scratch} ${get('desc')})`, mul(get('thread'), `(i32.load offset=${DESC.scratchBytes} ${get('desc')})`)))}
    ${set('D', add(get('S'), bytes(mul(get('P'), get('P')))))}
    ${set('X', add(get('D'), bytes(mul(get('P'), get('P')))))}
    ${set('buf', add(get('X'), bytes(mul(get('P'), get('Ch')))))}
    ${set('dbias', add(`(i32.load offset=${DESC.partial} ${get('desc')})`, mul(get('thread'), `(i32.load offset=${DESC.partialBytes} ${get('desc')})`)))}
    ${set('dscale', add(get('dbias'), bytes(mul(get('T'), mul(get('P'), get('P'))))))}
    (memory.fill ${get('dbias')} (i32.const 0) ${bytes(add(mul(get('T'), mul(get('P'), get('P'))), get('T')))})
    ${set('w', get('w0'))}
    (block $WDone (loop $W
      (br_if $WDone (i32.ge_u ${get('w')} ${get('w1')}))
      ${forLoop(
        'H',
        'h',
        get('T'),
        `${headPointers}
      ;; here $op is the head's dOut
      ${transposeHead(get('kp'), C3bytes)}
      (call $gemmStrided ${get('qp')} ${get('X')} ${get('S')} ${get('P')} ${get('Ch')} ${get('P')} ${C3bytes} (i32.const 4) ${Pbytes} ${Pbytes} (i32.const 0))
      ${transposeHead(get('vp'), C3bytes)}
      (call $gemmStrided ${get('op')} ${get('X')} ${get('D')} ${get('P')} ${get('Ch')} ${get('P')} ${Cbytes} (i32.const 4) ${Pbytes} ${Pbytes} (i32.const 0))
      ${set('vdsAcc', f4(0))} ${set('dsAcc', '(f32.const 0)')}
      ${forLoop('I', 'i', get('P'), backwardRow)}
      ${fstore(add(get('dscale'), bytes(get('h'))), `(f32.add ${fload(add(get('dscale'), bytes(get('h'))))} (f32.add ${vv('dsAcc')} ${hsum(vv('vdsAcc'))}))`)}
      ${set('dq', add(get('dqkv'), bytes(add(mul(mul(get('w'), get('P')), get('C3')), mul(get('h'), get('Ch'))))))}
      ;; dV = A^T dOut, dQ = dL' K, dK = dL'^T Q (dL' = scale dL in $D, A in $S)
      (call $gemmStrided ${get('S')} ${get('op')} ${add(get('dq'), bytes(mul(get('C'), i32(2))))} ${get('P')} ${get('P')} ${get('Ch')} (i32.const 4) ${Pbytes} ${Cbytes} ${C3bytes} (i32.const 0))
      (call $gemmStrided ${get('D')} ${get('kp')} ${get('dq')} ${get('P')} ${get('P')} ${get('Ch')} ${Pbytes} (i32.const 4) ${C3bytes} ${C3bytes} (i32.const 0))
      (call $gemmStrided ${get('D')} ${get('qp')} ${add(get('dq'), Cbytes)} ${get('P')} ${get('P')} ${get('Ch')} (i32.const 4) ${Pbytes} ${C3bytes} ${C3bytes} (i32.const 0))`,
      )}
      ${set('w', add(get('w'), i32(1)))}
      (br $W))))`;
  return `${forward}\n${backward}`;
}

// Fused spectral window attention (Ch x Ch maps). A descriptor (int32 words at $desc) describes the call:
//   0 qkv [windows, P, 3C] (channels [3][T][Ch]), 1 out [windows, P, C] (forward) or dOut (backward),
//   2 stats [windows, T, Ch, 2] (row max, 1 / row sum), 3 bias [T, Ch, Ch], 4 transpose (0: Z = V A, the paper's
//   Eq. 9; 1: Z = V A^T, MST's attn @ v), 5 scale [T] (1 / beta), 6 T, 7 P, 8 Ch, 9 unused, 10 scratch,
//   11 scratch bytes per thread (4 Ch^2 floats), 12 dqkv [windows, P, 3C] (backward), 13 partials (backward: per
//   thread [T, Ch, Ch] d bias then [T] d scale), 14 partial bytes per thread.
// spectralFwd(desc, w0, w1, thread): for windows w0 <= w < w1 and every head, S = K^T Q (Ch x Ch, the P tokens the
// inner dimension), A = softmax over each row of scale_h S + B_h, out = V A (or V A^T); stores only the row max
// and 1 / sum (stats).
// spectralBwd(desc, w0, w1, thread): recomputes S and A from the stats, then dA = V^T dOut (or dOut^T V),
// dL = A (dA - rowsum(A dA)), dV = dOut A^T (or dOut A), dQ = scale K dL, dK = scale Q dL^T (into dqkv), and adds
// dL to the thread's d bias and sum(dL S) to its d scale (zeroed first).
const SPECTRAL_DESC = { ...DESC, transpose: 16 };
const spectralLocals = `
    (local $qkv i32) (local $out i32) (local $stats i32) (local $bias i32) (local $tr i32) (local $scale i32)
    (local $T i32) (local $P i32) (local $Ch i32) (local $C i32) (local $C3 i32) (local $S i32) (local $A i32)
    (local $D i32) (local $X i32) (local $w i32) (local $h i32) (local $i i32) (local $t i32) (local $c i32)
    (local $q i32) (local $qp i32) (local $kp i32) (local $vp i32) (local $op i32) (local $row i32) (local $arow i32)
    (local $drow i32) (local $brow i32) (local $gb i32) (local $st i32) (local $sc f32) (local $vsc v128) (local $mx f32)
    (local $vmx v128) (local $sm f32) (local $vsm v128) (local $inv f32) (local $vinv v128) (local $e v128) (local $fe f32)
    (local $dqkv i32) (local $dbias i32) (local $dscale i32) (local $dq i32) (local $dsAcc f32) (local $vdsAcc v128)
    (local $delta f32) (local $vdelta v128) (local $p v128) (local $fp f32) (local $bmat i32)`;
function spectralDescriptor() {
  return Object.entries({
    qkv: 'qkv',
    out: 'out',
    stats: 'stats',
    bias: 'bias',
    tr: 'transpose',
    scale: 'scale',
    T: 'heads',
    P: 'tokens',
    Ch: 'headDim',
  })
    .map(
      ([local, field]) => `(local.set $${local} (i32.load offset=${SPECTRAL_DESC[field]} (local.get $desc)))`,
    )
    .join('\n    ');
}
/** $X[c][t] = src[t][c] for a Ch x Ch matrix at `src` (rows Ch floats apart). */
function transposeSquare(src) {
  return forLoop(
    'Qt',
    't',
    get('Ch'),
    forLoop(
      'Qc',
      'c',
      get('Ch'),
      fstore(
        add(get('X'), bytes(add(mul(get('c'), get('Ch')), get('t')))),
        fload(add(src, bytes(add(mul(get('t'), get('Ch')), get('c'))))),
      ),
    ),
  );
}
function spectralText() {
  const vv = (name) => `(local.get $${name})`;
  const C3bytes = bytes(get('C3'));
  const Cbytes = bytes(get('C'));
  const Chbytes = bytes(get('Ch'));
  const headPointers = `
      ${set('qp', add(get('qkv'), bytes(add(mul(mul(get('w'), get('P')), get('C3')), mul(get('h'), get('Ch'))))))}
      ${set('kp', add(get('qp'), Cbytes))}
      ${set('vp', add(get('kp'), Cbytes))}
      ${set('op', add(get('out'), bytes(add(mul(mul(get('w'), get('P')), get('C')), mul(get('h'), get('Ch'))))))}
      ${set('sc', fload(add(get('scale'), bytes(get('h')))))} ${set('vsc', splat(vv('sc')))}
      ;; S = K^T Q: A-operand K^T (element (i, p) at kp + p 3C + i), B = Q (rows 3C apart)
      (call $gemmStrided ${get('kp')} ${get('qp')} ${get('S')} ${get('Ch')} ${get('P')} ${get('Ch')} (i32.const 4) ${C3bytes} ${C3bytes} ${Chbytes} (i32.const 0))`;
  const rowPointers = `
        ${set('row', add(get('S'), bytes(mul(get('i'), get('Ch')))))}
        ${set('arow', add(get('A'), bytes(mul(get('i'), get('Ch')))))}
        ${set('brow', add(get('bias'), bytes(mul(add(mul(get('h'), get('Ch')), get('i')), get('Ch')))))}
        ${set('st', add(get('stats'), `(i32.shl ${add(mul(add(mul(get('w'), get('T')), get('h')), get('Ch')), get('i'))} (i32.const 3))`))}`;
  const logitV = (at) =>
    `(f32x4.add (f32x4.mul ${vload(at(get('row')))} ${vv('vsc')}) ${vload(at(get('brow')))})`;
  const logitS = (at) => `(f32.add (f32.mul ${fload(at(get('row')))} ${vv('sc')}) ${fload(at(get('brow')))})`;
  const forwardRow = `${rowPointers}
        ${set('vmx', f4('-inf'))} ${set('mx', '(f32.const -inf)')}
        ${rowLoop(
          'L',
          get('Ch'),
          (at) =>
            `${set('e', logitV(at))} ${vstore(at(get('arow')), vv('e'))} ${set('vmx', `(f32x4.max ${vv('vmx')} ${vv('e')})`)}`,
          (at) =>
            `${set('fe', logitS(at))} ${fstore(at(get('arow')), vv('fe'))} ${set('mx', `(f32.max ${vv('mx')} ${vv('fe')})`)}`,
        )}
        ${set('mx', `(f32.max ${vv('mx')} ${hmax(vv('vmx'))})`)} ${set('vmx', splat(vv('mx')))}
        ${set('vsm', f4(0))} ${set('sm', '(f32.const 0)')}
        ${rowLoop(
          'E',
          get('Ch'),
          (at) =>
            `${set('e', `(call $exp4 (f32x4.sub ${vload(at(get('arow')))} ${vv('vmx')}))`)} ${vstore(at(get('arow')), vv('e'))} ${set('vsm', `(f32x4.add ${vv('vsm')} ${vv('e')})`)}`,
          (at) =>
            `${set('fe', expScalar(`(f32.sub ${fload(at(get('arow')))} ${vv('mx')})`))} ${fstore(at(get('arow')), vv('fe'))} ${set('sm', `(f32.add ${vv('sm')} ${vv('fe')})`)}`,
        )}
        ${set('inv', `(f32.div (f32.const 1) (f32.add ${vv('sm')} ${hsum(vv('vsm'))}))`)} ${set('vinv', splat(vv('inv')))}
        ${rowLoop(
          'N',
          get('Ch'),
          (at) => vstore(at(get('arow')), `(f32x4.mul ${vload(at(get('arow')))} ${vv('vinv')})`),
          (at) => fstore(at(get('arow')), `(f32.mul ${fload(at(get('arow')))} ${vv('inv')})`),
        )}
        ${fstore(get('st'), vv('mx'))} (f32.store offset=4 align=4 ${get('st')} ${vv('inv')})`;
  // A^T (into $X) when the product uses it, else A itself
  const pickB = (whenTransposed) => `
      (if ${whenTransposed} (then ${transposeSquare(get('A'))} ${set('bmat', get('X'))}) (else ${set('bmat', get('A'))}))`;
  const prologue = (backward) => `
    ${spectralLocals}
    ${spectralDescriptor()}
    ${set('C', mul(get('T'), get('Ch')))} ${set('C3', mul(get('C'), i32(3)))}
    ${set('S', add(`(i32.load offset=${SPECTRAL_DESC.scratch} ${get('desc')})`, mul(get('thread'), `(i32.load offset=${SPECTRAL_DESC.scratchBytes} ${get('desc')})`)))}
    ${set('A', add(get('S'), bytes(mul(get('Ch'), get('Ch')))))}
    ${set('D', add(get('A'), bytes(mul(get('Ch'), get('Ch')))))}
    ${set('X', add(get('D'), bytes(mul(get('Ch'), get('Ch')))))}
    ${
      backward
        ? `${set('dqkv', `(i32.load offset=${SPECTRAL_DESC.dqkv} ${get('desc')})`)}
    ${set('dbias', add(`(i32.load offset=${SPECTRAL_DESC.partial} ${get('desc')})`, mul(get('thread'), `(i32.load offset=${SPECTRAL_DESC.partialBytes} ${get('desc')})`)))}
    ${set('dscale', add(get('dbias'), bytes(mul(get('T'), mul(get('Ch'), get('Ch'))))))}
    (memory.fill ${get('dbias')} (i32.const 0) ${bytes(add(mul(get('T'), mul(get('Ch'), get('Ch'))), get('T')))})`
        : ''
    }
    ${set('w', get('w0'))}`;

  const forward = `
  (func (export "spectralFwd") (param $desc i32) (param $w0 i32) (param $w1 i32) (param $thread i32)
    ${prologue(false)}
    (block $WDone (loop $W
      (br_if $WDone (i32.ge_u ${get('w')} ${get('w1')}))
      ${forLoop(
        'H',
        'h',
        get('T'),
        `${headPointers}
      ${forLoop('I', 'i', get('Ch'), forwardRow)}
      ${pickB(get('tr'))}
      ;; out = V B (B = A or A^T): A-operand V (rows 3C apart), out rows C apart
      (call $gemmStrided ${get('vp')} ${get('bmat')} ${get('op')} ${get('P')} ${get('Ch')} ${get('Ch')} ${C3bytes} (i32.const 4) ${Chbytes} ${Cbytes} (i32.const 0))`,
      )}
      ${set('w', add(get('w'), i32(1)))}
      (br $W))))`;

  // backward rows: $A = A (recomputed), $D = dA, then dS = scale dL into $D
  const backwardRow = `${rowPointers}
        ${set('drow', add(get('D'), bytes(mul(get('i'), get('Ch')))))}
        ${set('gb', add(get('dbias'), bytes(mul(add(mul(get('h'), get('Ch')), get('i')), get('Ch')))))}
        ${set('vmx', splat(fload(get('st'))))} ${set('mx', fload(get('st')))}
        (local.set $inv (f32.load offset=4 align=4 ${get('st')})) ${set('vinv', splat(vv('inv')))}
        ${set('vdelta', f4(0))} ${set('delta', '(f32.const 0)')}
        ${rowLoop(
          'B',
          get('Ch'),
          (at) =>
            `${set('p', `(f32x4.mul (call $exp4 (f32x4.sub ${logitV(at)} ${vv('vmx')})) ${vv('vinv')})`)} ${vstore(at(get('arow')), vv('p'))}
          ${set('vdelta', `(f32x4.add ${vv('vdelta')} (f32x4.mul ${vv('p')} ${vload(at(get('drow')))}))`)}`,
          (at) =>
            `${set('fp', `(f32.mul ${expScalar(`(f32.sub ${logitS(at)} ${vv('mx')})`)} ${vv('inv')})`)} ${fstore(at(get('arow')), vv('fp'))}
          ${set('delta', `(f32.add ${vv('delta')} (f32.mul ${vv('fp')} ${fload(at(get('drow')))}))`)}`,
        )}
        ${set('delta', `(f32.add ${vv('delta')} ${hsum(vv('vdelta'))})`)} ${set('vdelta', splat(vv('delta')))}
        ${rowLoop(
          'G',
          get('Ch'),
          (
            at,
          ) => `${set('e', `(f32x4.mul ${vload(at(get('arow')))} (f32x4.sub ${vload(at(get('drow')))} ${vv('vdelta')}))`)}
          ${set('vdsAcc', `(f32x4.add ${vv('vdsAcc')} (f32x4.mul ${vv('e')} ${vload(at(get('row')))}))`)}
          ${vstore(at(get('gb')), `(f32x4.add ${vload(at(get('gb')))} ${vv('e')})`)}
          ${vstore(at(get('drow')), `(f32x4.mul ${vv('e')} ${vv('vsc')})`)}`,
          (
            at,
          ) => `${set('fe', `(f32.mul ${fload(at(get('arow')))} (f32.sub ${fload(at(get('drow')))} ${vv('delta')}))`)}
          ${set('dsAcc', `(f32.add ${vv('dsAcc')} (f32.mul ${vv('fe')} ${fload(at(get('row')))}))`)}
          ${fstore(at(get('gb')), `(f32.add ${fload(at(get('gb')))} ${vv('fe')})`)}
          ${fstore(at(get('drow')), `(f32.mul ${vv('fe')} ${vv('sc')})`)}`,
        )}`;

  const backward = `
  (func (export "spectralBwd") (param $desc i32) (param $w0 i32) (param $w1 i32) (param $thread i32)
    ${prologue(true)}
    (block $WDone (loop $W
      (br_if $WDone (i32.ge_u ${get('w')} ${get('w1')}))
      ${forLoop(
        'H',
        'h',
        get('T'),
        `${headPointers}
      ;; here $op is the head's dOut. dA = V^T dOut (paper) or dOut^T V (transposed product), into $D
      (if ${get('tr')}
        (then (call $gemmStrided ${get('op')} ${get('vp')} ${get('D')} ${get('Ch')} ${get('P')} ${get('Ch')} (i32.const 4) ${Cbytes} ${C3bytes} ${Chbytes} (i32.const 0)))
        (else (call $gemmStrided ${get('vp')} ${get('op')} ${get('D')} ${get('Ch')} ${get('P')} ${get('Ch')} (i32.const 4) ${C3bytes} ${Cbytes} ${Chbytes} (i32.const 0))))
      ${set('vdsAcc', f4(0))} ${set('dsAcc', '(f32.const 0)')}
      ${forLoop('I', 'i', get('Ch'), backwardRow)}
      ${fstore(add(get('dscale'), bytes(get('h'))), `(f32.add ${fload(add(get('dscale'), bytes(get('h'))))} (f32.add ${vv('dsAcc')} ${hsum(vv('vdsAcc'))}))`)}
      ${set('dq', add(get('dqkv'), bytes(add(mul(mul(get('w'), get('P')), get('C3')), mul(get('h'), get('Ch'))))))}
      ;; dV = dOut A^T (paper) or dOut A (transposed product)
      ${pickB(`(i32.eqz ${get('tr')})`)}
      (call $gemmStrided ${get('op')} ${get('bmat')} ${add(get('dq'), bytes(mul(get('C'), i32(2))))} ${get('P')} ${get('Ch')} ${get('Ch')} ${Cbytes} (i32.const 4) ${Chbytes} ${C3bytes} (i32.const 0))
      ;; dQ = K dS, dK = Q dS^T (dS = scale dL in $D)
      (call $gemmStrided ${get('kp')} ${get('D')} ${get('dq')} ${get('P')} ${get('Ch')} ${get('Ch')} ${C3bytes} (i32.const 4) ${Chbytes} ${C3bytes} (i32.const 0))
      ${transposeSquare(get('D'))}
      (call $gemmStrided ${get('qp')} ${get('X')} ${add(get('dq'), Cbytes)} ${get('P')} ${get('Ch')} ${get('Ch')} ${C3bytes} (i32.const 4) ${Chbytes} ${C3bytes} (i32.const 0))`,
      )}
      ${set('w', add(get('w'), i32(1)))}
      (br $W))))`;
  return `${forward}\n${backward}`;
}

/** Steps of p per pass over C: a 128-row slice of B (and of A) stays in cache while every block of C uses it. */
const KC = 128;

function moduleText(shared, relaxed) {
  const memory = shared ? '(memory 1 65536 shared)' : '(memory 1)';
  const kernels = [];
  for (const width of [8, 4, 3, 2, 1]) for (const rows of [4, 1]) kernels.push(kernel(rows, width, relaxed));
  return `(module
  (import "env" "memory" ${memory})
${kernels.join('\n')}
  ;; One pass over C for k steps of p (acc: add to C instead of overwriting it).
  (func $pass (param $a i32) (param $b i32) (param $c i32) (param $m i32) (param $k i32) (param $n i32)
      (param $sRow i32) (param $sCol i32) (param $ldb i32) (param $ldc i32) (param $acc i32)
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
        (i32.or (local.get $acc) (i32.ne (local.get $p) (i32.const 0))))
      (local.set $p (i32.add (local.get $p) (local.get $kk)))
      (br $P))))
  ;; One matrix product C = A B in passes of at most ${KC} steps of p (B and C row-major with n columns).
  (func $gemm (export "gemm") (param $a i32) (param $b i32) (param $c i32) (param $m i32) (param $k i32) (param $n i32)
      (param $sRow i32) (param $sCol i32)
    (call $gemmStrided (local.get $a) (local.get $b) (local.get $c) (local.get $m) (local.get $k) (local.get $n)
      (local.get $sRow) (local.get $sCol) (i32.shl (local.get $n) (i32.const 2)) (i32.shl (local.get $n) (i32.const 2))
      (i32.const 0)))
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
${layerNormText()}
${attentionText()}
${spectralText()}
)
`;
}

const wabt = await wabtFactory();
/** Whether this engine runs relaxed SIMD (Node 22+, or Node 20 with --experimental-wasm-relaxed-simd). */
function engineHasRelaxedSimd() {
  const probe = wabt.parseWat(
    'probe.wat',
    '(module (func (param v128) (result v128) (f32x4.relaxed_madd (local.get 0) (local.get 0) (local.get 0))))',
    { simd: true, relaxed_simd: true },
  );
  const { buffer } = probe.toBinary({});
  probe.destroy();
  return WebAssembly.validate(buffer);
}
function assemble(shared, relaxed = false) {
  const parsed = wabt.parseWat('simd.wat', moduleText(shared, relaxed), {
    simd: true,
    threads: true,
    relaxed_simd: relaxed,
  });
  // Validated by the engine itself: wabt.js's validator rejects shared memories even with threads on. The relaxed
  // variants only where the engine has relaxed SIMD (the committed file does not depend on it).
  const { buffer } = parsed.toBinary({});
  parsed.destroy();
  if ((!relaxed || engineHasRelaxedSimd()) && !WebAssembly.validate(buffer))
    throw new Error(
      `the ${shared ? 'shared' : 'plain'}${relaxed ? ' relaxed' : ''} SIMD module does not validate`,
    );
  return Buffer.from(buffer).toString('base64');
}

const text = `// Generated by scripts/build-simd-wasm.mjs (WebAssembly text assembled with wabt); do not edit.
// A test checks that this file matches the generator.

/** The module importing a plain memory (base64). */
export const SIMD_WASM = '${assemble(false)}';

/** The module importing a shared memory (base64). */
export const SIMD_WASM_SHARED = '${assemble(true)}';

/** The same modules with relaxed SIMD's fused multiply-add (f32x4.relaxed_madd) in the matrix micro-kernels. */
export const SIMD_WASM_RELAXED = '${assemble(false, true)}';

/** The shared-memory module with relaxed SIMD's fused multiply-add. */
export const SIMD_WASM_SHARED_RELAXED = '${assemble(true, true)}';
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
