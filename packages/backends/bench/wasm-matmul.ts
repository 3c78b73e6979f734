/**
 * tfjs-backend-wasm's own BatchMatMul (XNNPACK for batch-1 untransposed products) against @s2cassi/backends' SIMD kernel, on the
 * products an S2-Transformer makes (C = 60, T = 6, M = 8, 128 x 128: 16384 tokens, 256 windows), wasm,
 * 1 thread, interleaved (own, ours, own, ours, ...) so that machine load hits both alike; medians in ms.
 *
 *   npx tsx --conditions=@s2cassi/source packages/backends/bench/wasm-matmul.ts [--repeat N]
 */
import * as tf from '@tensorflow/tfjs-core';
import { setupBackend } from '../src/index';
import { registerWasmMatmul, unregisterWasmMatmul } from '../src/wasm/kernels/batch-mat-mul';

const args = process.argv.slice(2);
const repeatIndex = args.indexOf('--repeat');
const repeat = repeatIndex >= 0 ? Number(args[repeatIndex + 1]) : 5;
const median = (a: number[]) => [...a].sort((p, q) => p - q)[Math.floor(a.length / 2)];

await setupBackend('wasm');
const cases: Array<[string, number[], number[], boolean, boolean]> = [
  ['linear forward x W', [16384, 60], [60, 240], false, false],
  ['linear input gradient dY Wᵀ', [16384, 240], [60, 240], false, true],
  ['linear weight gradient Xᵀ dY', [16384, 60], [16384, 240], true, false],
  ['spatial Q Kᵀ (per window, head)', [6, 256, 64, 10], [6, 256, 64, 10], false, true],
  ['spatial A V', [6, 256, 64, 64], [6, 256, 64, 10], false, false],
  ['spatial dA = dO Vᵀ', [6, 256, 64, 10], [6, 256, 64, 10], false, true],
  ['spatial dV = Aᵀ dO', [6, 256, 64, 64], [6, 256, 64, 10], true, false],
  ['spectral Kᵀ Q (per window, head)', [1536, 64, 10], [1536, 64, 10], true, false],
];
console.log('| product | shapes | tfjs-wasm (ms) | ours (ms) | speed-up | GMAC/s (ours) |');
console.log('|---|---|---:|---:|---:|---:|');
for (const [label, aShape, bShape, ta, tb] of cases) {
  const a = tf.randomNormal(aShape, 0, 1, 'float32', 1);
  const b = tf.randomNormal(bShape, 0, 1, 'float32', 2);
  const times = { own: [] as number[], ours: [] as number[] };
  let macs = 0;
  for (let r = 0; r <= repeat; r++) {
    for (const which of ['own', 'ours'] as const) {
      if (which === 'own') unregisterWasmMatmul();
      else registerWasmMatmul();
      const start = performance.now();
      const out = tf.matMul(a, b, ta, tb);
      await out.data();
      const ms = performance.now() - start;
      const [m, n] = out.shape.slice(-2);
      macs = (out.size / (m * n)) * m * n * (ta ? aShape[aShape.length - 2] : aShape[aShape.length - 1]);
      out.dispose();
      if (r > 0) times[which].push(ms);
    }
  }
  const own = median(times.own);
  const ours = median(times.ours);
  console.log(
    `| ${label} | ${JSON.stringify(aShape)}${ta ? 'ᵀ' : ''} × ${JSON.stringify(bShape)}${tb ? 'ᵀ' : ''} | ${own.toFixed(1)} | ${ours.toFixed(1)} | ${(own / ours).toFixed(1)}× | ${(macs / 1e6 / ours).toFixed(1)} |`,
  );
  tf.dispose([a, b]);
}
registerWasmMatmul();
