/**
 * Scores the demo S2-Transformer and GAP-TV on the held-out CAVE scenes (issue 9), with the protocol that
 * `s2cassi demo` uses for the bundled scene and that `s2cassi evaluate` uses for a scene set:
 *
 * - scene: the 256 x 256 centre crop (rows and columns 128..383) of each held-out 512 x 512 CAVE scene,
 *   16-bit PNG / 65535, 31 bands linearly resampled onto the 28 CASSI centres (@s2cassi/hsi-io's CAVE
 *   dataset; for fake_and_real_peppers this is exactly the bundled demo scene);
 * - mask: the standard 256 x 256 TSA mask (bundled in @s2cassi/demo-data; checked here against
 *   ../shared/data/cassi_sim_mask/mask.mat);
 * - measurement: Y = sum_n shift(F * M)_n with step 2 (cassi-sim `simulateMeasurement`), Gaussian noise of
 *   sigma `--noise` (default 0, i.e. noise-free as in the trainer's validation) drawn with seed `--seed`;
 * - S2: Y0 = shiftBack(Y * 2 / 28) * M (`initialEstimate`), then `reconstructTiled` (one tile at 256^2);
 * - GAP-TV: `reconstructGapTv` with the shared `GAP_TV_DEFAULTS` (as every s2cassi front end) and
 *   `--gap-tv-iterations` (default `GAP_TV_DEFAULTS.iterations`);
 * - metrics: @s2cassi/metrics `qualityReport` with the `matlab` preset (estimate clipped to [0, 1], both cubes
 *   quantised to 8 bits; PSNR and SSIM per band and averaged, SAM in degrees), as `s2cassi evaluate` and
 *   `s2cassi demo` report them.
 *
 *   npx tsx --conditions=@s2cassi/source apps/demo-model/scripts/evaluate-demo-model.ts \
 *     [--weights file.safetensors | --run /work/runs/demo-v1 [--checkpoint best|latest|<folder>]] \
 *     [--methods s2,gap-tv] [--gap-tv-iterations 100] [--noise 0] [--seed 0] [--json out.json] [--data folder]
 *     [--gap-tv-from earlier.json] [--scenes name,name,...] [--self-ensemble none|shift2|shift4]
 *
 * S2 runs the weights' own self-ensemble (@s2cassi/s2-attn `selfEnsemble`, stored in the weights; `none` unless
 * they say otherwise) or the one `--self-ensemble` names; the report records it as `s2SelfEnsemble`.
 *
 * `--scenes` scores other CAVE scenes than the held-out three (e.g. training scenes, for a decision that must
 * not look at the held-out ones). `--gap-tv-from` reuses the GAP-TV scores of an earlier report of this script (GAP-TV does not depend on
 * the model, and takes minutes per scene here) after checking that its protocol is the same.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { setupBackend } from '@s2cassi/backends';
import { GAP_TV_DEFAULTS, initialEstimate, reconstructGapTv, simulateMeasurement } from '@s2cassi/cassi-sim';
import { loadStandardMask } from '@s2cassi/demo-data';
import { openCaveDataset, readCubeFile, writeFileAtomic } from '@s2cassi/hsi-io/node';
import { qualityReport } from '@s2cassi/metrics';
import { decodeModelWeights, reconstructTiled, resolveSelfEnsemble } from '@s2cassi/s2-attn';
import * as tf from '@tensorflow/tfjs-core';
import { centreCrop, dataFolder, demoModelAssets, option } from './_script-args';

export const HELD_OUT_SCENES = ['fake_and_real_peppers', 'feathers', 'jelly_beans'];
const CROP = 256;

function weightsFile(): string | undefined {
  const weights = option('--weights');
  if (weights) return resolve(weights);
  const run = option('--run');
  if (!run) return resolve(demoModelAssets, 'demo-model.safetensors');
  const which = option('--checkpoint') ?? 'best';
  const folder = join(resolve(run), 'checkpoints');
  if (which === 'best') return join(folder, 'best', 'weights.safetensors');
  if (which === 'latest') {
    const steps = readdirSync(folder)
      .filter((name) => /^step-\d+$/.test(name))
      .sort((a, b) => Number(a.slice(5)) - Number(b.slice(5)));
    if (steps.length === 0) throw new Error(`${folder}: no step-N checkpoints`);
    return join(folder, steps[steps.length - 1], 'weights.safetensors');
  }
  return join(folder, which, 'weights.safetensors');
}

interface Scores {
  psnr: number;
  ssim: number;
  /** Mean spectral angle, degrees. */
  sam: number;
  seconds: number;
}

