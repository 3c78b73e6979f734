/**
 * Our training step against a PyTorch peer on the same machine, back to back (verify-style), and the proof that
 * the peer is the same network (bench/peer/s2_transformer_peer.py, an independent PyTorch implementation of
 * @s2cassi/s2-attn, @s2cassi/mask-aware-loss and the trainer's Adam step).
 *
 *   npx tsx --conditions=@s2cassi/source packages/trainer/bench/peer-verify.ts [--model default|demo|both]
 *       [--steps 3] [--rounds 2] [--threads 2] [--python /usr/bin/python3]
 *       [--openblas /work/openblas/usr/lib/x86_64-linux-gnu/openblas-pthread] [--skip-check] [--skip-timing]
 *       [--profile] [--skip-memory] [--peer-checkpoint-blocks] [--omp-wait-policy passive|active|unset]
 *       [--openblas-coretype auto|SkylakeX|Haswell|auto,SkylakeX] [--checkpoint N] [--keep]
 *
 * Per model (the configurations of bench/step-profile.ts: demo = apps/demo-model/configs/v3-l1.json, batch
 * 4 x 64^2, L1; default = the paper preset at batch 1 x 128^2 without checkpointing, L_ME at step 0;
 * `--checkpoint N` checkpoints its first N blocks, 24 all):
 * 1. check: builds the model (createModel, the trainer's seeded initialisation) and one fixed batch (synthetic
 *    scenes, the standard mask, noise-free measurement, the configured network input), writes the weights
 *    (encodeModelWeights), the batch, our outputs, loss values (L1, L_ME, L_MA) and gradients to a temporary
 *    folder, takes one trainer-like step (clip, Adam) and writes the loss after it; the peer loads all of it
 *    and prints the differences (forward outputs, losses, gradients per tensor, the loss after one step).
 * 2. timing: `--rounds` times, alternately, `--steps` of our Trainer.trainStep (after one warm-up) and a fresh
 *    peer process that times the same step (same weights, batch, loss, optimizer; one warm-up step, then
 *    `--steps`); wall and process CPU time, min and median; then one profiled step of ours (tf.profile's peak
 *    of tf.memory().numBytes; not with `--skip-memory`) and the peer's peak RSS. Ratio = ours / peer (below 1:
 *    ours is faster).
 *
 * The peer (see the top of the Python file for its environment): Debian's python3-torch with OpenBLAS from
 * libopenblas0-pthread unpacked by dpkg -x (`--openblas` names its folder; Debian's default BLAS is the slow
 * reference one, and the peer refuses to run on anything but the given folder's BLAS). Its process gets
 * LD_LIBRARY_PATH, OPENBLAS_NUM_THREADS and OMP_NUM_THREADS = `--threads`, and runs without the environment's
 * OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE (unset for the peer's process only; `--openblas-coretype SkylakeX` sets
 * the core type for the peer, a comma-separated list times one peer per entry, default `auto` = OpenBLAS's own
 * detection, which falls back to Prescott SSE3 kernels on CPUs it does not know); OMP_WAIT_POLICY is PASSIVE unless
 * `--omp-wait-policy` says otherwise (libgomp's spinning threads lose much time on a shared 2-core machine;
 * `unset` leaves libgomp's default). `--peer-checkpoint-blocks` makes the peer
 * recompute each block in the backward pass as ours does (torch.utils.checkpoint); by default it keeps all
 * activations, as a PyTorch user would at this size. `--profile`: torch.profiler's top operators of one peer
 * step (after the last round). Nothing in the test suite runs this script or needs Python.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { backendInfo, setupBackend } from '@s2cassi/backends';
import { createRandom, initialEstimate, simulateMeasurement } from '@s2cassi/cassi-sim';
import { encodeSafetensors, type SafetensorsTensor } from '@s2cassi/hsi-io/safetensors';
import { type LossScheduleStep, scheduledLoss } from '@s2cassi/mask-aware-loss';
import * as tf from '@tensorflow/tfjs-core';
import {
  AdamOptimizer,
  assembleBatch,
  createModel,
  drawBatch,
  Trainer,
  type TrainerConfig,
} from '../src/index';
import { loadConfiguredMask } from '../src/node';
import { defaultConfig, demoConfig, flag, option, sceneSource } from './_configs';

const modelChoice = option('--model', 'both');
if (!['default', 'demo', 'both'].includes(modelChoice)) {
  throw new Error(`--model: expected default, demo or both, got ${modelChoice}`);
}
const steps = Number(option('--steps', '3'));
const rounds = Number(option('--rounds', '2'));
const threads = Number(option('--threads', '2'));
const python = option('--python', '/usr/bin/python3');
const openblas = resolve(option('--openblas', '/work/openblas/usr/lib/x86_64-linux-gnu/openblas-pthread'));
const peerScript = resolve(import.meta.dirname, 'peer/s2_transformer_peer.py');
const ompWaitPolicy = option('--omp-wait-policy', 'passive');
if (!['passive', 'active', 'unset'].includes(ompWaitPolicy)) {
  throw new Error(`--omp-wait-policy: expected passive, active or unset, got ${ompWaitPolicy}`);
}
/**
 * OpenBLAS kernels of the peer, a comma-separated list (each round times the peer once per entry): `auto` = OpenBLAS's
 * own CPU detection (OPENBLAS_CORETYPE unset), or a core name such as SkylakeX or Haswell (OPENBLAS_CORETYPE set for
 * the peer's process). OpenBLAS 0.3.21 does not know every CPU: it falls back to its Prescott (SSE3) kernels, and the
 * peer then warns.
 */
