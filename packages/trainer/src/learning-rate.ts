import type { TrainerConfig } from './config';

/**
 * The learning rate for a step (pure: the same arguments give the same rate, so a resumed run
 * continues the schedule exactly).
 *
 * - `constant`: the base rate.
 * - `step`: base * factor^floor(epoch / everyEpochs) (the paper: 4e-4 halved every 50 epochs, the
 *   toolbox's MultiStepLR [50, 100, ...], gamma 0.5, stepped once per epoch).
 * - `cosine`: min + (base - min) * (1 + cos(pi * progress)) / 2, progress = step / totalSteps (per step,
 *   the toolbox's CosineAnnealingLR(T = epochs, eta_min)); with `startEpoch` E the base rate until step
 *   E * stepsPerEpoch (S) and then progress = (step - S) / (totalSteps - S).
 *
 * @param epoch 0-based epoch of the step; @param step 0-based global step; @param totalSteps all steps.
 */
export function learningRateAt(
  config: Pick<TrainerConfig, 'optimizer' | 'learningRateSchedule' | 'training'>,
  at: { epoch: number; step: number; totalSteps: number },
): number {
  const base = config.optimizer.learningRate;
  const schedule = config.learningRateSchedule;
  switch (schedule.kind) {
    case 'constant':
      return base;
    case 'step':
      return base * schedule.factor ** Math.floor(at.epoch / schedule.everyEpochs);
    case 'cosine': {
      const start = Math.round(((schedule.startEpoch ?? 0) * at.totalSteps) / config.training.epochs);
      if (at.step < start) return base;
      const progress = Math.min(1, Math.max(0, (at.step - start) / Math.max(1, at.totalSteps - start)));
      return (
        schedule.minLearningRate +
        ((base - schedule.minLearningRate) * (1 + Math.cos(Math.PI * progress))) / 2
      );
    }
  }
}
