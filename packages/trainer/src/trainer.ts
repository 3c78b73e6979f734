import { createRandom, initialEstimate, type Random, simulateMeasurement } from '@s2cassi/cassi-sim';
import {
  createLossSchedule,
  type LossSchedule,
  type LossScheduleStep,
  lossScheduleAt,
  scheduledLoss,
} from '@s2cassi/mask-aware-loss';
import { psnr, ssim } from '@s2cassi/metrics';
import { measurementFactors } from '@s2cassi/s2-attn';
import * as tf from '@tensorflow/tfjs-core';
import { AdamOptimizer, type NamedVariable } from './adam';
import { assembleBatch, centreCrop, drawBatch, type HostBatch, type MaskArray } from './batch-sampler';
import {
  assertSameTraining,
  type DecodedCheckpoint,
  type EncodedCheckpoint,
  encodeCheckpoint,
  encodeNamedWeights,
  TrainerCheckpointError,
  type TrainingProgress,
  trainingDifferences,
  type ValidationRecord,
} from './checkpoint';
import { type TrainerConfig, validateConfig } from './config';
import { type EpochRecord, type StepRecord, TrainerEvents } from './events';
import { type InitialWeights, loadInitialWeights, TrainerInitialWeightsError } from './initial-weights';
import { learningRateAt } from './learning-rate';
import { assertMemoryFits, estimateTrainingMemory, type MemoryEstimate } from './memory';
import { createModel, modelMeasurementScaling, type TrainableModel } from './model';
import { objectiveChange } from './objective-change';
import type { Scene, SceneSource } from './scene-source';

type LearningRateSchedule = TrainerConfig['learningRateSchedule'];

/** Where checkpoints go (the Node part writes folders; a browser app could use IndexedDB). */
export interface CheckpointStore {
  /** Stores a checkpoint atomically and returns where it went. `best` replaces the previous best. */
  save(checkpoint: EncodedCheckpoint, kind: 'step' | 'best'): Promise<string>;
}

/** Options of {@link Trainer.create}. */
export interface CreateTrainerOptions {
  config: TrainerConfig;
  source: SceneSource;
  /** The coded aperture, at least cropSize x cropSize (and validation-crop sized). */
  mask: MaskArray;
  /** A model to train; default: `S2Transformer` from @s2cassi/s2-attn built from `config.model`. */
  model?: TrainableModel;
  /** A decoded checkpoint to continue from (see `decodeCheckpoint`); refused if it trains something else. */
  checkpoint?: DecodedCheckpoint;
  /** Where the checkpoint came from, for messages. */
  checkpointLocation?: string;
  /** Skip the up-front memory check (tests of the check itself). */
  skipMemoryCheck?: boolean;
  /**
   * The file `config.initialWeights` names, read by the caller (the Node runner reads it from its path):
   * a new run starts from these weights instead of the seed's random ones (see `loadInitialWeights`); the
   * trainer's config then pins the file's SHA-256. Needed exactly when the config names initial weights and
   * no checkpoint is given (a resume continues from its checkpoint and ignores them).
   */
  initialWeights?: InitialWeights;
}

/** Options of {@link Trainer.run}. */
export interface RunOptions {
  /** Stop (after the current step, with a checkpoint) when aborted: SIGINT/SIGTERM in the Node runner. */
  signal?: AbortSignal;
  /** Where checkpoints go; without it, none are written. */
  store?: CheckpointStore;
  /** Stop after this global step count (default: the end of training). */
  untilStep?: number;
}

/** The result of {@link Trainer.run}. */
export interface RunResult {
  step: number;
  /** True when stopped by the signal or `untilStep` before the end of training. */
  stopped: boolean;
  best: ValidationRecord | null;
  validations: ValidationRecord[];
}

function backendMemoryBytes(): number | undefined {
  const backend = tf.backend() as unknown as {
    wasm?: { HEAPU8?: Uint8Array };
  };
  const heap = backend.wasm?.HEAPU8;
  if (heap) return heap.buffer.byteLength;
  const memory = tf.memory() as tf.MemoryInfo & { numBytesInGPU?: number };
  return memory.numBytesInGPU;
}

function now(): number {
  return globalThis.performance.now();
}

