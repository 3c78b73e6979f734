// Generates src/matmul-wasm.generated.ts: a WebAssembly SIMD batched matrix multiply for the wasm backend's
// BatchMatMul (see src/wasm-matmul.ts for why tfjs-backend-wasm's own is slow).
//
//   node packages/backends/scripts/build-matmul-wasm.mjs          # writes src/matmul-wasm.generated.ts
//   node packages/backends/scripts/build-matmul-wasm.mjs --check  # exits 1 if the committed file is stale
//
// The module is written in WebAssembly text (generated below, so the register-blocked micro-kernels are not
// copied by hand) and assembled with wabt. Two variants: one imports a plain memory (tfjs's own, so kernels
// read and write tensors in place), one a shared memory (the threaded tfjs build's).
//
// Exported function: matmul(a, b, c, batch, m, k, n, strideA, strideB)
//   for each batch index t: C_t = A_t B_t with A_t = m x k at a + t * strideA, B_t = k x n at b + t * strideB,
//   C_t = m x n at c + t * m * n * 4; all row-major float32, pointers and strides in bytes, k >= 1.
// Blocking: 4 rows x 8 columns (8 f32x4 accumulators), then 1 x 8, 4 x 4, 1 x 4 for the edges, then 4 x r
// and 1 x r (r = n mod 4 < 4, partial vector loads and lane stores). Each output is a plain sum over p in
// ascending order.
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import wabtFactory from 'wabt';

const here = dirname(fileURLToPath(import.meta.url));
const target = resolve(here, '../src/matmul-wasm.generated.ts');

/** Micro-kernel: rows x (4 * vectors) block of C from A rows and B columns, over all k. */
function microKernel(rows, vectors) {
  const name = `$k${rows}x${4 * vectors}`;
  const locals = [];
  for (let r = 0; r < rows; r++) locals.push(`(local $a${r} i32)`);
  for (let r = 0; r < rows; r++) for (let v = 0; v < vectors; v++) locals.push(`(local $acc${r}_${v} v128)`);
  for (let v = 0; v < vectors; v++) locals.push(`(local $b${v} v128)`);
  const body = [];
  body.push('(local.set $ldb (i32.shl (local.get $n) (i32.const 2)))');
  body.push('(local.set $a0 (local.get $a))');
  for (let r = 1; r < rows; r++)
    body.push(`(local.set $a${r} (i32.add (local.get $a${r - 1}) (i32.shl (local.get $k) (i32.const 2))))`);
  body.push('(local.set $p (local.get $k))');
  const inner = [];
  for (let v = 0; v < vectors; v++)
    inner.push(`(local.set $b${v} (v128.load offset=${16 * v} align=4 (local.get $b)))`);
  for (let r = 0; r < rows; r++) {
    inner.push(`(local.set $s (v128.load32_splat align=4 (local.get $a${r})))`);
    for (let v = 0; v < vectors; v++)
      inner.push(
        `(local.set $acc${r}_${v} (f32x4.add (local.get $acc${r}_${v}) (f32x4.mul (local.get $s) (local.get $b${v}))))`,
      );
    inner.push(`(local.set $a${r} (i32.add (local.get $a${r}) (i32.const 4)))`);
  }
  inner.push('(local.set $b (i32.add (local.get $b) (local.get $ldb)))');
  inner.push('(local.set $p (i32.sub (local.get $p) (i32.const 1)))');
  inner.push('(br_if $L (local.get $p))');
  body.push(`(loop $L\n      ${inner.join('\n      ')})`);
  for (let r = 0; r < rows; r++) {
    for (let v = 0; v < vectors; v++)
      body.push(`(v128.store offset=${16 * v} align=4 (local.get $c) (local.get $acc${r}_${v}))`);
    if (r < rows - 1) body.push('(local.set $c (i32.add (local.get $c) (local.get $ldb)))');
  }
  return `  (func ${name} (param $a i32) (param $b i32) (param $c i32) (param $k i32) (param $n i32)
    (local $p i32) (local $ldb i32) (local $s v128)
    ${locals.join(' ')}
    ${body.join('\n    ')})`;
}

