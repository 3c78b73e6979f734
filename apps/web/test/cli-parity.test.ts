import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setupBackend } from '@s2cassi/backends';
import { decodeNpy, encodeNpy } from '@s2cassi/hsi-io';
import { maxAbsDiff, uniformArray } from '@s2cassi/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { INITIAL_SETTINGS } from '../src/lib/initial-settings';
import type { CubeData, PlaneData } from '../src/lib/types';
import { bandMetrics, reconstruct, simulate } from '../src/worker/engine';

/**
 * One job through both apps: the command line (simulate -> reconstruct with its defaults -> metrics) and
 * the web engine (the same steps with the page's defaults) must give the same cube and the same scores,
 * under the same named metrics preset.
 */

const RUN_CLI = fileURLToPath(new URL('./_run-cli.ts', import.meta.url));
const TSX = import.meta.resolve('tsx');

function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--conditions=@s2cassi/source', '--import', TSX, RUN_CLI, ...args],
      { env: { ...process.env, FORCE_COLOR: '0' }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

const H = 24;
const W = 24;
const N = 28;

/** Piecewise-smooth scene with edges, values in 0.05..0.95 (a real GAP-TV job, not a constant). */
function scene(): CubeData {
  const data = new Float32Array(H * W * N);
  for (let y = 0; y < H; y++)
    for (let x = 0; x < W; x++)
      for (let n = 0; n < N; n++) {
        const inside = x > 6 && x < 17 && y > 4 && y < 15;
        const t = n / (N - 1);
        data[(y * W + x) * N + n] = inside
          ? 0.2 + 0.7 * Math.exp(-((t - 0.3) ** 2) / 0.05)
          : 0.5 + 0.2 * Math.sin(y / 3 + t * 2) + 0.15 * Math.cos(x / 4 - t * 3);
      }
  return { data, shape: [H, W, N], wavelengths: Array.from({ length: N }, (_, i) => 450 + i * 7) };
}

/** What the page's fields start with (initialWorkbenchState in src/workbench-state.ts reads them from here). */
const WEB_DEFAULTS = {
  shiftStep: INITIAL_SETTINGS.shiftStep,
  iterations: INITIAL_SETTINGS.iterations,
  tvWeight: INITIAL_SETTINGS.tvWeight,
};

describe('the command line and the web engine agree on one job', () => {
  const dir = mkdtempSync(join(tmpdir(), 's2cassi-parity-'));
  const truth = scene();
  const mask: PlaneData = {
    data: uniformArray(H * W, 11, 0, 1).map((v) => (v > 0.5 ? 1 : 0)),
    shape: [H, W],
  };

  beforeAll(async () => {
    // as the worker and the command line do: tfjs's wasm plus this project's kernels
    await setupBackend('wasm');
    writeFileSync(join(dir, 'truth.npy'), encodeNpy({ data: truth.data, shape: truth.shape }));
    writeFileSync(join(dir, 'mask.npy'), encodeNpy({ data: mask.data, shape: mask.shape }));
  });

  it('GAP-TV defaults: demo, reconstruct, evaluate and the page use one set', async () => {
    const iterationsDefault = async (command: string) => {
      const help = await cli([command, '--help']);
      return /--iterations <n>\s+GAP-TV iterations \(default: (\d+)\)/.exec(help.stdout)?.[1];
    };
    const demo = await iterationsDefault('demo');
    const reconstructDefault = await iterationsDefault('reconstruct');
    const evaluate = await iterationsDefault('evaluate');
    expect(demo).toBeDefined();
    expect(demo).toBe(reconstructDefault);
    expect(evaluate).toBe(reconstructDefault);
    expect(String(WEB_DEFAULTS.iterations)).toBe(reconstructDefault);
  });

  it('simulate -> reconstruct (defaults) -> scores: the same cube and PSNR / SSIM / SAM to 1e-6', async () => {
    const backend = ['--backend', 'wasm'];
    const sim = await cli([
      'simulate',
      join(dir, 'truth.npy'),
      '--mask',
      join(dir, 'mask.npy'),
      '-o',
      join(dir, 'meas.npy'),
      '--no-preview',
      ...backend,
    ]);
    expect(sim.code, sim.stderr).toBe(0);
    const rec = await cli([
      'reconstruct',
      join(dir, 'meas.npy'),
      '--mask',
      join(dir, 'mask.npy'),
      '-o',
      join(dir, 'estimate.npy'),
      ...backend,
    ]);
    expect(rec.code, rec.stderr).toBe(0);
    const cliScores = await cliMetrics(join(dir, 'estimate.npy'));

    const measurement = await simulate(truth, mask, {
      shiftStep: INITIAL_SETTINGS.shiftStep,
      noiseSigma: INITIAL_SETTINGS.noiseSigma,
      seed: INITIAL_SETTINGS.seed,
    });
    const cliMeasurement = decodeNpy(new Uint8Array(readFileSync(join(dir, 'meas.npy'))));
    expect(maxAbsDiff(measurement.data, cliMeasurement.data as Float32Array)).toBe(0);
    const result = await reconstruct({ method: 'gap-tv', measurement, mask, ...WEB_DEFAULTS }, () => {});
    const web = webScores(bandMetrics(truth, { ...truth, data: result.cube }));
    const cliEstimate = decodeNpy(new Uint8Array(readFileSync(join(dir, 'estimate.npy'))));
    expect(maxAbsDiff(result.cube, cliEstimate.data as Float32Array)).toBeLessThan(1e-6);
    expectSameScores(web, cliScores);
  });

  it('SAM, PSNR and SSIM of one estimate: one definition per preset, named by both apps', async () => {
    // a fixed estimate (not a reconstruction): both apps only score it
    const estimate = { ...truth, data: truth.data.map((v, i) => v + 0.04 * Math.sin(i * 0.37)) };
    writeFileSync(join(dir, 'fixed.npy'), encodeNpy({ data: estimate.data, shape: estimate.shape }));
    const cliScores = await cliMetrics(join(dir, 'fixed.npy'));
    const web = webScores(bandMetrics(truth, estimate));
    expectSameScores(web, cliScores);
  });

  async function cliMetrics(estimate: string) {
    const scored = await cli(['metrics', join(dir, 'truth.npy'), estimate, '--json']);
    expect(scored.code, scored.stderr).toBe(0);
    const json = JSON.parse(scored.stdout) as {
      preset: string;
      scenes: { psnr: number; ssim: number; sam: number }[];
    };
    const { psnr, ssim, sam } = json.scenes[0];
    return { preset: json.preset, psnr, ssim, sam };
  }
});

interface Scores {
  preset?: string;
  psnr: number;
  ssim: number;
  sam: number;
}

function webScores(metrics: { psnr: number[]; ssim: number[]; sam: number; preset?: string }): Scores {
  const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;
  return { preset: metrics.preset, psnr: mean(metrics.psnr), ssim: mean(metrics.ssim), sam: metrics.sam };
}

function expectSameScores(web: Scores, cli: Scores): void {
  const digits = (s: Scores) => ({ psnr: s.psnr.toFixed(6), ssim: s.ssim.toFixed(6), sam: s.sam.toFixed(6) });
  expect(digits(web), `web ${JSON.stringify(web)} vs command line ${JSON.stringify(cli)}`).toEqual(
    digits(cli),
  );
  expect(Math.abs(web.psnr - cli.psnr)).toBeLessThan(1e-6);
  expect(Math.abs(web.ssim - cli.ssim)).toBeLessThan(1e-6);
  expect(Math.abs(web.sam - cli.sam)).toBeLessThan(1e-6);
  expect(cli.preset).toBe('matlab');
  expect(web.preset).toBe(cli.preset);
}