/** The largest value of the noise-free band sum Y of a host batch (loops; validation crops only). */
function measurementPeak(host: HostBatch, shiftStep: number): number {
  const [batch, height, width, bands] = host.shape;
  const measuredWidth = width + shiftStep * (bands - 1);
  const row = new Float64Array(measuredWidth);
  let peak = Number.NEGATIVE_INFINITY;
  for (let b = 0; b < batch; b++) {
    for (let r = 0; r < height; r++) {
      row.fill(0);
      for (let c = 0; c < width; c++) {
        const m = host.masks[(b * height + r) * width + c];
        const base = ((b * height + r) * width + c) * bands;
        for (let n = 0; n < bands; n++) row[c + shiftStep * n] += m * host.cubes[base + n];
      }
      for (const v of row) if (v > peak) peak = v;
    }
  }
  return peak;
}

/**
 * Trains a model with the paper's protocol (see the package README). Deterministic given the config's
 * seed and backend: the data generator's state, Adam's moments, the step count and the validation
 * history are all in a checkpoint, so a run resumed from one continues exactly.
 *
 * Batches are prepared synchronously right before their step: with the scenes cached in memory,
 * preparation (crops, augmentation, simulateMeasurement + initialEstimate) is a few milliseconds against
 * seconds per step (`dataSeconds` in every step record), and tfjs runs on one thread, so preparing
 * ahead would move that work, not overlap it.
 */
export class Trainer {
  readonly config: TrainerConfig;
  readonly events = new TrainerEvents();
  readonly model: TrainableModel;
  readonly memory: MemoryEstimate;
  readonly stepsPerEpoch: number;
  readonly totalSteps: number;
  private readonly weights: NamedVariable[];
  private readonly optimizer: AdamOptimizer;
  private readonly random: Random;
  private readonly schedule: LossSchedule;
  private readonly mask: MaskArray;
  private readonly trainScenes: Scene[];
  private readonly validationScenes: { name: string; scene: Scene }[];
  private readonly ownsModel: boolean;
  private progress: TrainingProgress;

  private constructor(
    options: CreateTrainerOptions,
    model: TrainableModel,
    trainScenes: Scene[],
    validationScenes: { name: string; scene: Scene }[],
  ) {
    this.config = options.config;
    this.model = model;
    this.ownsModel = options.model === undefined;
    this.mask = options.mask;
    this.trainScenes = trainScenes;
    this.validationScenes = validationScenes;
    const { training } = this.config;
    this.stepsPerEpoch = Math.ceil(training.samplesPerEpoch / training.batchSize);
    this.totalSteps = this.stepsPerEpoch * training.epochs;
    this.weights = model.namedWeights().filter((w) => w.variable.trainable);
    this.memory = estimateTrainingMemory(this.config, model.parameterCount(), tf.getBackend());
    this.optimizer = new AdamOptimizer(this.weights, this.config.optimizer);
    this.random = createRandom(this.config.seed);
    const loss = this.config.loss;
    this.schedule = createLossSchedule({
      firstObjective: loss.objective === 'mask-aware' ? 'me' : loss.objective,
      secondObjective: loss.objective === 'mask-aware' ? 'ma' : loss.objective,
      firstAlpha: loss.alphaME,
      secondAlpha: loss.alphaMA,
      beta: loss.beta,
      switchFraction: loss.switchFraction,
      reconstruction: loss.reconstruction,
    });
    this.progress = {
      step: 0,
      epochLossSum: 0,
      epochLossCount: 0,
      random: this.random.state(),
      validations: [],
      best: null,
      trainingSeconds: 0,
    };
  }