/**
 * Micro-kernel for the last `width` (1-3) columns: B's row piece is loaded into the low lanes of one
 * vector (the other lanes are zero and never stored), so the edge runs as fast as the 4-wide kernel.
 */
function edgeKernel(rows, width) {
  const name = `$k${rows}x${width}`;
  const locals = [];
  for (let r = 0; r < rows; r++) locals.push(`(local $a${r} i32) (local $acc${r} v128)`);
  const load =
    width === 1
      ? '(v128.load32_zero align=4 (local.get $b))'
      : width === 2
        ? '(v128.load64_zero align=4 (local.get $b))'
        : '(f32x4.replace_lane 2 (v128.load64_zero align=4 (local.get $b)) (f32.load offset=8 (local.get $b)))';
  const body = [];
  body.push('(local.set $ldb (i32.shl (local.get $n) (i32.const 2)))');
  body.push('(local.set $a0 (local.get $a))');
  for (let r = 1; r < rows; r++)
    body.push(`(local.set $a${r} (i32.add (local.get $a${r - 1}) (i32.shl (local.get $k) (i32.const 2))))`);
  body.push('(local.set $p (local.get $k))');
  const inner = [`(local.set $bv ${load})`];
  for (let r = 0; r < rows; r++) {
    inner.push(
      `(local.set $acc${r} (f32x4.add (local.get $acc${r}) (f32x4.mul (v128.load32_splat align=4 (local.get $a${r})) (local.get $bv))))`,
    );
    inner.push(`(local.set $a${r} (i32.add (local.get $a${r}) (i32.const 4)))`);
  }
  inner.push('(local.set $b (i32.add (local.get $b) (local.get $ldb)))');
  inner.push('(local.set $p (i32.sub (local.get $p) (i32.const 1)))');
  inner.push('(br_if $L (local.get $p))');
  body.push(`(loop $L\n      ${inner.join('\n      ')})`);
  for (let r = 0; r < rows; r++) {
    if (width === 1) body.push(`(v128.store32_lane align=4 0 (local.get $c) (local.get $acc${r}))`);
    else body.push(`(v128.store64_lane align=4 0 (local.get $c) (local.get $acc${r}))`);
    if (width === 3)
      body.push(`(f32.store offset=8 (local.get $c) (f32x4.extract_lane 2 (local.get $acc${r})))`);
    if (r < rows - 1) body.push('(local.set $c (i32.add (local.get $c) (local.get $ldb)))');
  }
  return `  (func ${name} (param $a i32) (param $b i32) (param $c i32) (param $k i32) (param $n i32)
    (local $p i32) (local $ldb i32) (local $bv v128)
    ${locals.join(' ')}
    ${body.join('\n    ')})`;
}

/** Rows loop for one column block: 4-row micro-kernels, then 1-row ones. */
function rowsLoop(width) {
  return `
      (local.set $i (i32.const 0))
      (block $R4done (loop $R4
        (br_if $R4done (i32.gt_u (i32.add (local.get $i) (i32.const 4)) (local.get $m)))
        (call $k4x${width}
          (i32.add (local.get $a) (i32.mul (local.get $i) (local.get $lda)))
          (i32.add (local.get $b) (i32.shl (local.get $j) (i32.const 2)))
          (i32.add (local.get $c) (i32.shl (i32.add (i32.mul (local.get $i) (local.get $n)) (local.get $j)) (i32.const 2)))
          (local.get $k) (local.get $n))
        (local.set $i (i32.add (local.get $i) (i32.const 4)))
        (br $R4)))
      (block $R1done (loop $R1
        (br_if $R1done (i32.ge_u (local.get $i) (local.get $m)))
        (call $k1x${width}
          (i32.add (local.get $a) (i32.mul (local.get $i) (local.get $lda)))
          (i32.add (local.get $b) (i32.shl (local.get $j) (i32.const 2)))
          (i32.add (local.get $c) (i32.shl (i32.add (i32.mul (local.get $i) (local.get $n)) (local.get $j)) (i32.const 2)))
          (local.get $k) (local.get $n))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $R1)))`;
}

