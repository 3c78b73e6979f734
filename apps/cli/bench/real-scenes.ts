// Reconstructs the five real TSA-Net CASSI measurements (660 x 714, ../shared/data/cassi_real) with the
// s2cassi CLI exactly as a user would run it (`pnpm s2cassi reconstruct ...`, one process per scene, with
// --render), scores every reconstruction with `s2cassi niqe`, and writes a Markdown results file.
//
//   nice -n 10 npx tsx --conditions=@s2cassi/source apps/cli/bench/real-scenes.ts \
//     [--out /tmp/s2cassi-real-scenes] [--iterations 100] [--scenes 1,2,3,4,5] [--methods gap-tv,s2]
//     [--results apps/cli/bench/results/real-scenes.md] [--backend wasm] [--weights real-model.safetensors]
//
// Methods default to gap-tv, plus s2 when --weights names S2-Transformer weights (a real-data model scales each
// frame to its peak, see @s2cassi/s2-attn's measurementScaling) or @s2cassi/demo-data exports `loadDemoWeights`
// (the bundled demo weights, the CLI's default for --method s2: a simulation model).
//
// NIQE scale: every cube is in the measurement's own units (y = sum_n shift(M F)_n): GAP-TV's, and S2's, whose
// output the pipeline scales back by the model's measurement scaling. The MST /
// S2-Transformer real-data code feeds meas / max(meas) * 0.8 to networks trained on inputs
// sum_n shift(M F)_n * 2 / 28 * 1.2 with F in 0..1, so their outputs F' relate to ours by
// F' = F * 0.8 / (max(meas) * 2 / 28 * 1.2). We pass `--range max(meas) * (2 / 28) * 1.2 / 0.8` to
// `s2cassi niqe` (that value maps to 255), and `--rotate180` as the S2-Transformer NIQE script does.
import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import * as demoData from '@s2cassi/demo-data';
import { writeFileAtomic } from '@s2cassi/hsi-io/node';
import { SHARED_DATA, SHARED_DATA_MISSING_MESSAGE } from '@s2cassi/testing';

const root = resolve(import.meta.dirname, '../../..');

function option(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && i + 1 < process.argv.length ? process.argv[i + 1] : fallback;
}

if (!SHARED_DATA) {
  console.log(`skipped: ${SHARED_DATA_MISSING_MESSAGE}`);
  process.exit(0);
}
const realFolder = join(SHARED_DATA, 'cassi_real');
const out = resolve(option('out', '/tmp/s2cassi-real-scenes'));
const iterations = Number(option('iterations', '100'));
const scenes = option('scenes', '1,2,3,4,5').split(',').map(Number);
const backend = option('backend', 'wasm');
const weights = option('weights', '');
const s2Available =
  weights !== '' || typeof (demoData as Record<string, unknown>).loadDemoWeights === 'function';
const methods = option('methods', s2Available ? 'gap-tv,s2' : 'gap-tv').split(',');
// The generated table; apps/cli/bench/results/real-scenes.md quotes it with hand-written descriptions.
const resultsPath = resolve(option('results', join(root, 'apps/cli/bench/results/real-scenes.table.md')));

/** Runs `pnpm s2cassi <args>` (the same node command line the root package.json script runs). */
function s2cassi(args: string[]): unknown {
  console.log(`$ pnpm s2cassi ${args.join(' ')}`);
  const result = spawnSync(
    process.execPath,
    ['--conditions=@s2cassi/source', '--import', 'tsx', join(root, 'apps/cli/src/bin.ts'), ...args],
    { cwd: root, encoding: 'utf8', maxBuffer: 64 * 2 ** 20, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  if (result.status !== 0) throw new Error(`s2cassi ${args[0]} exited with ${result.status}`);
  return JSON.parse(result.stdout);
}

interface Row {
  scene: number;
  method: string;
  seconds: number;
  niqe: number;
}

const rows: Row[] = [];
for (const method of methods) {
  mkdirSync(join(out, method), { recursive: true });
  for (const scene of scenes) {
    const measurement = join(realFolder, 'Measurements', `scene${scene}.mat`);
    const output = join(out, method, `scene${scene}.mat`);
    const methodArgs =
      method === 'gap-tv'
        ? ['--iterations', String(iterations)]
        : weights !== ''
          ? ['--weights', resolve(weights)]
          : [];
    const reconstruction = s2cassi([
      'reconstruct',
      measurement,
      '--mask',
      join(realFolder, 'mask.mat'),
      '--method',
      method,
      ...methodArgs,
      '-o',
      output,
      '--render',
      '--force',
      '--backend',
      backend,
      '--json',
    ]) as { results: { seconds: number; shape: number[] }[] };
    const [result] = reconstruction.results;
    if (result.shape.join('x') !== '660x660x28') throw new Error(`unexpected shape ${result.shape}`);
    const info = s2cassi(['info', measurement, '--json']) as {
      file: { variables: { name: string; max: number }[] };
    };
    const peak = info.file.variables.find((v) => v.name === 'meas_real')?.max;
    if (peak === undefined) throw new Error(`${measurement} has no meas_real`);
    // Networks' output units (see the header): this value of our cube maps to 255, for every method.
    const range = (peak * (2 / 28) * 1.2) / 0.8;
    const niqe = s2cassi(['niqe', output, '--range', String(range), '--rotate180', '--json']) as {
      inputs: { mean: number }[];
    };
    const mean = niqe.inputs[0].mean;
    rows.push({
      scene,
      method,
      seconds: result.seconds,
      niqe: mean,
    });
    console.log(
      `scene${scene} ${method}: ${result.seconds.toFixed(1)} s, NIQE ${mean.toFixed(3)} (range ${range.toFixed(5)})`,
    );
  }
}

const lines = [
  '<!-- generated by apps/cli/bench/real-scenes.ts -->',
  '',
  `| scene | method | GAP-TV iterations | time (s) | NIQE (mean of 28 bands) |`,
  '|---|---|---|---|---|',
  ...rows.map(
    (r) =>
      `| scene${r.scene} | ${r.method} | ${r.method === 'gap-tv' ? iterations : '-'} | ${r.seconds.toFixed(1)} | ${r.niqe.toFixed(3)} |`,
  ),
  '',
  `Mean NIQE: ${methods
    .map((m) => {
      const mine = rows.filter((r) => r.method === m);
      return `${m} ${(mine.reduce((s, r) => s + r.niqe, 0) / mine.length).toFixed(3)}`;
    })
    .join(', ')}`,
  '',
  `Outputs in ${out} (cubes, *.srgb.png, *.bands.png); backend ${backend}${weights ? `; S2 weights ${weights}` : ''}; NIQE with --rotate180 and`,
  "--range max(meas) * (2 / 28) * 1.2 / 0.8 (the networks' output units) for every method.",
  '',
];
mkdirSync(dirname(resultsPath), { recursive: true });
await writeFileAtomic(resultsPath, lines.join('\n'), { overwrite: true });
console.log(lines.join('\n'));
console.log(`wrote ${resultsPath}`);