  /**
   * Loads the scenes, builds (or takes) the model, checks the memory estimate against the backend's
   * limit (wasm: 4 GiB) and restores a checkpoint when one is given.
   */
  static async create(options: CreateTrainerOptions): Promise<Trainer> {
    let config = validateConfig(options.config);
    const { source, mask } = options;
    // Resuming with the config a run started from (a path only): the checkpoint pinned the file's SHA-256.
    const pinned = options.checkpoint?.state.config.initialWeights;
    if (config.initialWeights && config.initialWeights.sha256 === undefined && pinned?.sha256 !== undefined)
      config = { ...config, initialWeights: { ...config.initialWeights, sha256: pinned.sha256 } };
    if (!options.checkpoint && config.initialWeights && !options.initialWeights) {
      throw new TrainerInitialWeightsError(
        `the config starts from initial weights (initialWeights.path ${config.initialWeights.path}): pass the file's bytes as the initialWeights option (the Node runner and s2cassi train read the file)`,
      );
    }
    if (!options.checkpoint && options.initialWeights && !config.initialWeights) {
      throw new TrainerInitialWeightsError(
        'initial weights were given but the config has no initialWeights entry: name the file there (initialWeights.path), so the run records what it started from',
      );
    }
    if (
      !mask ||
      !(mask.data instanceof Float32Array) ||
      mask.shape?.length !== 2 ||
      mask.data.length !== mask.shape[0] * mask.shape[1]
    ) {
      throw new Error(
        'Trainer: mask must be { data: Float32Array, shape: [height, width] } with matching length',
      );
    }
    if (mask.shape[0] < config.data.cropSize || mask.shape[1] < config.data.cropSize) {
      throw new Error(
        `Trainer: the mask (${mask.shape[0]} x ${mask.shape[1]}) is smaller than data.cropSize ${config.data.cropSize}`,
      );
    }
    if (source.trainSceneNames.length === 0)
      throw new Error('Trainer: the scene source has no training scenes');
    const overlap = source.trainSceneNames.filter((name) => source.validationSceneNames.includes(name));
    if (overlap.length > 0)
      throw new Error(`Trainer: scenes both trained on and held out: ${overlap.join(', ')}`);
    const load = async (name: string): Promise<Scene> => {
      const scene = await source.load(name);
      if (scene.shape[2] !== config.model.bandCount) {
        throw new Error(
          `Trainer: scene ${name} has ${scene.shape[2]} bands, model.bandCount is ${config.model.bandCount}`,
        );
      }
      if (scene.shape[0] < config.data.cropSize || scene.shape[1] < config.data.cropSize) {
        throw new Error(
          `Trainer: scene ${name} (${scene.shape[0]} x ${scene.shape[1]}) is smaller than data.cropSize ${config.data.cropSize}`,
        );
      }
      return scene;
    };
    const trainScenes: Scene[] = [];
    for (const name of source.trainSceneNames) trainScenes.push(await load(name));
    const validationScenes: { name: string; scene: Scene }[] = [];
    if (config.validation.everyEpochs > 0) {
      for (const name of source.validationSceneNames)
        validationScenes.push({ name, scene: await load(name) });
    }
    const model = options.model ?? createModel(config.model, config.seed, modelMeasurementScaling(config));
    let trainer: Trainer | undefined;
    try {
      if (!options.skipMemoryCheck) {
        const parameterCount = model.parameterCount();
        const backend = tf.getBackend();
        assertMemoryFits(
          estimateTrainingMemory(config, parameterCount, backend),
          config,
          parameterCount,
          backend,
        );
      }
      if (!options.checkpoint && options.initialWeights && config.initialWeights) {
        const sha256 = await loadInitialWeights(model, config, options.initialWeights);
        config = { ...config, initialWeights: { ...config.initialWeights, sha256 } };
      }
      trainer = new Trainer({ ...options, config }, model, trainScenes, validationScenes);
      if (options.checkpoint) trainer.restore(options.checkpoint, options.checkpointLocation ?? 'checkpoint');
    } catch (error) {
      if (trainer) trainer.dispose();
      else if (options.model === undefined) model.dispose();
      throw error;
    }
    return trainer;
  }

  /** Steps completed so far. */
  get step(): number {
    return this.progress.step;
  }

  get epoch(): number {
    return Math.floor(this.progress.step / this.stepsPerEpoch);
  }

  get best(): ValidationRecord | null {
    return this.progress.best;
  }

  get validations(): readonly ValidationRecord[] {
    return this.progress.validations;
  }

  /** The loss schedule (a plain JSON object) and what applies at an epoch. */
  lossAt(epoch: number): LossScheduleStep {
    return lossScheduleAt(this.schedule, { epoch, totalEpochs: this.config.training.epochs });
  }

  learningRateAt(step: number): number {
    return learningRateAt(this.config, {
      epoch: Math.floor(step / this.stepsPerEpoch),
      step,
      totalSteps: this.totalSteps,
    });
  }

