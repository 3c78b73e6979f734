import { describe, expect, it } from 'vitest';
import { fullReferenceCases, loadPrediction, loadReference } from './_test-fixtures';
import { ergas } from './ergas';
import { psnr, psnrPerBand } from './psnr';
import { qualityReport } from './report';
import { rmse } from './rmse';
import { sam } from './sam';
import { ssim, ssimPerBand } from './ssim';

// Expected values come from fixtures/make_fixtures.py (NumPy/SciPy versions of the MATLAB scripts,
// cross-checked there against scikit-image and PyTorch) on crops of real CAVE scenes.
const cases = fullReferenceCases();
const worst = { psnr: 0, ssim: 0, sam: 0, rmse: 0, ergas: 0 };
const track = (key: keyof typeof worst, got: number, want: number) => {
  worst[key] = Math.max(worst[key], Math.abs(got - want));
  return Math.abs(got - want);
};

describe('full-reference metrics agree with the MATLAB-formula fixtures (real CAVE crops)', () => {
  it('has several clean/degraded cases', () => {
    expect(cases.length).toBeGreaterThanOrEqual(6);
  });

  for (const c of cases) {
    describe(c.name, () => {
      const reference = loadReference(c);
      const prediction = loadPrediction(c);
      const e = c.expected;

      it('PSNR presets within 1e-3 dB', () => {
        expect(track('psnr', psnr(reference, prediction), e.psnr.matlab)).toBeLessThan(1e-3);
        expect(
          track('psnr', psnr(reference, prediction, { preset: 'mst-python' }), e.psnr.mstPython),
        ).toBeLessThan(1e-3);
        expect(track('psnr', psnr(reference, prediction, { preset: 's2' }), e.psnr.s2)).toBeLessThan(1e-3);
        expect(track('psnr', psnr(reference, prediction, { preset: 'float' }), e.psnr.float)).toBeLessThan(
          1e-3,
        );
        const bands = psnrPerBand(reference, prediction);
        expect(bands.length).toBe(c.shape[2]);
        bands.forEach((v, i) => {
          expect(track('psnr', v, e.psnr.matlabBands[i])).toBeLessThan(1e-3);
        });
      });

      it('SSIM presets within 1e-5 (MATLAB formula and scikit-image)', () => {
        const matlab = ssim(reference, prediction);
        expect(track('ssim', matlab, e.ssim.matlab)).toBeLessThan(1e-5);
        expect(track('ssim', matlab, e.ssim.skimage)).toBeLessThan(1e-5);
        expect(
          track('ssim', ssim(reference, prediction, { preset: 'torch-same' }), e.ssim.torchSame),
        ).toBeLessThan(1e-5);
        ssimPerBand(reference, prediction).forEach((v, i) => {
          expect(track('ssim', v, e.ssim.matlabBands[i])).toBeLessThan(1e-5);
        });
      });

      it('SAM within 1e-4 degrees, RMSE and ERGAS within 1e-6 relative', () => {
        expect(track('sam', sam(reference, prediction), e.sam.matlabFloat)).toBeLessThan(1e-4);
        expect(
          track('sam', sam(reference, prediction, { convention: 'strict' }), e.sam.strictFloat),
        ).toBeLessThan(1e-4);
        expect(track('rmse', rmse(reference, prediction), e.rmse.float)).toBeLessThan(1e-6 * e.rmse.float);
        expect(track('ergas', ergas(reference, prediction), e.ergas.float)).toBeLessThan(
          1e-6 * e.ergas.float,
        );
      });

      it('the matlab report reproduces quality_assessment.m on the im2uint8 cubes', () => {
        const report = qualityReport(reference, prediction);
        const scene = report.scenes[0];
        expect(track('psnr', scene.psnr, e.psnr.matlab)).toBeLessThan(1e-3);
        expect(track('ssim', scene.ssim, e.ssim.matlab)).toBeLessThan(1e-5);
        expect(track('sam', scene.sam, e.sam.matlabQuantised)).toBeLessThan(1e-4);
        expect(track('rmse', scene.rmse, e.rmse.quantised)).toBeLessThan(1e-6 * e.rmse.quantised);
        expect(track('ergas', scene.ergas, e.ergas.quantised)).toBeLessThan(1e-6 * e.ergas.quantised);
        scene.bands.rmse.forEach((v, i) => {
          expect(Math.abs(v - e.rmse.quantisedBands[i])).toBeLessThan(1e-9 * (1 + v));
        });
        expect(report.mean.psnr).toBe(scene.psnr);
      });
    });
  }

  it('reports the worst differences', () => {
    console.log('max abs differences vs fixtures:', JSON.stringify(worst));
    expect(worst.psnr).toBeGreaterThanOrEqual(0);
  });
});