function moduleText(shared) {
  const memory = shared ? '(memory 1 65536 shared)' : '(memory 1)';
  return `(module
  (import "env" "memory" ${memory})
${microKernel(4, 2)}
${microKernel(1, 2)}
${microKernel(4, 1)}
${microKernel(1, 1)}
${edgeKernel(4, 3)}
${edgeKernel(1, 3)}
${edgeKernel(4, 2)}
${edgeKernel(1, 2)}
${edgeKernel(4, 1)}
${edgeKernel(1, 1)}
  ;; One matrix product C = A B (m x k times k x n), all pointers in bytes.
  (func $gemm (param $a i32) (param $b i32) (param $c i32) (param $m i32) (param $k i32) (param $n i32)
    (local $i i32) (local $j i32) (local $lda i32)
    (local.set $lda (i32.shl (local.get $k) (i32.const 2)))
    (local.set $j (i32.const 0))
    (block $C8done (loop $C8
      (br_if $C8done (i32.gt_u (i32.add (local.get $j) (i32.const 8)) (local.get $n)))${rowsLoop(8)}
      (local.set $j (i32.add (local.get $j) (i32.const 8)))
      (br $C8)))
    (if (i32.le_u (i32.add (local.get $j) (i32.const 4)) (local.get $n))
      (then${rowsLoop(4)}
        (local.set $j (i32.add (local.get $j) (i32.const 4)))))
    ;; the last n mod 4 columns
    (if (i32.eq (i32.sub (local.get $n) (local.get $j)) (i32.const 3)) (then${rowsLoop(3)}))
    (if (i32.eq (i32.sub (local.get $n) (local.get $j)) (i32.const 2)) (then${rowsLoop(2)}))
    (if (i32.eq (i32.sub (local.get $n) (local.get $j)) (i32.const 1)) (then${rowsLoop(1)})))
  (func (export "matmul") (param $a i32) (param $b i32) (param $c i32) (param $batch i32)
        (param $m i32) (param $k i32) (param $n i32) (param $strideA i32) (param $strideB i32)
    (local $t i32) (local $strideC i32)
    (local.set $strideC (i32.shl (i32.mul (local.get $m) (local.get $n)) (i32.const 2)))
    (block $done (loop $T
      (br_if $done (i32.ge_u (local.get $t) (local.get $batch)))
      (call $gemm (local.get $a) (local.get $b) (local.get $c) (local.get $m) (local.get $k) (local.get $n))
      (local.set $a (i32.add (local.get $a) (local.get $strideA)))
      (local.set $b (i32.add (local.get $b) (local.get $strideB)))
      (local.set $c (i32.add (local.get $c) (local.get $strideC)))
      (local.set $t (i32.add (local.get $t) (i32.const 1)))
      (br $T))))
)
`;
}

const wabt = await wabtFactory();
function assemble(shared) {
  const parsed = wabt.parseWat('matmul.wat', moduleText(shared), { simd: true, threads: true });
  // Validated by the engine itself: wabt.js's validator rejects shared memories even with threads on.
  const { buffer } = parsed.toBinary({});
  parsed.destroy();
  if (!WebAssembly.validate(buffer))
    throw new Error(`the ${shared ? 'shared' : 'plain'} matmul module does not validate`);
  return Buffer.from(buffer).toString('base64');
}

const text = `// Generated by scripts/build-matmul-wasm.mjs (WebAssembly text assembled with wabt); do not edit.
// A test checks that this file matches the generator.

/** The module importing a plain memory (base64). */
export const MATMUL_WASM = '${assemble(false)}';

/** The module importing a shared memory (base64). */
export const MATMUL_WASM_SHARED = '${assemble(true)}';
`;

if (process.argv.includes('--check')) {
  const current = readFileSync(target, 'utf8');
  if (current !== text) {
    console.error(`${target} is stale: run node packages/backends/scripts/build-matmul-wasm.mjs`);
    process.exit(1);
  }
  console.log(`${target} is up to date`);
} else {
  writeFileSync(target, text);
  console.log(`wrote ${target} (${text.length} characters)`);
}