  /**
   * Set when the run was resumed with another learning-rate schedule than its checkpoint's (allowed only when
   * the new schedule gives every step already trained the rate it ran at): where and from what to what.
   */
  scheduleChange: { atStep: number; from: LearningRateSchedule; to: LearningRateSchedule } | undefined;

  private restore(checkpoint: DecodedCheckpoint, where: string): void {
    const before = checkpoint.state.config;
    const differences = trainingDifferences(before, this.config);
    const scheduleOnly = (path: string) =>
      path === 'learningRateSchedule' || path.startsWith('learningRateSchedule.');
    if (differences.length > 0 && differences.every(scheduleOnly)) {
      this.assertSamePastRates(before, checkpoint.state.progress.step, where);
      this.scheduleChange = {
        atStep: checkpoint.state.progress.step,
        from: structuredClone(before.learningRateSchedule),
        to: structuredClone(this.config.learningRateSchedule),
      };
    } else {
      assertSameTraining(before, this.config, where);
    }
    const stored = checkpoint.weights;
    const expected = new Map(this.model.namedWeights().map((w) => [w.name, w.variable]));
    const missing = [...expected.keys()].filter((name) => !(name in stored));
    const extra = Object.keys(stored).filter((name) => !expected.has(name));
    if (missing.length > 0 || extra.length > 0) {
      throw new TrainerCheckpointError(
        `${where}: weights do not match the model (missing: ${missing.slice(0, 5).join(', ') || 'none'}; unexpected: ${
          extra.slice(0, 5).join(', ') || 'none'
        })`,
      );
    }
    for (const [name, variable] of expected) {
      if (!tf.util.arraysEqual(stored[name].shape, variable.shape)) {
        throw new TrainerCheckpointError(
          `${where}: weight ${name} has shape [${stored[name].shape}], the model expects [${variable.shape}]`,
        );
      }
    }
    const progress = checkpoint.state.progress;
    if (progress.step > this.totalSteps) {
      throw new TrainerCheckpointError(
        `${where}: step ${progress.step} is past the end of training (${this.totalSteps})`,
      );
    }
    try {
      this.optimizer.setState(checkpoint.optimizer);
      this.random.setState(progress.random);
    } catch (error) {
      throw new TrainerCheckpointError(`${where}: ${(error as Error).message}`);
    }
    for (const [name, variable] of expected) {
      tf.tidy(() => variable.assign(tf.tensor(stored[name].values, variable.shape, 'float32')));
    }
    this.progress = structuredClone(progress);
  }

  /** Refuses a new learning-rate schedule that would have given any of the first `steps` steps another rate. */
  private assertSamePastRates(before: TrainerConfig, steps: number, where: string): void {
    const rateAt = (config: TrainerConfig, step: number) =>
      learningRateAt(config, {
        epoch: Math.floor(step / this.stepsPerEpoch),
        step,
        totalSteps: this.totalSteps,
      });
    for (let step = 0; step < Math.min(steps, this.totalSteps); step++) {
      const [was, now] = [rateAt(before, step), rateAt(this.config, step)];
      if (was === now) continue;
      // A cosine that starts at or after the current step gives every past step the base rate: it keeps the past
      // exactly when the old schedule ran at the base rate all along.
      const base = this.config.optimizer.learningRate;
      const firstEpoch = Math.ceil(steps / this.stepsPerEpoch);
      let offBase = -1;
      for (let s = 0; s < steps && offBase < 0; s++) if (rateAt(before, s) !== base) offBase = s;
      const hint =
        offBase >= 0
          ? `No cosine decay can take over here: the old schedule already ran step ${offBase + 1} at ${rateAt(before, offBase)}, not at the base rate ${base}.`
          : firstEpoch < this.config.training.epochs
            ? `A schedule may change on resume only from the current step on: e.g. kind 'cosine' with startEpoch >= ${firstEpoch}, the first epoch that starts after the ${steps} steps done.`
            : `No epoch is left to decay over (${steps} of ${this.totalSteps} steps done).`;
      throw new TrainerCheckpointError(
        `${where} was trained to step ${steps} with learningRateSchedule ${JSON.stringify(before.learningRateSchedule)}; ` +
          `the new ${JSON.stringify(this.config.learningRateSchedule)} would have run step ${step + 1} at ${now} instead of ${was}. ${hint}`,
      );
    }
  }

