// Benchmarks of @s2cassi/hsi-render (printed numbers, no assertions):
//   npx tsx --conditions=@s2cassi/source packages/hsi-render/bench/render.ts
import { bandGrid, encodePng, errorMap, renderSrgb, spectralCurvesSvg, xyzWeights } from '../src/index';

function cube(height: number, width: number, bands: number) {
  const data = new Float32Array(height * width * bands);
  let state = 12345;
  for (let i = 0; i < data.length; i++) {
    state = (state * 1103515245 + 12345) >>> 0;
    data[i] = (state >>> 8) / 2 ** 24;
  }
  return data;
}

function time(label: string, repeats: number, body: () => unknown): void {
  body(); // warm-up
  const started = performance.now();
  for (let r = 0; r < repeats; r++) body();
  const ms = (performance.now() - started) / repeats;
  console.log(`${label.padEnd(52)} ${ms.toFixed(2).padStart(9)} ms`);
}

const cassi = [
  453.5, 457.5, 462, 466, 471.5, 476.5, 481.5, 487, 492.5, 498, 504, 510, 516, 522.5, 529.5, 536.5, 544,
  551.5, 558.5, 567.5, 575.5, 584.5, 594.5, 604, 614.5, 625, 636.5, 648,
];
const cave = Array.from({ length: 31 }, (_, i) => 400 + 10 * i);
const c256 = { data: cube(256, 256, 28), shape: [256, 256, 28], wavelengths: cassi };
const c512 = { data: cube(512, 512, 31), shape: [512, 512, 31], wavelengths: cave };
const estimate = { data: cube(256, 256, 28), shape: [256, 256, 28] };

console.log(`node ${process.version}; numbers taken on a shared 2-core machine (under load)`);
time('xyzWeights (28 CASSI bands)', 1000, () => xyzWeights(cassi));
time('renderSrgb 256 x 256 x 28', 10, () => renderSrgb(c256));
time('renderSrgb 512 x 512 x 31', 5, () => renderSrgb(c512));
time('bandGrid 256 x 256 x 28, tiles 128 px', 5, () => bandGrid(c256, { tileWidth: 128 }));
time('errorMap 256 x 256 x 28', 10, () => errorMap(estimate, c256));
const rgba = renderSrgb(c512);
time('encodePng 512 x 512 RGBA (noise, worst case)', 3, () => encodePng(rgba));
time('spectralCurvesSvg 4 curves x 28 bands', 200, () =>
  spectralCurvesSvg({
    wavelengths: cassi,
    curves: [0, 1, 2, 3].map((k) => ({ label: `m${k}`, values: cassi.map((l) => Math.sin(l / 30 + k)) })),
  }),
);
