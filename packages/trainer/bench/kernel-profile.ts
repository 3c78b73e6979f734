// Which kernels a cpu-small training step spends its time in (tf.profile), and the slowest BatchMatMuls:
//   npx tsx --conditions=@s2cassi/source packages/trainer/bench/kernel-profile.ts

import { setupBackend } from '@s2cassi/backends';
import * as tf from '@tensorflow/tfjs-core';
import { deepMerge, preset, syntheticSceneSource, Trainer } from '../src/index';
import { loadConfiguredMask } from '../src/node';

await setupBackend('wasm');
const config = deepMerge(preset('cpu-small'), { validation: { everyEpochs: 0 } });
const trainer = await Trainer.create({
  config,
  source: syntheticSceneSource({
    trainScenes: 2,
    validationScenes: 0,
    height: 128,
    width: 128,
    bandCount: 28,
    seed: 1,
  }),
  mask: await loadConfiguredMask(config),
});
await trainer.trainStep();
const kernelTimes = new Map<string, { ms: number; n: number }>();
const info = await tf.profile(async () => {
  await trainer.trainStep();
});
console.log('peakBytes', info.peakBytes, 'newTensors', info.newTensors, 'kernels', info.kernels.length);
for (const k of info.kernels) {
  const e = kernelTimes.get(k.name) ?? { ms: 0, n: 0 };
  e.ms += (k.kernelTimeMs as number) || 0;
  e.n++;
  kernelTimes.set(k.name, e);
}
const sorted = [...kernelTimes.entries()].sort((a, b) => b[1].ms - a[1].ms).slice(0, 20);
for (const [n, e] of sorted) console.log(n.padEnd(28), e.ms.toFixed(0).padStart(7), 'ms', e.n);
const t = performance.now();
const r = await trainer.trainStep();
console.log('step', r.seconds, 'data', r.dataSeconds, performance.now() - t);
const info2 = await tf.profile(async () => {
  await trainer.trainStep();
});
const mm = info2.kernels
  .filter((k) => k.name === 'BatchMatMul')
  .sort((a, b) => (b.kernelTimeMs as number) - (a.kernelTimeMs as number))
  .slice(0, 12);
for (const k of mm)
  console.log(
    (k.kernelTimeMs as number).toFixed(1),
    JSON.stringify(k.inputShapes),
    JSON.stringify(k.outputShapes),
  );