  /** Prepares one batch from the data generator: ground truth, mask and network input, as tensors. */
  private prepareBatch(
    host: HostBatch,
    noise: boolean,
    normalisation = 2 / this.config.model.bandCount,
  ): { input: tf.Tensor4D; truth: tf.Tensor4D; mask: tf.Tensor3D } {
    const { data, model } = this.config;
    const [batch, height, width] = host.shape;
    return tf.tidy(() => {
      const truth = tf.tensor4d(host.cubes, host.shape);
      const mask = tf.tensor3d(host.masks, [batch, height, width]);
      const noiseOption =
        !noise || data.noise.kind === 'none'
          ? ('none' as const)
          : data.noise.kind === 'gaussian'
            ? { type: 'gaussian' as const, sigma: data.noise.std }
            : {
                type: 'shot' as const,
                quantumEfficiency: data.noise.quantumEfficiency,
                bitDepth: data.noise.bitDepth,
                scale: data.noise.scale,
              };
      const measurement = simulateMeasurement(truth, mask, {
        shiftStep: data.shiftStep,
        normalisation,
        noise: noiseOption,
        random: this.random,
        validateValues: false,
      });
      const input = initialEstimate(measurement, mask, {
        shiftStep: data.shiftStep,
        mode: data.input,
        normalisation: 'none',
        bandCount: model.bandCount,
        validateValues: false,
      });
      return { input, truth, mask };
    });
  }

  /** Runs one optimiser step and returns its record (also emitted as a `step` event). */
  async trainStep(): Promise<StepRecord> {
    if (this.progress.step >= this.totalSteps) throw new Error('Trainer: training is already complete');
    const started = now();
    const step = this.progress.step;
    const epoch = Math.floor(step / this.stepsPerEpoch);
    const learningRate = this.learningRateAt(step);
    const lossStep = this.lossAt(epoch);
    if (step > 0) {
      const previous = this.lossAt(Math.floor((step - 1) / this.stepsPerEpoch));
      if (previous.objective !== lossStep.objective)
        this.events.emit('objective', objectiveChange(step, epoch, previous.objective, lossStep));
    }
    const { data, training, optimizer, loss, model } = this.config;
    const draws = drawBatch(this.random, this.trainScenes, this.mask, {
      batchSize: training.batchSize,
      cropSize: data.cropSize,
      rot90: data.augment.rot90,
      flip: data.augment.flip,
      randomMaskCrop: data.mask.randomCrop,
    });
    const host = assembleBatch(this.trainScenes, this.mask, draws, data.cropSize);
    const batch = this.prepareBatch(host, true);
    const dataSeconds = (now() - started) / 1000;
    const withIntermediate = lossStep.objective === 'me' || lossStep.objective === 'ma';
    let kept: tf.Scalar[] = [];
    let output: ReturnType<TrainableModel['apply']> | undefined;
    let gradientNorm: number | undefined;
    let record: StepRecord;
    try {
      const variables = this.weights.map((w) => w.variable);
      const { value, grads } = tf.variableGrads(() => {
        output = this.model.apply(batch.input, {
          withIntermediate,
          training: true,
          checkpointBlocks: this.config.training.checkpointBlocks ?? false,
        });
        const parts = scheduledLoss(lossStep, {
          prediction: output.reconstruction,
          truth: batch.truth,
          maskEncodedPrediction: output.maskEncoded,
          mask: batch.mask,
          region: { size: loss.region },
          windowSize: model.windowSize,
          eps: loss.epsilon,
        });
        kept = [parts.recon, parts.me, parts.ma]
          .filter((t): t is tf.Scalar => t !== undefined)
          .map((t) => tf.keep(t));
        return parts.total;
      }, variables);
      const ordered = this.weights.map((w) => grads[w.variable.name]);
      const values = await Promise.all([value, ...kept].map(async (t) => (await t.data())[0]));
      const total = values[0];
      if (!Number.isFinite(total)) {
        tf.dispose([value, ...Object.values(grads)]);
        throw new Error(
          `training diverged at step ${step} (epoch ${epoch}): loss is ${total}. Lower optimizer.learningRate or set optimizer.gradientClipNorm; the last checkpoint is kept.`,
        );
      }
      if (optimizer.gradientClipNorm !== null) {
        const norm = this.optimizer.applyGradientsClipped(ordered, learningRate, optimizer.gradientClipNorm);
        gradientNorm = (await norm.data())[0];
        norm.dispose();
      } else {
        this.optimizer.applyGradients(ordered, learningRate);
      }
      tf.dispose([value, ...Object.values(grads)]);
      const lossValues: StepRecord['loss'] = { total, recon: values[1] };
      let next = 2;
      if (withIntermediate) lossValues.me = values[next++];
      if (lossStep.objective === 'ma') lossValues.ma = values[next++];
      this.progress.step = step + 1;
      this.progress.epochLossSum += total;
      this.progress.epochLossCount += 1;
      this.progress.random = this.random.state();
      const seconds = (now() - started) / 1000;
      this.progress.trainingSeconds += seconds;
      record = {
        type: 'step',
        step,
        epoch,
        stepInEpoch: step - epoch * this.stepsPerEpoch,
        stepsPerEpoch: this.stepsPerEpoch,
        loss: lossValues,
        objective: lossStep.objective,
        alpha: lossStep.alpha,
        beta: lossStep.beta,
        learningRate,
        samplesPerSecond: training.batchSize / seconds,
        seconds,
        dataSeconds,
        numTensors: 0,
        tensorBytes: 0,
      };
      if (gradientNorm !== undefined) record.gradientNorm = gradientNorm;
    } finally {
      // A model may tf.keep() an output inside its own tidy (S2Transformer does for maskEncoded); kept
      // tensors survive variableGrads' scope, so dispose the outputs explicitly (a no-op if already gone).
      tf.dispose([
        batch.input,
        batch.truth,
        batch.mask,
        ...kept,
        output?.reconstruction,
        output?.maskEncoded,
      ]);
    }
    // Memory is read after everything of the step is disposed: what stays is what the run holds.
    const memory = tf.memory();
    record.numTensors = memory.numTensors;
    record.tensorBytes = memory.numBytes;
    const backendBytes = backendMemoryBytes();
    if (backendBytes !== undefined) record.backendBytes = backendBytes;
    this.events.emit('step', record);
    return record;
  }

