import type { ValidationRecord } from './checkpoint';
import type { MemoryEstimate } from './memory';

/** Loss parts of one step (unweighted ME/MA terms; `total` is what was minimised). */
export interface LossValues {
  total: number;
  recon: number;
  me?: number;
  ma?: number;
}

/** One optimiser step, as logged (`type: 'step'` in the JSON-lines log). */
export interface StepRecord {
  type: 'step';
  /** 0-based index of this step. */
  step: number;
  epoch: number;
  /** Step index inside the epoch (0-based) and steps per epoch. */
  stepInEpoch: number;
  stepsPerEpoch: number;
  loss: LossValues;
  /** Objective of the schedule at this step: me, ma, l1 or rmse; alpha and beta used. */
  objective: string;
  alpha: number;
  beta: number;
  learningRate: number;
  /** Global gradient norm before clipping (only when clipping is on). */
  gradientNorm?: number;
  samplesPerSecond: number;
  /** Seconds for this step: batch preparation, forward, backward, update and the loss read-back. */
  seconds: number;
  /** Of which preparing the batch (crops, augmentation, measurement, initial estimate). */
  dataSeconds: number;
  numTensors: number;
  /** Bytes held by live tensors (tf.memory().numBytes). */
  tensorBytes: number;
  /** The backend's own memory (wasm heap size; GPU bytes on webgpu) when it reports it. */
  backendBytes?: number;
}

/**
 * The loss objective changes (`type: 'objective'` in the log), e.g. from L_ME to L_MA at
 * `loss.switchFraction`: emitted before the first step (0-based `step`, in `epoch`) of the new one. The
 * total loss means something else from there on; `message` says so in one line.
 */
export interface ObjectiveChangeRecord {
  type: 'objective';
  step: number;
  epoch: number;
  from: string;
  to: string;
  /** alpha and beta of the new objective. */
  alpha: number;
  beta: number;
  message: string;
}

/** One finished epoch (`type: 'epoch'` in the log). */
export interface EpochRecord {
  type: 'epoch';
  epoch: number;
  step: number;
  meanLoss: number;
  learningRate: number;
  seconds: number;
  validation?: ValidationRecord;
}

/** What the trainer tells its listeners. */
export interface TrainerEventMap {
  /** Before the first step of a (resumed) run. */
  start: {
    totalSteps: number;
    stepsPerEpoch: number;
    epochs: number;
    firstStep: number;
    backend: string;
    memory: MemoryEstimate;
    parameterCount: number;
  };
  step: StepRecord;
  objective: ObjectiveChangeRecord;
  epoch: EpochRecord;
  validation: ValidationRecord & { best: boolean };
  checkpoint: { step: number; location: string; kind: 'step' | 'best' | 'final' | 'interrupt' };
  warning: { message: string };
  end: { step: number; stopped: boolean; trainingSeconds: number; best: ValidationRecord | null };
}

export type TrainerEventName = keyof TrainerEventMap;

/**
 * A tiny typed event emitter (works in Node and browsers). `on` returns a function that removes the
 * listener. A listener that throws does not stop training; the error is re-emitted as a `warning`.
 */
export class TrainerEvents {
  private readonly listeners = new Map<TrainerEventName, Set<(payload: never) => void>>();

  on<K extends TrainerEventName>(name: K, listener: (payload: TrainerEventMap[K]) => void): () => void {
    let set = this.listeners.get(name);
    if (!set) this.listeners.set(name, (set = new Set()));
    set.add(listener as (payload: never) => void);
    return () => set.delete(listener as (payload: never) => void);
  }

  emit<K extends TrainerEventName>(name: K, payload: TrainerEventMap[K]): void {
    for (const listener of this.listeners.get(name) ?? []) {
      try {
        (listener as (payload: TrainerEventMap[K]) => void)(payload);
      } catch (error) {
        if (name !== 'warning')
          this.emit('warning', { message: `${name} listener failed: ${(error as Error).message}` });
      }
    }
  }
}
