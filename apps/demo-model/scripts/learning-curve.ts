/**
 * The held-out learning curve of a run and its extrapolation: validation means over windows of steps,
 * a least-squares fit of PSNR = a + b log2(training pixels) over the constant-learning-rate phase, the
 * one-time gain the learning-rate decay gave on top of that fit, and the training pixels at which the
 * fitted curve (plus that decay gain, plus a measured offset such as checkpoint averaging and a
 * self-ensemble) would reach each target. A rough model, said so in its output; the slope over each half
 * of the fit range shows whether the doublings are adding less.
 *
 *   node --conditions=@s2cassi/source --import tsx apps/demo-model/scripts/learning-curve.ts \
 *     --run /work/runs/v3-l1 --fit 10000:44000 --window 2000 --offset 0.35 \
 *     --target mean=27.65 --target fake_and_real_peppers=31.22:-0.11 [--out results/learning-curve.md]
 */
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { option, options } from './_script-args';

export interface Validation {
  step: number;
  psnr: number;
  scenes: { name: string; psnr: number }[];
}

/** Validation records (`psnr` and per-scene numbers) of a trainer log, in step order. */
export function readValidations(text: string): Validation[] {
  const out: Validation[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    const record = JSON.parse(line) as Record<string, unknown>;
    if (record.type === 'step' || typeof record.psnr !== 'number' || typeof record.step !== 'number')
      continue;
    out.push({
      step: record.step,
      psnr: record.psnr,
      scenes: ((record.scenes as { name: string; psnr: number }[]) ?? []).map((s) => ({
        name: s.name,
        psnr: s.psnr,
      })),
    });
  }
  return out.sort((a, b) => a.step - b.step);
}

/** The mean of `value` over the records of each window [k w, (k + 1) w) of steps, windows in order. */
export function windowMeans(
  records: readonly Validation[],
  window: number,
  value: (r: Validation) => number,
): { start: number; step: number; count: number; mean: number }[] {
  const groups = new Map<number, Validation[]>();
  for (const r of records) {
    const start = Math.floor(r.step / window) * window;
    const group = groups.get(start);
    if (group) group.push(r);
    else groups.set(start, [r]);
  }
  return [...groups.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([start, group]) => ({
      start,
      // the mean step of the window's records: where its mean sits on the pixel axis
      step: group.reduce((s, r) => s + r.step, 0) / group.length,
      count: group.length,
      mean: group.reduce((s, r) => s + value(r), 0) / group.length,
    }));
}

/** Least squares y = a + b log2(x) and its coefficient of determination. */
export function fitLogLinear(
  xs: readonly number[],
  ys: readonly number[],
): { a: number; b: number; r2: number } {
  if (xs.length !== ys.length || xs.length < 2)
    throw new Error(
      `fitLogLinear: expected at least 2 points of equal count, got ${xs.length} x and ${ys.length} y`,
    );
  const u = xs.map((x) => {
    if (!(x > 0)) throw new Error(`fitLogLinear: expected x > 0, got ${x}`);
    return Math.log2(x);
  });
  const n = u.length;
  const mu = u.reduce((s, v) => s + v, 0) / n;
  const my = ys.reduce((s, v) => s + v, 0) / n;
  let suu = 0;
  let suy = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    suu += (u[i] - mu) ** 2;
    suy += (u[i] - mu) * (ys[i] - my);
    syy += (ys[i] - my) ** 2;
  }
  if (suu === 0) throw new Error('fitLogLinear: all x are equal');
  const b = suy / suu;
  const a = my - b * mu;
  return { a, b, r2: syy === 0 ? 1 : (suy * suy) / (suu * syy) };
}

/** The x at which a + b log2(x) = y (Infinity when b <= 0 and y is above the curve). */
export function solveLogLinear(fit: { a: number; b: number }, y: number): number {
  if (fit.b <= 0) return y <= fit.a ? 0 : Number.POSITIVE_INFINITY;
  return 2 ** ((y - fit.a) / fit.b);
}