  /**
   * Reconstructs every held-out scene (centre crop of `validation.cropSize`, noise-free measurement with
   * the top-left crop of the mask) and scores it with @s2cassi/metrics (matlab presets).
   */
  async validate(): Promise<ValidationRecord> {
    const started = now();
    if (this.validationScenes.length === 0) throw new Error('Trainer: no validation scenes');
    const scenes: ValidationRecord['scenes'] = [];
    const scaling = modelMeasurementScaling(this.config);
    for (const { name, scene } of this.validationScenes) {
      const host = centreCrop(scene, this.mask, this.config.validation.cropSize);
      // as inference scales a measurement for this model (see @s2cassi/pipeline's reconstruct)
      const peak = scaling.kind === 'peak' ? measurementPeak(host, this.config.data.shiftStep) : 1;
      if (!(peak > 0))
        throw new Error(
          `Trainer: validation scene ${name}: its measurement is ${peak} at most, and the model scales measurements to their peak (measurementScaling 'peak'): expected a scene with some light in its ${this.config.validation.cropSize ?? 'whole'}-pixel centre crop`,
        );
      const factors = measurementFactors(scaling, peak, this.config.model.bandCount);
      const batch = this.prepareBatch(host, false, factors.input);
      try {
        const output = this.model.apply(batch.input, { withIntermediate: false, training: false });
        let prediction = (await output.reconstruction.data()) as Float32Array;
        tf.dispose([output.reconstruction, output.maskEncoded]);
        if (factors.output !== 1) prediction = prediction.map((v) => v * factors.output);
        const reference = { data: host.cubes, shape: host.shape };
        const predicted = { data: prediction, shape: host.shape };
        const preset = this.config.validation.metricsPreset;
        scenes.push({
          name,
          psnr: psnr(reference, predicted, { preset }),
          ssim: ssim(reference, predicted, { preset }),
        });
      } finally {
        tf.dispose([batch.input, batch.truth, batch.mask]);
      }
    }
    const mean = (key: 'psnr' | 'ssim') => scenes.reduce((sum, s) => sum + s[key], 0) / scenes.length;
    const step = this.progress.step;
    return {
      epoch: Math.max(0, Math.ceil(step / this.stepsPerEpoch) - 1),
      step,
      psnr: mean('psnr'),
      ssim: mean('ssim'),
      scenes,
      seconds: (now() - started) / 1000,
    };
  }

