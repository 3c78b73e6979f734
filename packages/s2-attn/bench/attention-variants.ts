/**
 * A/B timing of implementation variants of one Parall-SS block (C=60, T=6, M=8) at 256 x 256 on wasm,
 * interleaved (A, B, A, B, ...) so that machine load affects both alike; prints the median of each.
 *
 *   npx tsx --conditions=@s2cassi/source packages/s2-attn/bench/attention-variants.ts [--repeat N]
 */
import { setupBackend } from '@s2cassi/backends';
import * as tf from '@tensorflow/tfjs-core';
import { type QkvImplementation, setQkvImplementation } from '../src/_heads';
import { ParallSsBlock } from '../src/index';

const args = process.argv.slice(2);
const repeatIndex = args.indexOf('--repeat');
const repeat = repeatIndex >= 0 ? Number(args[repeatIndex + 1]) : 5;

await setupBackend('wasm');
const x = tf.randomUniform([1, 256, 256, 60], -1, 1, 'float32', 3);
const blocks = [0, 4].map((shift) => new ParallSsBlock({ features: 60, heads: 6, windowSize: 8, shift }));
const variants: QkvImplementation[] = ['fused', 'separate'];
const times: Record<string, number[]> = { fused: [], separate: [] };
const median = (a: number[]) => [...a].sort((p, q) => p - q)[Math.floor(a.length / 2)];

for (let r = 0; r < repeat + 1; r++) {
  for (const variant of variants) {
    setQkvImplementation(variant);
    const start = performance.now();
    for (const block of blocks) {
      const y = block.apply(x);
      await y.data();
      y.dispose();
    }
    if (r > 0) times[variant].push((performance.now() - start) / blocks.length);
  }
}
for (const variant of variants) {
  console.log(
    `qkv ${variant}: median ${median(times[variant]).toFixed(0)} ms per block (runs ${times[variant].map((t) => t.toFixed(0)).join(', ')})`,
  );
}
const profile = await tf.profile(() => blocks[1].apply(x));
const groups = new Map<string, number>();
for (const k of profile.kernels) groups.set(k.name, (groups.get(k.name) ?? 0) + Number(k.kernelTimeMs));
console.log(
  'shifted block (separate qkv) per kernel, ms:',
  [...groups.entries()]
    .sort((a, b) => b[1] - a[1])
    .map(([n, ms]) => `${n} ${ms.toFixed(0)}`)
    .join(', '),
);
tf.dispose(profile.result as tf.Tensor);
blocks.forEach((b) => b.dispose());
x.dispose();
