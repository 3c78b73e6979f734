/**
 * A/B timing of implementation variants at 256 x 256 on wasm (1 thread), interleaved (A, B, A, B, ...)
 * so that machine load affects both alike; prints the median of each.
 *  - q/k/v projection: 'fused' (one matMul + transpose + split) vs 'separate' (three matMuls), timed on
 *    one Parall-SS block;
 *  - spatial Q K^T: 'batch-matmul' vs 'depthwise' (a depthwise convolution), timed on the spatial MSA of
 *    a shifted block (1024 windows, mask), forward.
 *
 *   npx tsx --conditions=@s2cassi/source packages/s2-attn/bench/attention-variants.ts [--repeat N]
 */
import { setupBackend } from '@s2cassi/backends';
import * as tf from '@tensorflow/tfjs-core';
import { type QkvImplementation, setQkvImplementation } from '../src/_heads';
import { ParallSsBlock, SpatialWindowMsa, shiftedWindowMask, windowPartition } from '../src/index';
import {
  type SpatialProductImplementation,
  setSpatialProductImplementation,
} from '../src/spatial-window-msa';

const args = process.argv.slice(2);
const repeatIndex = args.indexOf('--repeat');
const repeat = repeatIndex >= 0 ? Number(args[repeatIndex + 1]) : 5;
const median = (a: number[]) => [...a].sort((p, q) => p - q)[Math.floor(a.length / 2)];

async function compare(title: string, variants: Record<string, () => void>, run: () => Promise<void>) {
  const times: Record<string, number[]> = {};
  for (let r = 0; r < repeat + 1; r++) {
    for (const [name, setup] of Object.entries(variants)) {
      setup();
      const start = performance.now();
      await run();
      if (r > 0) (times[name] ??= []).push(performance.now() - start);
    }
  }
  for (const name of Object.keys(variants)) {
    console.log(
      `${title} ${name}: median ${median(times[name]).toFixed(0)} ms (runs ${times[name].map((t) => t.toFixed(0)).join(', ')})`,
    );
  }
}

await setupBackend('wasm');
const x = tf.randomUniform([1, 256, 256, 60], -1, 1, 'float32', 3);

const block = new ParallSsBlock({ features: 60, heads: 6, windowSize: 8, shift: 4 });
const qkv = (v: QkvImplementation) => () => setQkvImplementation(v);
await compare(
  'Parall-SS block forward, qkv',
  { fused: qkv('fused'), separate: qkv('separate') },
  async () => {
    const y = block.apply(x);
    await y.data();
    y.dispose();
  },
);
setQkvImplementation('separate');

const msa = new SpatialWindowMsa({ features: 60, heads: 6, windowSize: 8 });
const windows = windowPartition(x, 8);
const mask = shiftedWindowMask(256, 256, 8, 4);
const product = (v: SpatialProductImplementation) => () => setSpatialProductImplementation(v);
const productVariants = { 'batch-matmul': product('batch-matmul'), depthwise: product('depthwise') };
await compare('spatial MSA forward, Q K^T', productVariants, async () => {
  const y = msa.apply(windows, { mask });
  await y.data();
  y.dispose();
});
await compare('spatial MSA forward + backward, Q K^T', productVariants, async () => {
  const { value, grads } = tf.variableGrads(
    () => tf.sum(msa.apply(windows, { mask })) as tf.Scalar,
    msa.trainableVariables(),
  );
  await value.data();
  tf.dispose([value, ...Object.values(grads)]);
});

for (const variant of ['batch-matmul', 'depthwise'] as const) {
  setSpatialProductImplementation(variant);
  const profile = await tf.profile(() => msa.apply(windows, { mask }));
  const groups = new Map<string, number>();
  for (const k of profile.kernels) groups.set(k.name, (groups.get(k.name) ?? 0) + Number(k.kernelTimeMs));
  console.log(
    `spatial MSA (${variant}) per kernel, ms: ${[...groups.entries()]
      .sort((a, b) => b[1] - a[1])
      .map(([n, ms]) => `${n} ${ms.toFixed(0)}`)
      .join(', ')}`,
  );
  tf.dispose(profile.result as tf.Tensor);
}
tf.dispose([x, windows, mask]);
block.dispose();
msa.dispose();
