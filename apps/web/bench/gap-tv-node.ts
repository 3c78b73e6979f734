/**
 * GAP-TV on the demo scene in Node (wasm backend, 1 thread): the engine the app runs in its worker,
 * without the browser. Prints seconds per iteration. Run:
 *   npx tsx --conditions=@s2cassi/source apps/web/bench/gap-tv-node.ts [iterations]
 */
import { setupBackend } from '@s2cassi/backends';
import { loadDemoScene, loadStandardMask } from '@s2cassi/demo-data';
import { reconstruct, simulate } from '../src/worker/engine';

const iterations = Number(process.argv[2] ?? 5);
await setupBackend('wasm');
const [scene, mask] = await Promise.all([loadDemoScene(), loadStandardMask()]);
const cube = { data: scene.data, shape: scene.shape, wavelengths: scene.wavelengths };
const plane = { data: mask.data, shape: mask.shape };
const measurement = await simulate(cube, plane, { shiftStep: 2, noiseSigma: 0, seed: 1 });
const times: number[] = [];
let last = performance.now();
const result = await reconstruct(
  { method: 'gap-tv', measurement, mask: plane, shiftStep: 2, iterations, tvWeight: 0.08 },
  (p) => {
    if (p.message.startsWith('GAP-TV iteration')) {
      const now = performance.now();
      times.push(now - last);
      last = now;
    }
  },
);
times.sort((a, b) => a - b);
console.log(
  `GAP-TV demo 256x256x28, wasm (Node, 1 thread): ${iterations} iterations in ${result.seconds.toFixed(2)} s, median ${(times[times.length >> 1] / 1000).toFixed(3)} s/iteration`,
);
