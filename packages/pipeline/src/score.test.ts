import { describeReportPreset } from '@s2cassi/metrics';
import { describe, expect, it } from 'vitest';
import { testScene } from './_test-scene';
import type { CubeData } from './cube-data';
import { score } from './score';

const [H, W, N] = [16, 16, 5];
const truth = testScene(H, W, N);
const estimate: CubeData = {
  data: truth.data.map((v, i) => v + 0.05 * Math.sin(i * 0.71) + (i % 97 === 0 ? 0.3 : 0)),
  shape: [H, W, N],
};

/** The 'matlab' preset by hand: clip, x 255, round; per-band PSNR on 0..255, SAM on those values. */
function matlabByHand(a: CubeData, b: CubeData): { psnr: number; sam: number } {
  const q = (v: number) => Math.round(Math.min(1, Math.max(0, v)) * 255);
  let psnr = 0;
  for (let n = 0; n < N; n++) {
    let mse = 0;
    for (let p = 0; p < H * W; p++) mse += (q(a.data[p * N + n]) - q(b.data[p * N + n])) ** 2;
    psnr += 10 * Math.log10(255 ** 2 / (mse / (H * W)));
  }
  const eps = 2 ** -52;
  let sam = 0;
  for (let p = 0; p < H * W; p++) {
    let dot = 0;
    let aa = 0;
    let bb = 0;
    for (let n = 0; n < N; n++) {
      const x = q(a.data[p * N + n]);
      const y = q(b.data[p * N + n]);
      dot += x * y;
      aa += x * x;
      bb += y * y;
    }
    sam += Math.acos(Math.min(1, (dot + eps) / (Math.sqrt(aa) + eps) / (Math.sqrt(bb) + eps)));
  }
  return { psnr: psnr / N, sam: ((sam / (H * W)) * 180) / Math.PI };
}

describe('score', () => {
  it("'matlab' (default): PSNR and SAM of the 8-bit cubes, as computed by hand; the preset is named", () => {
    const scores = score(truth, estimate);
    const hand = matlabByHand(truth, estimate);
    expect(scores.preset).toBe('matlab');
    expect(scores.presetDescription).toBe(describeReportPreset('matlab'));
    expect(scores.psnr).toBeCloseTo(hand.psnr, 9);
    expect(scores.sam).toBeCloseTo(hand.sam, 9);
    expect(scores.bands.psnr).toHaveLength(N);
    expect(Array.isArray(scores.bands.ssim)).toBe(true);
  });

  it("'float': the raw values (PSNR with data range 1)", () => {
    const scores = score(truth, estimate, { preset: 'float' });
    expect(scores.preset).toBe('float');
    let psnr = 0;
    for (let n = 0; n < N; n++) {
      let mse = 0;
      for (let p = 0; p < H * W; p++) mse += (truth.data[p * N + n] - estimate.data[p * N + n]) ** 2;
      psnr += -10 * Math.log10(mse / (H * W));
    }
    expect(scores.psnr).toBeCloseTo(psnr / N, 4);
    expect(Math.abs(scores.sam - score(truth, estimate).sam)).toBeGreaterThan(1e-3);
  });

  it('rejects cubes of different shapes, naming both', () => {
    expect(() => score(truth, { data: new Float32Array(H * W * 4), shape: [H, W, 4] })).toThrow(
      'score: the truth is [16, 16, 5] and the estimate [16, 16, 4]',
    );
  });
});
