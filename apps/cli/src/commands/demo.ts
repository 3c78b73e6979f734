import { writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { GAP_TV_DEFAULTS } from '@s2cassi/cassi-sim';
import { loadDemoScene, loadStandardMask } from '@s2cassi/demo-data';
import { type Cube, createCube, encodeMat, toColumnMajor } from '@s2cassi/hsi-io';
import { describeGapTv, type GapTvSettings, gapTvDifferences, gapTvSettings, score } from '@s2cassi/pipeline';
import type { S2Transformer } from '@s2cassi/s2-attn';
import { useBackend } from '../_backend';
import { type Method, simulate } from '../_cassi';
import { checkDemoOutput, DEMO_MARKER, demoMarker, isDemoFolder } from '../_demo-output';
import type { Plane } from '../_io';
import { DEMO_WEIGHTS_MISSING, demoWeightsAvailable, loadModel } from '../_model';
import { integerAtLeast, numberAtLeast } from '../_options';
import { formatSeconds } from '../_progress';
import {
  bandBarsSvg,
  bandGridPng,
  errorMapPng,
  informativePoints,
  planePng,
  spectraAt,
  srgbPng,
} from '../_render';
import { type ReportImage, reportHtml } from '../_report-html';
import { timedReconstruct } from '../_timed-reconstruct';
import { writeFolderAtomic } from '../output';
import { addCommonOptions, registerCommand } from '../program';
import { formatTable } from '../table';

const LABELS: Record<Method, string> = { s2: 'S2-Transformer', 'gap-tv': 'GAP-TV' };

interface MethodResult {
  method: Method;
  cube: Cube;
  seconds: number;
  psnr: number;
  ssim: number;
  sam: number;
  psnrPerBand: number[];
  ssimPerBand: number[];
}

registerCommand((program, run) => {
  addCommonOptions(
    program
      .command('demo')
      .summary('the whole pipeline on a bundled scene, no arguments, no network')
      .description(
        'Simulates the CASSI measurement of a bundled real hyperspectral scene (a 256 x 256 crop of the CAVE scene fake_and_real_peppers on the 28 CASSI bands) with the standard mask, reconstructs it with GAP-TV and with the S2-Transformer demo weights (when bundled), prints PSNR / SSIM / SAM / time, and writes a folder with the measurement, sRGB renderings, band grids, spectral curves, error maps, per-band metrics and a self-contained report.html. The demo owns that folder (it marks it with a .s2cassi-demo file): running it again replaces its previous report atomically; a path it did not write is refused unless --force.',
      )
      .option(
        '-o, --output <folder>',
        'output folder; a folder an earlier demo wrote is replaced (atomically), any other path needs --force',
        's2cassi-demo',
      )
      .option('--iterations <n>', 'GAP-TV iterations', integerAtLeast(1), GAP_TV_DEFAULTS.iterations)
      .option('--weights <file>', 'S2-Transformer weights to use instead of the bundled demo weights')
      .option('--noise <sigma>', 'Gaussian noise sigma added to the measurement', numberAtLeast(0), 0)
      .option('--seed <n>', 'noise seed', integerAtLeast(0), 0)
      .option('--force', 'replace an existing output path that the demo did not write')
      .addHelpText(
        'after',
        '\nExamples:\n  s2cassi demo\n  s2cassi demo -o /tmp/demo --iterations 30 --json',
      ),
  ).action((options) =>
    run(async (context) => {
      const output: string = options.output;
      const force = options.force === true;
      checkDemoOutput(output, force);
      const started = performance.now();
      const scene = await loadDemoScene();
      const maskData = await loadStandardMask();
      const mask: Plane = { data: maskData.data, height: maskData.shape[0], width: maskData.shape[1] };
      const truth: Cube = createCube(scene.shape, scene.data, scene.wavelengths);
      const backend = await useBackend(context);
      context.log(`demo scene: ${scene.name}, ${scene.shape.join(' x ')}; backend ${backend.backend}`);
      const measurement = await simulate(truth, mask, {
        shiftStep: 2,
        noise: options.noise,
        seed: options.seed,
      });
      const methods: Method[] = ['gap-tv'];
      const notes: string[] = [];
      let model: S2Transformer | undefined;
      let modelSource: string | undefined;
      if (options.weights !== undefined || demoWeightsAvailable()) {
        ({ model, source: modelSource } = await loadModel(options.weights));
        methods.unshift('s2');
      } else {
        notes.push(`S2-Transformer not run: ${DEMO_WEIGHTS_MISSING}; only GAP-TV is shown.`);
      }
      const results: MethodResult[] = [];
      // the shared GAP-TV defaults (as reconstruct, evaluate and the web app); --iterations may differ
      const gapTv: GapTvSettings = gapTvSettings({ iterations: options.iterations });
      notes.push(describeGapTv(gapTv));
      let metrics = { preset: '', description: '' };
      try {
        for (const method of methods) {
          const { cube, seconds } = await timedReconstruct(context, LABELS[method], measurement, mask, {
            method,
            gapTv,
            model,
          });
          const scores = score(truth, cube);
          metrics = { preset: scores.preset, description: scores.presetDescription };
          results.push({
            method,
            cube,
            seconds,
            psnr: scores.psnr,
            ssim: scores.ssim,
            sam: scores.sam,
            psnrPerBand: scores.bands.psnr,
            ssimPerBand: scores.bands.ssim,
          });
        }
      } finally {
        model?.dispose();
      }
      const wavelengths = scene.wavelengths;
      const points = informativePoints(truth);
      const curves = results.map((r) => ({ label: LABELS[r.method], cube: r.cube }));
      const spectra = points.map((p) => spectraAt(p, wavelengths, curves, truth));
      // One colour scale for all error maps so they compare.
      const errorScale = Math.max(...results.map((r) => errorMapPng(r.cube, truth, 1).maxError), 1e-6);
      const errors = results.map((r) => ({ method: r.method, ...errorMapPng(r.cube, truth, errorScale) }));
      const files: { path: string; what: string }[] = [];
      const images = {
        measurement: planePng(measurement),
        truthSrgb: srgbPng(truth, wavelengths),
        truthBands: bandGridPng(truth, wavelengths),
        srgb: results.map((r) => srgbPng(r.cube, wavelengths)),
        bands: results.map((r) => bandGridPng(r.cube, wavelengths)),
        psnrSvg: bandBarsSvg(
          'PSNR (dB)',
          wavelengths,
          results.map((r) => ({ label: LABELS[r.method], values: r.psnrPerBand })),
          10,
        ),
        ssimSvg: bandBarsSvg(
          'SSIM',
          wavelengths,
          results.map((r) => ({ label: LABELS[r.method], values: r.ssimPerBand })),
        ),
      };
      const table = {
        headers: ['method', 'PSNR (dB)', 'SSIM', 'SAM (deg)', 'time (s)'],
        rows: results.map((r) => [LABELS[r.method], r.psnr, r.ssim, r.sam, r.seconds] as (string | number)[]),
      };
      const summary = {
        scene: { name: scene.name, shape: scene.shape, attribution: scene.attribution },
        mask: { shape: maskData.shape, attribution: maskData.attribution },
        measurement: {
          shape: [measurement.height, measurement.width],
          noise: options.noise,
          seed: options.seed,
        },
        backend: backend.backend,
        gapTvIterations: gapTv.iterations,
        gapTv,
        gapTvNotDefault: gapTvDifferences(gapTv),
        ...(modelSource ? { weights: modelSource } : {}),
        s2: modelSource ? 'run' : 'demo weights not bundled yet',
        metricsPreset: metrics.preset,
        metricsPresetDescription: metrics.description,
        methods: Object.fromEntries(
          results.map((r, i) => [
            r.method,
            {
              psnr: r.psnr,
              ssim: r.ssim,
              sam: r.sam,
              seconds: r.seconds,
              meanAbsoluteError: errors[i].meanError,
              spectralCorrelation: Object.fromEntries(
                points.map((p, k) => [`${p.x},${p.y}`, spectra[k].correlations[LABELS[r.method]]]),
              ),
            },
          ]),
        ),
        notes,
        output: resolve(output),
        files: [] as string[],
      };
      const tableText = formatTable(table.headers, table.rows, [0, 2, 4, 2, 1]);
      const html = reportHtml({
        title: 's2cassi demo: CASSI reconstruction of a CAVE scene',
        intro: [
          `Scene: ${scene.name}, ${scene.shape.join(' x ')} (H x W x bands, ${wavelengths[0]}-${wavelengths[wavelengths.length - 1]} nm). ${scene.attribution}`,
          `Mask: the standard 256 x 256 CASSI simulation mask. ${maskData.attribution}`,
          `Measurement: ${measurement.height} x ${measurement.width} (W' = W + 2 x 27), noise sigma ${options.noise}. Backend: ${backend.backend}. Scores: ${metrics.description}.`,
        ],
        table: {
          headers: table.headers,
          rows: results.map((r) => [
            LABELS[r.method],
            r.psnr.toFixed(2),
            r.ssim.toFixed(4),
            r.sam.toFixed(2),
            r.seconds.toFixed(1),
          ]),
        },
        sections: [
          {
            title: 'sRGB renderings (CIE 1931, D65)',
            images: [
              { title: 'ground truth', data: images.truthSrgb, type: 'png' },
              ...results.map(
                (r, i): ReportImage => ({
                  title: LABELS[r.method],
                  data: images.srgb[i],
                  type: 'png',
                  caption: `PSNR ${r.psnr.toFixed(2)} dB`,
                }),
              ),
              {
                title: 'measurement',
                data: images.measurement,
                type: 'png',
                caption: `${measurement.height} x ${measurement.width}, brightest value white`,
              },
            ],
          },
          {
            title: 'Error maps (mean absolute error over bands, one colour scale)',
            text: `viridis from 0 to ${errorScale.toFixed(3)}.`,
            images: errors.map(
              (e): ReportImage => ({
                title: LABELS[e.method],
                data: e.png,
                type: 'png',
                caption: `mean ${e.meanError.toFixed(4)}, max ${e.maxError.toFixed(4)}`,
              }),
            ),
          },
          {
            title: 'Spectral curves',
            text: 'Legend values are the correlation of each method with the ground truth.',
            images: spectra.map(
              (s, k): ReportImage => ({
                title: `point ${points[k].x},${points[k].y}`,
                data: s.svg,
                type: 'svg',
              }),
            ),
          },
          {
            title: 'Per-band metrics',
            images: [
              { title: 'PSNR per band', data: images.psnrSvg, type: 'svg' },
              { title: 'SSIM per band', data: images.ssimSvg, type: 'svg' },
            ],
          },
          {
            title: 'Band grids',
            images: [
              { title: 'ground truth', data: images.truthBands, type: 'png' },
              ...results.map(
                (r, i): ReportImage => ({ title: LABELS[r.method], data: images.bands[i], type: 'png' }),
              ),
            ],
          },
        ],
        notes: [
          ...notes,
          ...(modelSource ? [`S2-Transformer weights: ${modelSource}.`] : []),
          `Total time ${formatSeconds((performance.now() - started) / 1000)}; written by s2cassi demo.`,
        ],
      });
      await writeFolderAtomic(
        output,
        async (temp) => {
          const put = async (name: string, data: Uint8Array | string, what: string) => {
            await writeFile(join(temp, name), data);
            files.push({ path: join(output, name), what });
          };
          await put('report.html', html, 'self-contained HTML report (all images inlined)');
          await put('measurement.png', images.measurement, 'the simulated measurement');
          await put(
            'measurement.mat',
            encodeMat({
              meas: {
                class: 'single',
                dims: [measurement.height, measurement.width],
                data: toColumnMajor(measurement.data, [measurement.height, measurement.width]),
              },
            }),
            "the measurement as MAT (key 'meas'), for `s2cassi reconstruct`",
          );
          await put('truth.srgb.png', images.truthSrgb, 'ground truth, sRGB');
          await put('truth.bands.png', images.truthBands, 'ground truth, band grid');
          for (const [i, r] of results.entries()) {
            await put(`${r.method}.srgb.png`, images.srgb[i], `${LABELS[r.method]} reconstruction, sRGB`);
            await put(
              `${r.method}.bands.png`,
              images.bands[i],
              `${LABELS[r.method]} reconstruction, band grid`,
            );
            await put(`${r.method}.error.png`, errors[i].png, `${LABELS[r.method]} error map`);
          }
          for (const [k, s] of spectra.entries()) {
            await put(`spectra-${k + 1}.svg`, s.svg, `spectral curves at x=${points[k].x}, y=${points[k].y}`);
          }
          await put('psnr-per-band.svg', images.psnrSvg, 'PSNR per band');
          await put('ssim-per-band.svg', images.ssimSvg, 'SSIM per band');
          summary.files = [...files.map((f) => f.path), join(output, 'results.json')];
          await put('results.json', `${JSON.stringify(summary, null, 2)}\n`, 'these numbers as JSON');
          await writeFile(join(temp, DEMO_MARKER), demoMarker());
        },
        // Checked again at the swap: the folder may have changed while the demo ran.
        { force: force || isDemoFolder(output) },
      );
      if (context.json) {
        context.out(JSON.stringify(summary, null, 2));
        return;
      }
      context.out(tableText);
      for (const note of notes) context.out(`note: ${note}`);
      context.out(`\nwrote ${resolve(output)}:`);
      const width = Math.max(...files.map((f) => f.path.length));
      for (const f of files) context.out(`  ${f.path.padEnd(width)}  ${f.what}`);
      context.out(
        `open ${join(resolve(output), 'report.html')} in a browser for the side-by-side report (${formatSeconds((performance.now() - started) / 1000)} in all)`,
      );
    }),
  );
});