const coretypes = option('--openblas-coretype', 'auto').split(',');
for (const coretype of coretypes) {
  if (!/^[A-Za-z0-9]+$/.test(coretype)) throw new Error(`--openblas-coretype: not a core name: ${coretype}`);
}

/** Temporary folders and the running peer, cleaned up on exit and on SIGINT / SIGTERM. */
const temporaryDirs = new Set<string>();
let runningPeer: ReturnType<typeof spawn> | undefined;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    runningPeer?.kill('SIGTERM');
    if (!flag('--keep')) for (const dir of temporaryDirs) rmSync(dir, { recursive: true, force: true });
    process.exit(signal === 'SIGINT' ? 130 : 143);
  });
}

// ---------------------------------------------------------------------------------------------------------
// The peer's environment, checked before anything else runs.

/**
 * The peer's process environment: OpenBLAS first on the library path, threads pinned, OpenBLAS's core type only as
 * `coretype` says (`auto`: its own detection).
 */
function peerEnvironment(coretype = 'auto'): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  // This machine's environment may set these (tuned for other work); only the peer's process loses them.
  delete env.OPENBLAS_CORETYPE;
  delete env.OPENBLAS_L2_SIZE;
  if (coretype !== 'auto') env.OPENBLAS_CORETYPE = coretype;
  env.LD_LIBRARY_PATH = [openblas, process.env.LD_LIBRARY_PATH].filter(Boolean).join(':');
  env.OPENBLAS_NUM_THREADS = String(threads);
  env.OMP_NUM_THREADS = String(threads);
  // libgomp's threads spin-wait at every barrier before they sleep (unset policy) or always (ACTIVE): on a 2-core
  // machine shared with other processes a descheduled thread then stalls its partner; PASSIVE (sleep at once)
  // measured 2-4x faster peer steps here under load (demo step 6.1 s unset, 1.5-3.5 s passive).
  if (ompWaitPolicy === 'unset') delete env.OMP_WAIT_POLICY;
  else env.OMP_WAIT_POLICY = ompWaitPolicy.toUpperCase();
  env.PYTHONUNBUFFERED = '1';
  return env;
}

function preflight(): void {
  const problems: string[] = [];
  if (!existsSync(python)) {
    problems.push(`Python not found at ${python} (--python <path>; Debian: /usr/bin/python3)`);
  }
  if (!existsSync(openblas)) {
    problems.push(
      `OpenBLAS folder not found: ${openblas} (--openblas <dir>; make it with: apt-get download libopenblas0-pthread && ` +
        'dpkg -x libopenblas0-pthread_*.deb /work/openblas, then pass /work/openblas/usr/lib/x86_64-linux-gnu/openblas-pthread)',
    );
  } else if (!existsSync(join(openblas, 'libblas.so.3'))) {
    problems.push(
      `no libblas.so.3 in ${openblas}: --openblas must name the folder that holds OpenBLAS's libblas.so.3`,
    );
  }
  if (!existsSync(peerScript)) problems.push(`peer script not found: ${peerScript}`);
  if (problems.length === 0) {
    const probe = spawnSync(python, ['-c', 'import torch, numpy; print(torch.__version__)'], {
      env: peerEnvironment(),
      encoding: 'utf8',
    });
    if (probe.error || probe.status !== 0) {
      problems.push(
        `torch is not importable by ${python}: ${(probe.error?.message ?? probe.stderr).trim().split('\n').slice(-1)[0]} ` +
          '(Debian: apt-get install -y --no-install-recommends python3-torch python3-numpy)',
      );
    }
  }
  if (problems.length > 0) {
    console.error(`peer-verify: cannot run the PyTorch peer:\n  ${problems.join('\n  ')}`);
    process.exit(2);
  }
}

