// Generates src/simd-wasm.generated.ts: the WebAssembly SIMD module whose functions the wasm kernels of
// src/wasm/kernels/ call (see each kernel's file for why it is needed).
//
//   node packages/backends/scripts/build-simd-wasm.mjs          # writes src/simd-wasm.generated.ts
//   node packages/backends/scripts/build-simd-wasm.mjs --check  # exits 1 if the committed file is stale
//   npx -y pnpm@12.4.2 --filter @s2cassi/backends run generate:wasm   # the same as the first (also a turbo task)
//
// The module is written in WebAssembly text (generated, so the register-blocked micro-kernels are not copied by
// hand) and assembled with wabt; Binaryen then inlines the small vector helpers ($exp4, $softmaxExp4, $erf4, $phi4,
// $gelu4, $geluGrad4) into their callers (see inlineHelpers). One file per kernel under scripts/wasm/ exports its functions' text, and this
// driver assembles them into one module, in a fixed order (function indices follow it). Two variants: one imports a
// plain memory (tfjs's own, so kernels read and write tensors in place), one a shared memory (the threaded tfjs
// build's). Each also in a relaxed-SIMD build whose matrix micro-kernels accumulate with f32x4.relaxed_madd (one
// fused multiply-add where the CPU has FMA, else a multiply and an add; results then differ from the plain build in
// float32 rounding only), picked at run time where the engine validates it (src/wasm/_simd-module.ts).
//
// Exported functions (pointers and strides in bytes, counts in elements, float32 throughout), by file:
// - scripts/wasm/matmul.mjs: matmul(a, b, c, batch, m, k, n, strideA, strideB, transposeA) and
//   gemm(a, b, c, m, k, n, sRow, sCol), the matrix products (BatchMatMul, the conv filter gradient, and
//   $gemmStrided inside the attention kernels).
// - scripts/wasm/erf.mjs: erf(x, y, count); scripts/wasm/exp.mjs: exp(x, y, count).
// - scripts/wasm/gelu.mjs: gelu(x, y, count) and geluGrad(x, dy, dx, count), the fused exact GELU.
// - scripts/wasm/transpose.mjs: swap(src, dst, outer, a, b, inner, j0, j1), a transpose of two adjacent axes.
// - scripts/wasm/sum.mjs: sumRows(x, y, outer, rows, cols), a reduction over middle axes.
// - scripts/wasm/layer-norm.mjs: layerNorm(x, gamma, beta, y, stats, rows, cols, epsBits) and
//   layerNormGrad(x, gamma, stats, dy, dx, partial, rows, cols).
// - scripts/wasm/window-attention.mjs: attnFwd(desc, w0, w1, thread) and attnBwd(desc, w0, w1, thread), fused
//   spatial window attention over windows [w0, w1), its parameters in an int32 descriptor.
// - scripts/wasm/spectral-attention.mjs: spectralFwd(desc, w0, w1, thread) and spectralBwd(desc, w0, w1, thread),
//   fused spectral (Ch x Ch) window attention.
// scripts/wasm/_wat.mjs holds the text helpers they share.
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import binaryen from 'binaryen';
import wabtFactory from 'wabt';
import { erfText } from './wasm/erf.mjs';
import { expText } from './wasm/exp.mjs';
import { geluText } from './wasm/gelu.mjs';
import { layerNormText } from './wasm/layer-norm.mjs';
import { matmulText } from './wasm/matmul.mjs';
import { spectralText } from './wasm/spectral-attention.mjs';
import { sumRowsText } from './wasm/sum.mjs';
import { swapText } from './wasm/transpose.mjs';
import { attentionText } from './wasm/window-attention.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const target = resolve(here, '../src/simd-wasm.generated.ts');

/** The whole module: a plain or shared memory, the plain or relaxed-SIMD matrix micro-kernels. */
function moduleText(shared, relaxed) {
  const memory = shared ? '(memory 1 65536 shared)' : '(memory 1)';
  return `(module
  (import "env" "memory" ${memory})
${matmulText(relaxed)}
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
/** The functions that stay calls: the matrix micro-kernels and passes (big, with loops, called once per block). */
const NOT_INLINED = ['k*', 'pass', 'panel', 'gemmInit', 'gemm'];

/**
 * Inlines the vector helpers ($exp4, $softmaxExp4, $erf4, $phi4, $gelu4, $geluGrad4) into their callers with Binaryen. V8 (Node
 * 20, and browsers before their wasm inliner) compiles each as a real call inside the hot loops, spilling every live
 * vector around it: the elementwise GELU ran at half speed. Binaryen's inliner substitutes the bodies (renaming
 * locals); its optimizations preserve IEEE semantics (no reassociation), so results are those of the calls.
 */
function inlineHelpers(raw, relaxed) {
  binaryen.setDebugInfo(true); // keep the function names the patterns below match
  const mod = binaryen.readBinary(raw);
  mod.setFeatures(
    binaryen.Features.SIMD128 |
      binaryen.Features.Atomics |
      binaryen.Features.BulkMemory |
      binaryen.Features.BulkMemoryOpt |
      binaryen.Features.NontrappingFPToInt |
      binaryen.Features.SignExt |
      binaryen.Features.MutableGlobals |
      (relaxed ? binaryen.Features.RelaxedSIMD : 0),
  );
  binaryen.setOptimizeLevel(3);
  binaryen.setShrinkLevel(0);
  binaryen.setAlwaysInlineMaxSize(1000);
  binaryen.setOneCallerInlineMaxSize(0);
  for (const pattern of NOT_INLINED) {
    binaryen.setPassArgument('no-inline', pattern);
    mod.runPasses(['no-inline']);
  }
  binaryen.clearPassArguments();
  mod.runPasses(['inlining-optimizing']);
  if (!mod.validate()) throw new Error('binaryen: the module with inlined helpers does not validate');
  binaryen.setDebugInfo(false); // no names section in the shipped module
  const out = mod.emitBinary();
  mod.dispose();
  return out;
}
function assemble(shared, relaxed = false) {
  const parsed = wabt.parseWat('simd.wat', moduleText(shared, relaxed), {
    simd: true,
    threads: true,
    relaxed_simd: relaxed,
  });
  // Validated by the engine itself: wabt.js's validator rejects shared memories even with threads on. The relaxed
  // variants only where the engine has relaxed SIMD (the committed file does not depend on it).
  const { buffer: raw } = parsed.toBinary({ write_debug_names: true });
  parsed.destroy();
  const buffer = inlineHelpers(raw, relaxed);
  if ((!relaxed || engineHasRelaxedSimd()) && !WebAssembly.validate(buffer))
    throw new Error(
      `the ${shared ? 'shared' : 'plain'}${relaxed ? ' relaxed' : ''} SIMD module does not validate`,
    );
  return Buffer.from(buffer).toString('base64');
}

const text = `// Generated by scripts/build-simd-wasm.mjs (WebAssembly text assembled with wabt, helpers inlined by Binaryen); do not edit.
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
