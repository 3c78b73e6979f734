// Times PSNR, SSIM, SAM and per-band NIQE on a 660 x 660 x 28 cube (the real-data reconstruction size).
// Run: npx tsx --conditions=@s2cassi/source packages/metrics/bench/metrics.ts
import { niqePerBand, psnr, qualityReport, sam, ssim } from '@s2cassi/metrics';

const height = 660;
const width = 660;
const bands = 28;
const shape = [height, width, bands];
const reference = new Float32Array(height * width * bands);
const prediction = new Float32Array(reference.length);
let seed = 1;
const random = () => {
  seed = (seed * 1664525 + 1013904223) >>> 0;
  return seed / 2 ** 32;
};
for (let y = 0; y < height; y++) {
  for (let x = 0; x < width; x++) {
    for (let n = 0; n < bands; n++) {
      const i = (y * width + x) * bands + n;
      const v = 0.5 + 0.3 * Math.sin(x / (9 + n)) * Math.cos(y / 13) + 0.1 * Math.sin((x + y) / 40);
      reference[i] = v;
      prediction[i] = v + (random() - 0.5) * 0.05;
    }
  }
}
const ref = { data: reference, shape };
const pred = { data: prediction, shape };

function time(label: string, fn: () => unknown): void {
  const start = performance.now();
  const value = fn();
  const ms = performance.now() - start;
  const shown = typeof value === 'number' ? value.toFixed(4) : '';
  console.log(`${label.padEnd(34)} ${(ms / 1000).toFixed(2).padStart(6)} s  ${shown}`);
}

console.log(`660 x 660 x 28 cube (Node ${process.version}); one run each`);
time('PSNR (matlab)', () => psnr(ref, pred));
time('SSIM (matlab, valid)', () => ssim(ref, pred));
time('SSIM (torch-same)', () => ssim(ref, pred, { preset: 'torch-same' }));
time('SAM', () => sam(ref, pred));
time('NIQE per band (28 bands, rot180)', () => niqePerBand(pred, { rotate180: true }).mean);
time('qualityReport (matlab)', () => qualityReport(ref, pred).mean.psnr);