interface PeerRun<T> {
  result: T;
  /** CPU time our own process used while the peer ran (our thread pool should be idle). */
  ourCpuSeconds: number;
}

/** Runs the peer, echoes its output, returns its `RESULT <json>` line. */
async function runPeer<T>(peerArgs: string[], coretype = coretypes[0]): Promise<PeerRun<T>> {
  const cpuStart = process.cpuUsage();
  const child = spawn(python, [peerScript, ...peerArgs], {
    env: peerEnvironment(coretype),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  runningPeer = child;
  let buffer = '';
  let result: T | undefined;
  const onLine = (line: string) => {
    if (line.startsWith('RESULT ')) result = JSON.parse(line.slice('RESULT '.length)) as T;
    else console.log(`  ${line}`);
  };
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (chunk: string) => {
    buffer += chunk;
    let at = buffer.indexOf('\n');
    while (at >= 0) {
      onLine(buffer.slice(0, at));
      buffer = buffer.slice(at + 1);
      at = buffer.indexOf('\n');
    }
  });
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => process.stderr.write(chunk));
  const code = await new Promise<number | null>((done) => child.on('close', done));
  runningPeer = undefined;
  if (buffer) onLine(buffer);
  const used = process.cpuUsage(cpuStart);
  if (code !== 0 || result === undefined) {
    throw new Error(`the peer (${python} ${peerScript} ${peerArgs.join(' ')}) failed with exit code ${code}`);
  }
  return { result, ourCpuSeconds: (used.user + used.system) / 1e6 };
}

function regionExtent(config: TrainerConfig): number | 'global' {
  const region = config.loss.region as string | number;
  if (region === 'pixel') return 1;
  if (region === 'window') return config.model.windowSize;
  if (region === 'global') return 'global';
  return Number(region);
}

// ---------------------------------------------------------------------------------------------------------
// The check: our model, batch, outputs, losses, gradients and one step, written for the peer.

interface CheckPlan {
  config: TrainerConfig;
  lossStep: LossScheduleStep;
  learningRate: number;
}

const f32 = (shape: number[], data: Float32Array): SafetensorsTensor => ({ dtype: 'F32', shape, data });

function globalNorm(arrays: Float32Array[]): number {
  let sum = 0;
  for (const a of arrays) for (let i = 0; i < a.length; i++) sum += a[i] * a[i];
  return Math.sqrt(sum);
}

