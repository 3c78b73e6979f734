/**
 * Tiled vs untiled inference of the default model (seeded initialisation, no trained weights exist) on
 * a 256 x 256 input, wasm: max |diff| inside and along the image border for several tile / overlap
 * choices, and each run's peak tfjs memory.
 *
 *   npx tsx --conditions=@s2cassi/source packages/s2-attn/bench/tiled-seams.ts
 */
import { setupBackend } from '@s2cassi/backends';
import * as tf from '@tensorflow/tfjs-core';
import { reconstructTiled, S2Transformer } from '../src/index';

await setupBackend('wasm');
const size = 256;
const model = new S2Transformer();
const x = tf.randomUniform([1, size, size, 28], 0, 1, 'float32', 11);
const untiledProfile = await tf.profile(() => model.apply(x).reconstruction);
const reference = (untiledProfile.result as tf.Tensor).dataSync();
console.log(`untiled 256x256: peak ${(untiledProfile.peakBytes / 2 ** 20).toFixed(0)} MiB`);
const band = 16;
for (const [tile, overlap] of [
  [128, 16],
  [128, 32],
  [128, 64],
]) {
  let out: tf.Tensor | undefined;
  const profile = await tf.profile(async () => {
    out = await reconstructTiled(model, x, { tile, overlap });
    return out;
  });
  const values = (out as tf.Tensor).dataSync();
  let inner = 0;
  let outer = 0;
  for (let i = 0; i < size; i++)
    for (let j = 0; j < size; j++)
      for (let k = 0; k < 28; k++) {
        const d = Math.abs(values[(i * size + j) * 28 + k] - reference[(i * size + j) * 28 + k]);
        if (i < band || j < band || i >= size - band || j >= size - band) outer = Math.max(outer, d);
        else inner = Math.max(inner, d);
      }
  console.log(
    `tile ${tile}, overlap ${overlap}: max |tiled - untiled| interior ${inner.toExponential(2)}, ${band}-px border band ${outer.toExponential(2)}; peak ${(profile.peakBytes / 2 ** 20).toFixed(0)} MiB`,
  );
  (out as tf.Tensor).dispose();
}
tf.dispose([x, untiledProfile.result as tf.Tensor]);
model.dispose();
