import {
  describeReportPreset,
  type QualityReport,
  qualityReport,
  REPORT_PRESETS,
  type ReportPreset,
} from '@s2cassi/metrics';
import { Option } from 'commander';
import { wavelengthsFor } from '../_cassi';
import { formatOption, printResult } from '../_format';
import { PREFERRED_KEYS, readArray } from '../_io';
import { UsageError } from '../errors';
import { addCommonOptions, registerCommand } from '../program';
import type { Cell, TableFormat } from '../table';

/** A QualityReport as plain JSON (typed arrays as arrays). */
export function reportJson(report: QualityReport) {
  return {
    preset: report.preset,
    presetDescription: describeReportPreset(report.preset),
    mean: report.mean,
    scenes: report.scenes.map((s) => ({
      psnr: s.psnr,
      ssim: s.ssim,
      sam: s.sam,
      ergas: s.ergas,
      rmse: s.rmse,
      bands: { psnr: [...s.bands.psnr], ssim: [...s.bands.ssim], rmse: [...s.bands.rmse] },
    })),
  };
}

registerCommand((program, run) => {
  addCommonOptions(
    program
      .command('metrics')
      .summary('two cubes -> PSNR, SSIM, SAM, ERGAS, RMSE (and per band)')
      .description(
        `Full-reference quality of an estimate against the ground truth, as every s2cassi report scores (demo, evaluate, the web app). ${REPORT_PRESETS.map((p) => describeReportPreset(p).replace(/^metrics preset/, 'Preset')).join('; ')}. The default is '${REPORT_PRESETS[0]}'.`,
      )
      .argument('<reference>', 'ground-truth cube (any format hsi-io reads)')
      .argument('<estimate>', 'reconstructed cube of the same shape')
      .addOption(
        new Option('--preset <name>', 'metrics preset')
          .choices([...REPORT_PRESETS])
          .default(REPORT_PRESETS[0]),
      )
      .option('--per-band', 'also list PSNR / SSIM / RMSE of every band')
      .option('--key <name>', 'variable of the reference file')
      .option('--estimate-key <name>', 'variable of the estimate file')
      .addOption(formatOption())
      .addHelpText(
        'after',
        '\nExample:\n  s2cassi metrics truth.mat reconstruction.npy --per-band --format markdown',
      ),
  ).action((referencePath: string, estimatePath: string, options) =>
    run(async (context) => {
      const reference = await readArray(referencePath, 'reference', PREFERRED_KEYS.cube, options.key);
      const estimate = await readArray(estimatePath, 'estimate', PREFERRED_KEYS.cube, options.estimateKey);
      if (reference.shape.join() !== estimate.shape.join()) {
        throw new UsageError(
          `the cubes differ in shape: reference ${referencePath} is [${reference.shape.join(', ')}], estimate ${estimatePath} is [${estimate.shape.join(', ')}]; compare cubes of one scene and size`,
        );
      }
      const report = qualityReport(reference, estimate, { preset: options.preset as ReportPreset });
      const scene = report.scenes[0];
      const format = options.format as TableFormat;
      const json = {
        reference: referencePath,
        estimate: estimatePath,
        shape: reference.shape,
        ...reportJson(report),
      };
      if (options.perBand) {
        const wavelengths = wavelengthsFor(reference);
        const rows: Cell[][] = [...scene.bands.psnr].map((_, n) => [
          n + 1,
          wavelengths ? wavelengths[n] : null,
          scene.bands.psnr[n],
          scene.bands.ssim[n],
          scene.bands.rmse[n],
        ]);
        rows.push(['mean', null, scene.psnr, scene.ssim, scene.rmse]);
        printResult(
          context,
          format,
          { headers: ['band', 'nm', 'PSNR (dB)', 'SSIM', 'RMSE'], rows, digits: [0, 1, 2, 4, 4] },
          json,
        );
        if (!context.json && format === 'table')
          context.out(
            `SAM ${scene.sam.toFixed(2)} deg, ERGAS ${scene.ergas.toFixed(3)} (${describeReportPreset(report.preset)})`,
          );
        return;
      }
      printResult(
        context,
        format,
        {
          headers: ['PSNR (dB)', 'SSIM', 'SAM (deg)', 'ERGAS', 'RMSE'],
          rows: [[scene.psnr, scene.ssim, scene.sam, scene.ergas, scene.rmse]],
          digits: [2, 4, 2, 3, 4],
        },
        json,
      );
      if (!context.json && format === 'table') context.out(`note: ${describeReportPreset(report.preset)}`);
    }),
  );
});