/** Writes weights.safetensors, check.safetensors and check.json to `dir`; with `full`, our outputs, losses, gradients and one step too. */
async function writeCase(dir: string, plan: CheckPlan, full: boolean): Promise<void> {
  const { config, lossStep, learningRate } = plan;
  const { data, model: modelConfig, loss, optimizer, training } = config;
  const model = createModel(modelConfig, config.seed);
  const hasMaskHead = modelConfig.maskEncodingStage > 0;
  const checkpointBlocks = training.checkpointBlocks ?? false;
  const source = sceneSource(config);
  const scenes = await Promise.all(source.trainSceneNames.map((name) => source.load(name)));
  const maskArray = await loadConfiguredMask(config);
  const draws = drawBatch(createRandom(config.seed + 1), scenes, maskArray, {
    batchSize: training.batchSize,
    cropSize: data.cropSize,
    rot90: data.augment.rot90,
    flip: data.augment.flip,
    randomMaskCrop: data.mask.randomCrop,
  });
  const host = assembleBatch(scenes, maskArray, draws, data.cropSize);
  const [batch, height, width, bands] = host.shape;
  const truth = tf.tensor4d(host.cubes, host.shape);
  const mask = tf.tensor3d(host.masks, [batch, height, width]);
  const input = tf.tidy(() => {
    const measurement = simulateMeasurement(truth, mask, {
      shiftStep: data.shiftStep,
      normalisation: 2 / bands,
      noise: 'none',
      validateValues: false,
    });
    return initialEstimate(measurement, mask, {
      shiftStep: data.shiftStep,
      mode: data.input,
      normalisation: 'none',
      bandCount: bands,
      validateValues: false,
    });
  });
  writeFileSync(join(dir, 'weights.safetensors'), model.encodeWeights!());
  const tensors: Record<string, SafetensorsTensor> = {
    input: f32(input.shape, input.dataSync() as Float32Array),
    truth: f32(truth.shape, host.cubes),
    mask: f32(mask.shape, host.masks),
  };
  const extent = regionExtent(config);
  const lossSpec = {
    objective: lossStep.objective,
    alpha: lossStep.alpha,
    beta: lossStep.beta,
    reconstruction: lossStep.reconstruction,
    region: extent,
    eps: loss.epsilon,
  };
  const optimizerSpec = {
    learningRate,
    beta1: optimizer.beta1,
    beta2: optimizer.beta2,
    epsilon: optimizer.epsilon,
    gradientClipNorm: optimizer.gradientClipNorm,
  };
  const meta: Record<string, unknown> = {
    parameterCount: model.parameterCount(),
    checkpointBlocks: checkpointBlocks !== false && checkpointBlocks !== 0,
    lossSpec,
    optimizer: optimizerSpec,
  };
  const objectiveStep = (objective: LossScheduleStep['objective']): LossScheduleStep => ({
    objective,
    alpha: objective === 'me' ? loss.alphaME : objective === 'ma' ? loss.alphaMA : 0,
    beta: objective === 'ma' ? loss.beta : 0,
    reconstruction: objective === 'l1' || objective === 'rmse' ? objective : loss.reconstruction,
    phase: 'first',
  });
  const lossInputs = (output: { reconstruction: tf.Tensor4D; maskEncoded?: tf.Tensor4D }) => ({
    prediction: output.reconstruction,
    truth,
    maskEncodedPrediction: output.maskEncoded,
    mask,
    region: { size: config.loss.region },
    windowSize: modelConfig.windowSize,
    eps: loss.epsilon,
  });
  if (full) {
    const output = model.apply(input, { withIntermediate: hasMaskHead, checkpointBlocks });
    tensors.reconstruction = f32(
      output.reconstruction.shape,
      output.reconstruction.dataSync() as Float32Array,
    );
    if (output.maskEncoded) {
      tensors.mask_encoded = f32(output.maskEncoded.shape, output.maskEncoded.dataSync() as Float32Array);
    }
    const losses: Record<string, unknown> = {};
    for (const objective of hasMaskHead ? (['l1', 'me', 'ma'] as const) : (['l1'] as const)) {
      const step = objectiveStep(objective);
      const parts = scheduledLoss(step, lossInputs(output));
      const values: Record<string, number> = {};
      for (const [key, value] of Object.entries(parts)) values[key] = (value as tf.Scalar).dataSync()[0];
      tf.dispose(Object.values(parts));
      losses[objective] = {
        spec: { alpha: step.alpha, beta: step.beta, reconstruction: step.reconstruction },
        values,
      };
    }
    tf.dispose([output.reconstruction, output.maskEncoded]);
    meta.losses = losses;
    // Gradients: the trainer's objective (the timed step), and L_MA when the model has f_h.
    const weights = model.namedWeights().filter((w) => w.variable.trainable);
    const variables = weights.map((w) => w.variable);
    const gradientObjectives = [lossStep.objective];
    if (hasMaskHead && lossStep.objective !== 'ma') gradientObjectives.push('ma');
    const gradientMeta: Record<string, unknown> = {};
    let stepGradients: (tf.Tensor | undefined)[] = [];
    let lossBefore = Number.NaN;
    for (const objective of gradientObjectives) {
      const step = objective === lossStep.objective ? lossStep : objectiveStep(objective);
      const { value, grads } = tf.variableGrads(() => {
        const out = model.apply(input, {
          withIntermediate: objective === 'me' || objective === 'ma',
          training: true,
          checkpointBlocks,
        });
        return scheduledLoss(step, lossInputs(out)).total;
      }, variables);
      const ordered = weights.map((w) => grads[w.variable.name]);
      const arrays: Float32Array[] = [];
      weights.forEach((w, i) => {
        const g = ordered[i];
        if (!g) return;
        const values = g.dataSync() as Float32Array;
        arrays.push(values);
        tensors[`grad.${objective}.${w.name}`] = f32(g.shape, values);
      });
      gradientMeta[objective] = { gradientNorm: globalNorm(arrays), loss: value.dataSync()[0] };
      if (objective === lossStep.objective) {
        stepGradients = ordered;
        lossBefore = value.dataSync()[0];
        value.dispose();
      } else {
        tf.dispose([value, ...Object.values(grads)]);
      }
    }
    meta.gradients = gradientMeta;
    // One step as Trainer.trainStep takes it: optional clipping, our Adam at the step's learning rate; then the loss
    // again.
    const adam = new AdamOptimizer(weights, optimizer);
    let clippedNorm: number | undefined;
    if (optimizer.gradientClipNorm !== null) {
      const norm = adam.applyGradientsClipped(stepGradients, learningRate, optimizer.gradientClipNorm);
      clippedNorm = norm.dataSync()[0];
      norm.dispose();
    } else {
      adam.applyGradients(stepGradients, learningRate);
    }
    tf.dispose(stepGradients.filter((g) => g !== undefined));
    adam.dispose();
    const after = model.apply(input, {
      withIntermediate: lossStep.objective === 'me' || lossStep.objective === 'ma',
      checkpointBlocks,
    });
    const afterParts = scheduledLoss(lossStep, lossInputs(after));
    meta.step = { lossBefore, lossAfter: afterParts.total.dataSync()[0], gradientNorm: clippedNorm };
    tf.dispose([after.reconstruction, after.maskEncoded, ...Object.values(afterParts)]);
  }
  writeFileSync(join(dir, 'check.safetensors'), encodeSafetensors(tensors));
  writeFileSync(join(dir, 'check.json'), `${JSON.stringify(meta, null, 2)}\n`);
  tf.dispose([truth, mask, input]);
  model.dispose();
}

