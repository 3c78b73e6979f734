/**
 * Speed of simulateMeasurement and of 100 GAP-TV iterations on a 256 x 256 x 28 cube, per backend.
 *
 *   npx tsx --conditions=@s2cassi/source packages/cassi-sim/bench/simulate-and-gap-tv.ts \
 *     [--backends wasm,cpu] [--cpu-iterations 3] [--wasm-iterations 100] [--repeats 5]
 *
 * The `cpu` backend (pure JS) is far slower, so by default it runs 3 iterations and the time of 100 is
 * extrapolated linearly (printed as such). GAP-TV uses its defaults (5 TV iterations per step) and no
 * progress callback (no readback per iteration). Needs no shared data (random cube, random binary mask).
 */
import { randomBinaryMask, reconstructGapTv, simulateMeasurement } from '@s2cassi/cassi-sim';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';

function argument(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : fallback;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const backends = argument('backends', 'wasm,cpu').split(',');
const repeats = Number(argument('repeats', '5'));
const [height, width, bands] = [256, 256, 28];

console.log(`cube [1, ${height}, ${width}, ${bands}], random binary mask, step 2; median of ${repeats} runs`);
for (const backend of backends) {
  await tf.setBackend(backend);
  await tf.ready();
  const cube = tf.randomUniform([1, height, width, bands], 0, 1, 'float32', 1) as tf.Tensor4D;
  const mask = randomBinaryMask(height, width, { seed: 1 });

  const timeSimulate = (options: Parameters<typeof simulateMeasurement>[2]) => {
    simulateMeasurement(cube, mask, options).dispose(); // warm-up
    const times: number[] = [];
    for (let r = 0; r < repeats; r++) {
      const t0 = performance.now();
      const y = simulateMeasurement(cube, mask, options);
      y.dataSync();
      times.push(performance.now() - t0);
      y.dispose();
    }
    return median(times);
  };
  const plain = timeSimulate({});
  const trusted = timeSimulate({ validateValues: false });
  const gaussian = timeSimulate({ validateValues: false, noise: { type: 'gaussian', sigma: 0.01 }, seed: 1 });
  const shot = timeSimulate({
    validateValues: false,
    noise: { type: 'shot' },
    normalisation: 2 / 28,
    seed: 1,
  });
  console.log(
    `[${backend}] simulateMeasurement: ${plain.toFixed(1)} ms (with value validation), ${trusted.toFixed(1)} ms ` +
      `(validateValues false), +gaussian noise ${gaussian.toFixed(1)} ms, +shot noise ${shot.toFixed(1)} ms`,
  );

  const y = simulateMeasurement(cube, mask);
  const iterations = Number(argument(`${backend}-iterations`, backend === 'cpu' ? '3' : '100'));
  const warm = await reconstructGapTv(y, mask, { iterations: 1, validateValues: false });
  warm.dispose();
  const t0 = performance.now();
  const x = await reconstructGapTv(y, mask, { iterations, validateValues: false });
  x.dataSync();
  const elapsed = performance.now() - t0;
  x.dispose();
  const per = elapsed / iterations;
  console.log(
    `[${backend}] GAP-TV: ${iterations} iterations in ${(elapsed / 1000).toFixed(2)} s (${per.toFixed(0)} ms/iteration); ` +
      (iterations === 100
        ? `100 iterations measured: ${(elapsed / 1000).toFixed(1)} s`
        : `100 iterations extrapolated: ${((per * 100) / 1000).toFixed(1)} s`),
  );
  tf.dispose([cube, mask, y]);
}