async function main(): Promise<void> {
  const methods = (option('--methods') ?? 's2,gap-tv').split(',');
  const iterations = Number(option('--gap-tv-iterations') ?? GAP_TV_DEFAULTS.iterations);
  const noise = Number(option('--noise') ?? 0);
  const seed = Number(option('--seed') ?? 0);
  const data = dataFolder();
  const scenes =
    option('--scenes')
      ?.split(',')
      .map((name) => name.trim()) ?? HELD_OUT_SCENES;
  const repeated = scenes.filter((name, i) => name === '' || scenes.indexOf(name) !== i);
  if (repeated.length > 0)
    throw new Error(
      `--scenes: expected distinct scene names, got ${option('--scenes')} (repeated or empty: ${repeated.join(', ')})`,
    );
  const choice = await setupBackend((option('--backend') ?? 'wasm') as 'wasm', { log: () => {} });
  const standard = await loadStandardMask();
  const reference = await readCubeFile(resolve(data, 'cassi_sim_mask/mask.mat'), { key: 'mask' });
  let maskDiff = 0;
  for (let i = 0; i < standard.data.length; i++)
    maskDiff = Math.max(maskDiff, Math.abs(standard.data[i] - reference.data[i]));
  if (maskDiff > 0)
    throw new Error(
      `the bundled standard mask differs from ${data}/cassi_sim_mask/mask.mat (max |diff| ${maskDiff})`,
    );
  const weights = methods.includes('s2') ? weightsFile() : undefined;
  const weightsBytes = weights ? new Uint8Array(readFileSync(weights)) : undefined;
  const model = weightsBytes ? decodeModelWeights(weightsBytes, { source: weights }) : undefined;
  const ensembleOption = option('--self-ensemble');
  if (model && ensembleOption !== undefined)
    model.selfEnsemble = resolveSelfEnsemble(ensembleOption, '--self-ensemble');
  const s2SelfEnsemble = model?.selfEnsemble ?? null;
  const dataset = await openCaveDataset(resolve(data, 'cave'), {
    scale: 65535,
    bands: 'cassi28',
    scenes,
  });
  const protocol = {
    scenes,
    crop: 'centre 256 x 256 (rows/cols 128..383 of 512)',
    divisor: 65535,
    bands: 'CAVE 31 -> 28 CASSI centres (linear)',
    mask: 'standard TSA 256 x 256 (== cassi_sim_mask/mask.mat)',
    shiftStep: 2,
    noise: noise > 0 ? { type: 'gaussian', sigma: noise, seed } : 'none',
    gapTvIterations: iterations,
    gapTv: { tvWeight: GAP_TV_DEFAULTS.tvWeight, tvWeightScale: GAP_TV_DEFAULTS.tvWeightScale },
    metrics: "qualityReport preset 'matlab' (@s2cassi/metrics): PSNR, SSIM, SAM in degrees",
  };
  const results: Record<string, Record<string, Scores>> = {};
  const gapTvFrom = option('--gap-tv-from');
  const earlier = gapTvFrom ? JSON.parse(readFileSync(gapTvFrom, 'utf8')) : undefined;
  if (earlier && JSON.stringify(earlier.protocol) !== JSON.stringify(protocol)) {
    throw new Error(`${gapTvFrom} was scored with another protocol: ${JSON.stringify(earlier.protocol)}`);
  }
  const maskTensor = tf.tensor2d(standard.data, standard.shape);
  try {
    for (const name of scenes) {
      const cube = await dataset.get(name);
      const truth = centreCrop(cube.data, cube.shape, CROP);
      const bands = cube.shape[2];
      const shape: [number, number, number] = [CROP, CROP, bands];
      const measurement = tf.tidy(() =>
        simulateMeasurement(tf.tensor4d(truth, [1, CROP, CROP, bands]), maskTensor, {
          shiftStep: 2,
          noise: noise > 0 ? { type: 'gaussian', sigma: noise } : undefined,
          seed,
        }),
      );
      results[name] = {};
      for (const method of methods) {
        const started = performance.now();
        let output: tf.Tensor4D;
        if (method === 'gap-tv' && earlier) {
          results[name][method] = earlier.scenes[name]['gap-tv'];
          const reused = results[name][method];
          console.log(
            `${name.padEnd(22)} ${method.padEnd(7)} PSNR ${reused.psnr.toFixed(2)} dB  SSIM ${reused.ssim.toFixed(4)}  SAM ${reused.sam.toFixed(2)}  (from ${gapTvFrom})`,
          );
          continue;
        }
        if (method === 'gap-tv') {
          output = await reconstructGapTv(measurement, maskTensor, {
            shiftStep: 2,
            bandCount: bands,
            iterations,
          });
        } else if (method === 's2') {
          if (!model) throw new Error('no model');
          const y0 = initialEstimate(measurement, maskTensor, { shiftStep: 2, bandCount: bands });
          output = await reconstructTiled(model, y0);
          y0.dispose();
        } else {
          throw new Error(`unknown method ${method}; expected s2 or gap-tv`);
        }
        const predicted = (await output.data()) as Float32Array;
        output.dispose();
        const seconds = (performance.now() - started) / 1000;
        const report = qualityReport(
          { data: truth, shape },
          { data: predicted, shape },
          { preset: 'matlab' },
        );
        const { psnr, ssim, sam } = report.scenes[0];
        const scores = { psnr, ssim, sam, seconds };
        results[name][method] = scores;
        console.log(
          `${name.padEnd(22)} ${method.padEnd(7)} PSNR ${scores.psnr.toFixed(2)} dB  SSIM ${scores.ssim.toFixed(4)}  SAM ${scores.sam.toFixed(2)}  ${seconds.toFixed(1)} s`,
        );
      }
      measurement.dispose();
    }
  } finally {
    maskTensor.dispose();
    model?.dispose();
  }
  const mean: Record<string, { psnr: number; ssim: number; sam: number }> = {};
  for (const method of methods) {
    const values = scenes.map((name) => results[name][method]);
    const average = (key: 'psnr' | 'ssim' | 'sam') => values.reduce((s, v) => s + v[key], 0) / values.length;
    mean[method] = { psnr: average('psnr'), ssim: average('ssim'), sam: average('sam') };
    console.log(
      `${'mean'.padEnd(22)} ${method.padEnd(7)} PSNR ${mean[method].psnr.toFixed(2)} dB  SSIM ${mean[method].ssim.toFixed(4)}  SAM ${mean[method].sam.toFixed(2)}`,
    );
  }
  const report = {
    protocol,
    // the file's name and content hash, not this machine's path: the model card checks the hash against the
    // weights it describes
    weights: weights ? basename(weights) : null,
    weightsSha256: weightsBytes ? createHash('sha256').update(weightsBytes).digest('hex') : null,
    s2SelfEnsemble,
    backend: choice.backend,
    loadAverage: loadavg(),
    scenes: results,
    mean,
    gapTvFrom: gapTvFrom ?? null,
  };
  const json = option('--json');
  if (json) {
    await writeFileAtomic(json, `${JSON.stringify(report, null, 2)}\n`, { overwrite: true });
  }
}

main().catch((error) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : error);
  process.exit(1);
});