// ---------------------------------------------------------------------------------------------------------
// Timing.

const quantile = (values: number[], q: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
};
const median = (values: number[]) => quantile(values, 0.5);
const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MiB`;
const seconds = (values: number[]) => values.map((s) => s.toFixed(3)).join(', ');

interface PeerTiming {
  parameters: number;
  wall: number[];
  cpu: number[];
  phases: { forward: number[]; backward: number[]; optimizer: number[] };
  peakRssBytes: number;
  environment: { torch: string; blas: string[]; threads: number; openblasCore: string | null };
}

interface PeerStats {
  /** The OpenBLAS core the peer ran (`--openblas-coretype` entry and what OpenBLAS reported). */
  core: string;
  wall: number[];
  cpu: number[];
  forward: number[];
  backward: number[];
  optimizer: number[];
  peakRss: number;
  /** CPU time of our process while this peer ran, per round. */
  idleCpu: number[];
}

interface Summary {
  label: string;
  ours: { wall: number[]; cpu: number[]; data: number[]; peakBytes: number };
  peers: PeerStats[];
  ourParameters: number;
  peerParameters: number;
}

function machineConditions(when: string): void {
  const [one, five, fifteen] = loadavg();
  // Processes using at least 1 % of a CPU (ps's share over each process's lifetime), at most five.
  const ps = spawnSync('ps', ['-eo', 'pid,ni,stat,pcpu,etime,args', '--sort=-pcpu'], { encoding: 'utf8' });
  const [header, ...rows] = (ps.stdout ?? '').split('\n');
  const busy = rows.filter((row) => Number(row.trim().split(/\s+/)[3]) >= 1).slice(0, 5);
  const lines = [header, ...busy].map((line) => `    ${line.slice(0, 150)}`);
  console.log(
    `machine (${when}): load average ${one.toFixed(2)} ${five.toFixed(2)} ${fifteen.toFixed(2)}; processes using >= 1 % CPU:`,
  );
  console.log(lines.join('\n'));
}

async function runModel(label: string, config: TrainerConfig): Promise<Summary | undefined> {
  const { model, training, data } = config;
  console.log(
    `\n## ${label}: ${model.blockType} K${model.stageCount} L${model.blocksPerStage} C${model.embeddingDim} T${model.heads} M${model.windowSize}, ` +
      `batch ${training.batchSize} x ${data.cropSize}^2${training.checkpointBlocks ? `, checkpointBlocks ${training.checkpointBlocks}` : ''}, ` +
      `backend ${tf.getBackend()} ${backendInfo().threads ?? 1} thread(s)`,
  );
  machineConditions('start');
  const trainer = await Trainer.create({
    config,
    source: sceneSource(config),
    mask: await loadConfiguredMask(config),
  });
  const lossStep = trainer.lossAt(0);
  const learningRate = trainer.learningRateAt(0);
  console.log(
    `step 0: objective ${lossStep.objective} (alpha ${lossStep.alpha}, beta ${lossStep.beta}, recon ${lossStep.reconstruction}), ` +
      `learning rate ${learningRate}, gradient clip ${config.optimizer.gradientClipNorm}`,
  );
  const dir = mkdtempSync(join(tmpdir(), `s2cassi-peer-${label.split(' ')[0]}-`));
  temporaryDirs.add(dir);
  try {
    const full = !flag('--skip-check');
    const started = performance.now();
    await writeCase(dir, { config, lossStep, learningRate }, full);
    console.log(
      `wrote ${full ? 'weights, batch, our outputs, losses, gradients and one step' : 'weights and batch'} to ${dir} ` +
        `(${((performance.now() - started) / 1000).toFixed(1)} s)`,
    );
    const ourParameters = trainer.model.parameterCount();
    let peerParameters = Number.NaN;
    if (full) {
      console.log('\n### equivalence (peer vs ours, float32; ours on wasm with its fused kernels)');
      const check = await runPeer<{ parameters: number }>([
        'check',
        '--dir',
        dir,
        '--threads',
        String(threads),
        '--require-blas-dir',
        openblas,
      ]);
      peerParameters = check.result.parameters;
    } else {
      const modelConfig = JSON.stringify({ ...model, seed: config.seed });
      peerParameters = (await runPeer<{ parameters: number }>(['count', '--config', modelConfig])).result
        .parameters;
    }
    console.log(
      `parameters: ours ${ourParameters.toLocaleString('en-US')}, peer ${peerParameters.toLocaleString('en-US')}${ourParameters === peerParameters ? ' (equal)' : ' (DIFFERENT)'}`,
    );
    if (flag('--skip-timing')) return undefined;

    console.log(
      `\n### timing: ${rounds} round(s) of ours then the peer (OpenBLAS core: ${coretypes.join(', then ')}), ${steps} timed steps each`,
    );
    await trainer.trainStep(); // warm-up: Adam slots, kernel set-up, heap growth
    const ours = { wall: [] as number[], cpu: [] as number[], data: [] as number[] };
    const peers: PeerStats[] = coretypes.map((coretype) => ({
      core: coretype,
      wall: [],
      cpu: [],
      forward: [],
      backward: [],
      optimizer: [],
      peakRss: 0,
      idleCpu: [],
    }));
    for (let round = 0; round < rounds; round++) {
      const wall: number[] = [];
      const cpu: number[] = [];
      for (let i = 0; i < steps; i++) {
        const cpuStart = process.cpuUsage();
        const start = performance.now();
        const record = await trainer.trainStep();
        wall.push((performance.now() - start) / 1000);
        const used = process.cpuUsage(cpuStart);
        cpu.push((used.user + used.system) / 1e6);
        ours.data.push(record.dataSeconds);
      }
      ours.wall.push(...wall);
      ours.cpu.push(...cpu);
      console.log(`round ${round + 1} ours: wall ${seconds(wall)} s; CPU ${seconds(cpu)} s`);
      const peerArgs = [
        'time',
        '--dir',
        dir,
        '--steps',
        String(steps),
        '--warmup',
        '1',
        '--threads',
        String(threads),
        '--require-blas-dir',
        openblas,
      ];
      if (flag('--peer-checkpoint-blocks')) peerArgs.push('--checkpoint-blocks');
      for (const [index, peer] of peers.entries()) {
        const profile = flag('--profile') && round === rounds - 1 ? ['--profile'] : [];
        const run = await runPeer<PeerTiming>([...peerArgs, ...profile], coretypes[index]);
        const detected = run.result.environment.openblasCore ?? '?';
        peer.core = coretypes[index] === 'auto' ? `auto-detected ${detected}` : detected;
        peer.wall.push(...run.result.wall);
        peer.cpu.push(...run.result.cpu);
        peer.forward.push(...run.result.phases.forward);
        peer.backward.push(...run.result.phases.backward);
        peer.optimizer.push(...run.result.phases.optimizer);
        peer.peakRss = Math.max(peer.peakRss, run.result.peakRssBytes);
        peer.idleCpu.push(run.ourCpuSeconds);
        console.log(
          `round ${round + 1} peer (OpenBLAS ${peer.core}): wall ${seconds(run.result.wall)} s; CPU ${seconds(run.result.cpu)} s (our process used ${run.ourCpuSeconds.toFixed(2)} s CPU meanwhile)`,
        );
      }
    }
    // Memory of our step: tf.profile's peak of tf.memory().numBytes over one step (as bench/step-profile.ts).
    const peakBytes = flag('--skip-memory')
      ? Number.NaN
      : (
          await tf.profile(async () => {
            await trainer.trainStep();
          })
        ).peakBytes;
    machineConditions('end');
    return {
      label,
      ours: { ...ours, peakBytes },
      peers,
      ourParameters,
      peerParameters,
    };
  } finally {
    trainer.dispose();
    if (flag('--keep')) console.log(`kept ${dir}`);
    else rmSync(dir, { recursive: true, force: true });
    temporaryDirs.delete(dir);
  }
}