  /** Encodes the current state as checkpoint files (weights, Adam, progress with RNG state, config). */
  async checkpoint(): Promise<EncodedCheckpoint> {
    let weightBytes: Uint8Array;
    if (this.model.encodeWeights) {
      weightBytes = this.model.encodeWeights();
    } else {
      const weights = [];
      for (const { name, variable } of this.model.namedWeights()) {
        weights.push({ name, shape: variable.shape, values: (await variable.data()) as Float32Array });
      }
      weightBytes = encodeNamedWeights(weights);
    }
    return encodeCheckpoint(this.config, weightBytes, await this.optimizer.getState(), this.progress);
  }

  /**
   * Trains until the end (or `untilStep`, or the signal): emits `start`, `step`, `epoch`, `validation`,
   * `checkpoint` and `end`; writes checkpoints every `checkpoint.everySteps` steps, at each epoch end, on
   * a new best validation PSNR (`best`), and when stopped.
   */
  async run(options: RunOptions = {}): Promise<RunResult> {
    const { store, signal } = options;
    const untilStep = Math.min(options.untilStep ?? this.totalSteps, this.totalSteps);
    const { checkpoint, validation, training } = this.config;
    this.events.emit('start', {
      totalSteps: this.totalSteps,
      stepsPerEpoch: this.stepsPerEpoch,
      epochs: training.epochs,
      firstStep: this.progress.step,
      backend: tf.getBackend(),
      memory: this.memory,
      parameterCount: this.model.parameterCount(),
    });
    let epochStarted = now();
    let lastSaved = this.progress.step;
    const save = async (kind: 'step' | 'best' | 'final' | 'interrupt') => {
      if (!store) return;
      const location = await store.save(await this.checkpoint(), kind === 'best' ? 'best' : 'step');
      if (kind !== 'best') lastSaved = this.progress.step;
      this.events.emit('checkpoint', { step: this.progress.step, location, kind });
    };
    while (this.progress.step < untilStep && !signal?.aborted) {
      const record = await this.trainStep();
      const done = this.progress.step;
      const epochEnded = done % this.stepsPerEpoch === 0;
      if (epochEnded) {
        const epoch = done / this.stepsPerEpoch - 1;
        const epochRecord: EpochRecord = {
          type: 'epoch',
          epoch,
          step: done,
          meanLoss: this.progress.epochLossSum / Math.max(1, this.progress.epochLossCount),
          learningRate: record.learningRate,
          seconds: (now() - epochStarted) / 1000,
        };
        this.progress.epochLossSum = 0;
        this.progress.epochLossCount = 0;
        const isLast = done === this.totalSteps;
        if (
          validation.everyEpochs > 0 &&
          this.validationScenes.length > 0 &&
          ((epoch + 1) % validation.everyEpochs === 0 || isLast)
        ) {
          const result = await this.validate();
          const best = this.progress.best === null || result.psnr > this.progress.best.psnr;
          this.progress.validations.push(result);
          if (best) this.progress.best = result;
          epochRecord.validation = result;
          this.events.emit('validation', { ...result, best });
          if (best) await save('best');
        }
        this.events.emit('epoch', epochRecord);
        epochStarted = now();
        await save(isLast ? 'final' : 'step');
      } else if (checkpoint.everySteps > 0 && done % checkpoint.everySteps === 0) {
        await save('step');
      }
    }
    const stopped = this.progress.step < this.totalSteps;
    if (stopped && lastSaved !== this.progress.step) await save('interrupt');
    this.events.emit('end', {
      step: this.progress.step,
      stopped,
      trainingSeconds: this.progress.trainingSeconds,
      best: this.progress.best,
    });
    return {
      step: this.progress.step,
      stopped,
      best: this.progress.best,
      validations: [...this.progress.validations],
    };
  }

  /** Frees the optimiser state (and the model, when the trainer built it). */
  dispose(): void {
    this.optimizer.dispose();
    if (this.ownsModel) this.model.dispose();
  }
}