function main(): void {
  const run = option('--run');
  if (!run)
    throw new Error(
      'usage: learning-curve.ts --run <run folder> [--fit from:to] [--window n] [--offset dB] [--target name=dB ...] [--out file.md]',
    );
  const [fitFrom, fitTo] = (option('--fit') ?? '10000:44000').split(':').map(Number);
  const window = Number(option('--window') ?? 2000);
  const offset = Number(option('--offset') ?? 0);
  const config = JSON.parse(readFileSync(resolve(run, 'config.json'), 'utf8'));
  const crop = config.data.cropSize as number;
  const pixelsPerStep = (config.training.batchSize as number) * crop * crop;
  const records = readValidations(readFileSync(resolve(run, 'log.jsonl'), 'utf8'));
  if (records.length === 0) throw new Error(`${run}/log.jsonl: no validation records`);
  const last = records[records.length - 1].step;
  // --target name=dB or name=dB:offset (the offset of that target in place of --offset)
  const targets = options('--target').map((t) => {
    const [name, spec] = t.split('=');
    const [value, own] = (spec ?? '').split(':');
    return { name, value: Number(value), offset: own === undefined ? offset : Number(own) };
  });
  if (targets.length === 0) targets.push({ name: 'mean', value: Number.NaN, offset });
  const lines: string[] = [
    `# Held-out learning curve of ${run.split('/').pop()}`,
    '',
    `Validation means over ${window}-step windows; ${pixelsPerStep} training pixels per step (batch ${config.training.batchSize} x ${crop}^2). Fit: PSNR = a + b log2(pixels) over the windows with steps ${fitFrom}-${fitTo}; the decay gain is the last window's mean above that fit; each target's offset is what the final model adds over that last window's single checkpoints (averaging, self-ensemble, the choice of checkpoint), measured.`,
    '',
  ];
  for (const target of targets) {
    const value =
      target.name === 'mean'
        ? (r: Validation) => r.psnr
        : (r: Validation) => {
            const scene = r.scenes.find((s) => s.name === target.name);
            if (!scene) throw new Error(`no scene ${target.name} in the validation at step ${r.step}`);
            return scene.psnr;
          };
    const means = windowMeans(records, window, value);
    const inFit = means.filter((m) => m.start >= fitFrom && m.start < fitTo);
    const fit = fitLogLinear(
      inFit.map((m) => m.step * pixelsPerStep),
      inFit.map((m) => m.mean),
    );
    const half = (fitFrom + fitTo) / 2;
    const slope = (from: number, to: number) => {
      const part = inFit.filter((m) => m.start >= from && m.start < to);
      return part.length >= 2
        ? fitLogLinear(
            part.map((m) => m.step * pixelsPerStep),
            part.map((m) => m.mean),
          ).b.toFixed(3)
        : 'n/a';
    };
    const end = means[means.length - 1];
    const decayGain = end.mean - (fit.a + fit.b * Math.log2(end.step * pixelsPerStep));
    lines.push(
      `## ${target.name}`,
      '',
      '| steps | validations | training pixels | mean PSNR (dB) | fit (dB) |',
      '|---|---|---|---|---|',
    );
    for (const m of means) {
      const pixels = m.step * pixelsPerStep;
      lines.push(
        `| ${m.start}-${m.start + window - 1} | ${m.count} | ${pixels.toExponential(2)} | ${m.mean.toFixed(2)} | ${(fit.a + fit.b * Math.log2(pixels)).toFixed(2)} |`,
      );
    }
    lines.push(
      '',
      `Fit: a = ${fit.a.toFixed(2)}, b = **${fit.b.toFixed(3)} dB per doubling** of the training pixels (R^2 ${fit.r2.toFixed(3)}; ${slope(fitFrom, half)} over steps ${fitFrom}-${half}, ${slope(half, fitTo)} over ${half}-${fitTo}). Last window (${end.start}-${last}): ${end.mean.toFixed(2)} dB, ${decayGain >= 0 ? '+' : ''}${decayGain.toFixed(2)} dB over the fit (the decay).`,
    );
    if (Number.isFinite(target.value)) {
      const needed = solveLogLinear(fit, target.value - target.offset - decayGain);
      lines.push(
        `Target ${target.value.toFixed(2)} dB: the fit + decay gain + offset (${target.offset.toFixed(2)} dB) reaches it at **${needed.toExponential(2)} training pixels** (${(needed / (last * pixelsPerStep)).toFixed(1)} x this run's ${(last * pixelsPerStep).toExponential(2)}), if each doubling keeps adding ${fit.b.toFixed(2)} dB and a decay at the end adds what this one did (a model of the curve, not a promise).`,
      );
    }
    lines.push('');
  }
  const text = lines.join('\n');
  const out = option('--out');
  if (out) {
    writeFileSync(`${out}.tmp`, text);
    renameSync(`${out}.tmp`, out);
  }
  console.log(text);
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(import.meta.filename)) main();