function report(summaries: Summary[]): void {
  console.log('\n## summary (ratio = ours / peer; below 1: ours is faster)\n');
  console.log(
    '| model | peer OpenBLAS | parameters ours / peer | ours wall min / median | peer wall min / median | ratio min | ratio median | ours CPU min / median | peer CPU min / median |',
  );
  console.log('|---|---|---|---:|---:|---:|---:|---:|---:|');
  for (const s of summaries) {
    const o = s.ours;
    for (const p of s.peers) {
      console.log(
        `| ${s.label} | ${p.core} | ${s.ourParameters.toLocaleString('en-US')} / ${s.peerParameters.toLocaleString('en-US')} | ` +
          `${Math.min(...o.wall).toFixed(3)} / ${median(o.wall).toFixed(3)} s | ${Math.min(...p.wall).toFixed(3)} / ${median(p.wall).toFixed(3)} s | ` +
          `${(Math.min(...o.wall) / Math.min(...p.wall)).toFixed(2)} | ${(median(o.wall) / median(p.wall)).toFixed(2)} | ` +
          `${Math.min(...o.cpu).toFixed(3)} / ${median(o.cpu).toFixed(3)} s | ${Math.min(...p.cpu).toFixed(3)} / ${median(p.cpu).toFixed(3)} s |`,
      );
    }
  }
  console.log('');
  for (const s of summaries) {
    console.log(
      `${s.label}: ours ${s.ours.wall.length} steps (wall ${seconds(s.ours.wall)}), data preparation median ${(median(s.ours.data) * 1000).toFixed(1)} ms/step, ` +
        `peak tf.memory().numBytes in one step ${Number.isNaN(s.ours.peakBytes) ? '(--skip-memory)' : mib(s.ours.peakBytes)}`,
    );
    for (const p of s.peers) {
      console.log(
        `  peer (OpenBLAS ${p.core}): ${p.wall.length} steps (wall ${seconds(p.wall)}), median forward + loss ${median(p.forward).toFixed(3)} s, ` +
          `backward ${median(p.backward).toFixed(3)} s, clip + Adam ${median(p.optimizer).toFixed(3)} s, peak RSS ${mib(p.peakRss)}; ` +
          `our process CPU while it ran: ${p.idleCpu.map((c) => c.toFixed(2)).join(', ')} s`,
      );
    }
  }
  console.log(
    `our process peak RSS (this whole run: ${summaries.map((s) => s.label).join(', ')}${flag('--skip-check') ? '' : ', with the checks'}): ` +
      `${mib(process.resourceUsage().maxRSS * 1024)} (the peer's: one process per round, its own peak RSS)`,
  );
}

preflight();
const choice = await setupBackend('wasm', { threads });
console.log(`backend: ${choice.backend} (${choice.reason})`);
console.log(`node ${process.version}, ${cpus().length} logical CPUs (${cpus()[0]?.model ?? '?'})`);
const summaries: Summary[] = [];
if (modelChoice !== 'default') {
  const s = await runModel('demo model (v3-l1.json)', demoConfig());
  if (s) summaries.push(s);
}
if (modelChoice !== 'demo') {
  const s = await runModel('default model at 128^2', defaultConfig());
  if (s) summaries.push(s);
}
if (summaries.length > 0) report(summaries);
